"""Self-enrolment by QR code: what a drive's public page may do (file a worker's own
application, throttled) and what a clerk does with it (confirm it against the ID card,
which enrols the person through ``enrol``, or reject it).

The public page is no oracle: a submission is answered the same whether or not the
person is registered or has applied already, and nothing here looks the register up
for the worker. What the register says about the person is shown to the drive's clerk
when they review the submission."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services
from members.models import Application, SelfEnrolment, SelfEnrolmentSubmission
from members.services.applications import _decide, _locked_pending

NOTICE_VERSION = "2026-11"  # bump when the notice's text changes: consent names the notice
KEEP_SUBMISSIONS = timedelta(days=1)  # the throttle's log, beyond any window


def address_hash(address):
    """A keyed hash of the client's address: enough to count, useless to anyone else."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def open_page(drive):
    """Open (or open again) the drive's QR page; its address stays the same."""
    page, created = SelfEnrolment.objects.get_or_create(drive=drive)
    if not created:
        page.closed_at = None
        page.opened_at = timezone.now()
        page.save(update_fields=["closed_at", "opened_at"])
    return page


def close_page(drive):
    SelfEnrolment.objects.filter(drive=drive, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )


def throttled(page, address, now=None):
    """A message for the worker when this address, or this drive, has sent as many
    submissions as the window allows (settings ``QR_LIMIT_PER_ADDRESS``,
    ``QR_LIMIT_PER_DRIVE``, ``QR_LIMIT_WINDOW_SECONDS``); None otherwise."""
    now = now or timezone.now()
    recent = SelfEnrolmentSubmission.objects.filter(
        at__gt=now - timedelta(seconds=settings.QR_LIMIT_WINDOW_SECONDS)
    )
    if recent.filter(address_hash=address_hash(address)).count() >= settings.QR_LIMIT_PER_ADDRESS:
        return _("Too many submissions from this network. Please try again later, or go to "
                 "the clerks at the drive.")
    if recent.filter(drive=page.drive_id).count() >= settings.QR_LIMIT_PER_DRIVE:
        return _("This drive's page is receiving too many submissions. Please try again "
                 "later, or go to the clerks at the drive.")
    return None


@transaction.atomic
def submit(page, application, address):
    """File a worker's own application (validated by the page's form) for the page's
    drive, with their consent. The submission is counted for the throttle whatever
    follows. When the person already has an application waiting, nothing new is filed:
    the worker hears the same as anyone (they go to the clerks either way)."""
    now = timezone.now()
    SelfEnrolmentSubmission.objects.filter(at__lt=now - KEEP_SUBMISSIONS).delete()
    SelfEnrolmentSubmission.objects.create(drive=page.drive, address_hash=address_hash(address),
                                           at=now)
    SelfEnrolment.objects.filter(pk=page.pk).update(last_submission_at=now)
    application.source = Application.Source.QR
    application.drive = page.drive
    application.consented_at = now
    application.consent_notice = NOTICE_VERSION
    waiting = Application.objects.filter(id_type=application.id_type,
                                         id_number=application.id_number,
                                         state=Application.State.PENDING)
    if waiting.exists():
        return None
    try:
        with transaction.atomic():
            services._save(application, None)
    except IntegrityError:
        return None  # the same person sent at the same moment: one application waits
    return application


def waiting_at(drive, user):
    """The QR submissions waiting at ``drive`` that ``user`` may review, oldest first,
    each with ``registered`` (the member with that document, or None)."""
    applications = list(
        Application.objects.visible_to(user)
        .filter(drive=drive, source=Application.Source.QR, state=Application.State.PENDING)
        .order_by("id")
    )
    found = services.registrations([application.id_number for application in applications])
    for application in applications:
        application.registered = found.get((application.id_type, application.id_number))
    return applications


@transaction.atomic
def confirm(application, member, *, user):
    """The clerk checked the ID card and confirmed: enrol ``member`` (the entry form's,
    as the clerk confirmed or corrected it) and close the application as approved,
    naming the member and the clerk."""
    application = _locked_pending(application, user)
    services.enrol(member, user=user)
    application.member = member
    _decide(application, user, Application.State.APPROVED, "")
    return member


def reject(application, *, user):
    return services.reject_application(application, user)
