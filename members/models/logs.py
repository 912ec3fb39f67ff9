"""Who took or read personal data, and the background export jobs."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.register import Member
from organizations import personal


class ExportLog(models.Model):
    """Who exported personal data, when, with which filter and how many rows: exports of
    members leave the system, so the federation must be able to say who took what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("exported at"), default=timezone.now)
    kind = models.CharField(_("list"), max_length=20)
    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    masked = models.BooleanField(_("personal data masked"), default=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.kind} ({self.rows})"


class PersonalDataReadQuerySet(models.QuerySet):
    def expired(self, now=None):
        days = settings.PERSONAL_DATA_READ_RETENTION_DAYS
        return self.filter(at__lt=(now or timezone.now()) - timedelta(days=days))


class PersonalDataRead(models.Model):
    """One page that showed a member's full personal data (ID and mobile numbers, birth
    date, addresses) to a user: who, when, which member, on which page. Lists and
    masked pages write nothing; exports have their own log (``ExportLog``). Kept for
    ``PERSONAL_DATA_READ_RETENTION_DAYS`` days: each write deletes what has expired, and
    ``manage.py prune_read_log`` does the same for a register nobody opens."""

    class Page(models.TextChoices):
        MEMBER_PAGE = "member_page", _("Member page")
        ADMIN_CHANGE = "admin_change", _("Admin change page")
        ADMIN_VERSION = "admin_version", _("Admin history version")
        DRIVE_ENTRY = "drive_entry", _("Enrolment drive correction")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("read at"), default=timezone.now, db_index=True)
    # Kept when the member is deleted (then only superusers see the entry).
    member = models.ForeignKey(
        Member, models.SET_NULL, null=True, related_name="+", verbose_name=_("member"),
    )
    page = models.CharField(_("page"), max_length=20, choices=Page.choices)

    objects = PersonalDataReadQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data read")
        verbose_name_plural = _("personal data reads")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.member_id}"

    @classmethod
    def record(cls, user, member, page):
        """Log that ``user`` was just shown ``member``'s full personal data, if the
        policy lets them see it in full (otherwise the page showed masks: nothing to
        log). Expired entries go at the same time: one indexed delete."""
        if not personal.sees_in_full(user):
            return None
        cls.objects.expired().delete()
        return cls.objects.create(
            user=user if user.is_authenticated else None, member=member, page=page
        )


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A background job belongs to the person who started it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class BackgroundJob(models.Model):
    """What a job run by the background worker (``manage.py db_worker``) keeps for the
    page that polls it: who started it, its state and its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    kind = models.CharField(_("list"), max_length=20)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"


class ExportJob(BackgroundJob):
    """A large export: the page polls ``done_rows`` and offers the file when ``state``
    is done."""

    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    done_rows = models.PositiveIntegerField(_("rows written"), default=0)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")


class ImportJob(BackgroundJob):
    """A large import (over ``IMPORT_INLINE_MAX_BYTES``) checked or written in the
    background: first the preview (``commit`` off: counts and every error), then, once
    confirmed, the write (``commit`` on). The page polls ``done_rows`` and shows the
    result; the upload stays under its token (``spreadsheets.uploads``) for the error
    workbook and the confirmation."""

    token = models.CharField(_("upload"), max_length=40)
    union_code = models.CharField(_("union code"), max_length=30, blank=True)
    commit = models.BooleanField(_("write"), default=False)
    done_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    # The result: counts, the file's error, the row errors (as the preview lists them).
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
