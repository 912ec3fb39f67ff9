"""Self-enrolment by QR code (扫码自助登记): a drive's public page, opened by a clerk,
where workers enter their own details on their phones. What they send is an
``Application`` (source: QR) that waits on the clerk's entry page; nobody becomes a
member until a clerk has checked the ID card and confirmed."""

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.drives import EnrolmentDrive


def new_token():
    # The page's address: unguessable, so a drive's page is reached through its QR code
    # or its link, not by counting drive numbers.
    return secrets.token_urlsafe(12)


class SelfEnrolment(models.Model):
    """A drive's QR page: open from when a clerk opens it until the drive's last day, or
    until a clerk closes it; a drive without an end date closes after ``IDLE_DAYS``
    without a submission (a link left in a WeChat group does not stay open for ever)."""

    IDLE_DAYS = 30

    class Closed(models.TextChoices):
        BY_CLERK = "clerk", _("Closed by the drive's clerks.")
        DRIVE_ENDED = "ended", _("The drive has ended.")
        IDLE = "idle", _("Closed after 30 days without a submission.")

    drive = models.OneToOneField(
        EnrolmentDrive, models.CASCADE, related_name="self_enrolment",
        verbose_name=_("enrolment drive"),
    )
    token = models.CharField(_("address key"), max_length=32, unique=True, default=new_token)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_submission_at = models.DateTimeField(_("last submission at"), null=True, blank=True)

    class Meta:
        verbose_name = _("QR self-enrolment page")
        verbose_name_plural = _("QR self-enrolment pages")

    def __str__(self):
        return str(self.drive)

    def closed_because(self, now=None):
        """Why the page takes no submissions now (a ``Closed``), or None while open."""
        now = now or timezone.now()
        if self.closed_at is not None:
            return self.Closed.BY_CLERK
        drive = self.drive
        if drive.ends_on is not None:
            if timezone.localdate(now) > drive.ends_on:
                return self.Closed.DRIVE_ENDED
        elif now - (self.last_submission_at or self.opened_at) > timedelta(days=self.IDLE_DAYS):
            return self.Closed.IDLE
        return None


class SelfEnrolmentSubmission(models.Model):
    """One submission a QR page accepted, kept for its throttle only (how many from one
    address, how many for one drive, in the last window): the address is stored as a
    keyed hash, not as itself, and rows older than a day are deleted as new ones come."""

    drive = models.ForeignKey(EnrolmentDrive, models.CASCADE, related_name="+")
    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "at"], name="qr_submission_address_idx"),
            models.Index(fields=["drive", "at"], name="qr_submission_drive_idx"),
            models.Index(fields=["at"], name="qr_submission_at_idx"),
        ]
