"""Applications to join (入会申请 → 审核 → 入会): ``apply`` files one, a clerk of the
union reviews it, ``approve_application`` enrols the person through ``enrol`` (or, for
someone who left, ``rejoin``) with the reviewer recorded, ``reject_application`` closes
it. Every source of applications (the desk, a paper form, a QR page) goes through
``apply``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services
from members.models import Application
from members.services.changes import rejoin
from organizations.access import organization_in_scope


def _registered_problem(application):
    existing = services.registration(application.id_type, application.id_number)
    if existing is not None and existing.is_member:
        return _("This person is already a member of %(union)s.") % {"union": existing.union}
    return None


@transaction.atomic
def apply(application, *, user=None):
    """File an application (validated by its form). A current member cannot apply; a
    person who left can (approval records them joining again)."""
    problem = _registered_problem(application)
    if problem:
        raise services.MembershipError(problem)
    if Application.objects.filter(id_type=application.id_type, id_number=application.id_number,
                                  state=Application.State.PENDING).exists():
        raise services.MembershipError(_("This person already has an application awaiting "
                                         "review."))
    if user is not None and user.is_authenticated:
        application.created_by = user
    services._save(application, user)
    return application


def _decide(application, user, state, note):
    application.state = state
    application.reviewed_by = user
    application.reviewed_at = timezone.now()
    application.review_note = note
    services._save(application, user)


def _locked_pending(application, user):
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != Application.State.PENDING:
        raise services.MembershipError(_("This application has already been reviewed."))
    if not organization_in_scope(user, application.union):
        raise services.MembershipError(_("Only the union applied to can review this application."))
    return application


@transaction.atomic
def approve_application(application, user, *, day=None, note=""):
    """审核通过: enrol the applicant on ``day`` (today by default) in the union applied
    to, as the member type applied for; the reviewer and the member are recorded on the
    application. Raises ``MembershipError`` when the register's rules refuse."""
    application = _locked_pending(application, user)
    day = day or timezone.localdate()
    problem = _registered_problem(application)
    if problem:
        raise services.MembershipError(problem)
    existing = services.registration(application.id_type, application.id_number)
    if existing is not None:
        member = rejoin(existing, day, user=user, union=application.union,
                        note=_("Application %(pk)d") % {"pk": application.pk})
    else:
        member = application.as_member(day)
        try:
            member.full_clean()
        except ValidationError as error:
            raise services.MembershipError(" ".join(error.messages)) from None
        services.enrol(member, user=user)
    application.member = member
    _decide(application, user, Application.State.APPROVED, note)
    return application


@transaction.atomic
def reject_application(application, user, *, note=""):
    """审核不通过: the application is closed with the reviewer and their note."""
    application = _locked_pending(application, user)
    _decide(application, user, Application.State.REJECTED, note)
    return application
