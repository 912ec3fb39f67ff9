"""How people ask to join and how many members change at once: the application to join
(入会申请, reviewed before the person is enrolled) and the record of a batch change."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.identity import DocumentType
from members.models.register import Category, Member
from organizations import codes, personal
from organizations.models import Employer, Organization, ScopedQuerySet


class ApplicationQuerySet(ScopedQuerySet):
    scope_path = "union__path"  # seen by whoever sees the union applied to


class Application(models.Model):
    """An application to join a union (入会申请): entered by a clerk at the desk or from
    a paper form, reviewed (审核) by a clerk of the union, and on approval enrolled as a
    member through ``members.services`` (``approve_application``), the reviewer
    recorded. A person who left may apply again: approval records a new 入会 for the same
    member. A worker's own submission from a drive's QR page (``Source.QR``) names the
    drive and keeps the worker's consent to the personal-information notice; a clerk
    at the drive confirms it against the ID card (``members.services.self_enrolment``)."""

    class Source(models.TextChoices):
        DESK = "desk", _("At the desk")
        PAPER = "paper", _("Paper application form")
        QR = "qr", _("QR code self-enrolment")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.DESK)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.CHOICES,
                               default=DocumentType.RESIDENT_ID)
    id_number = models.CharField(_("document number"), max_length=20)
    gender = models.CharField(_("gender"), max_length=1, blank=True,
                              choices=codes.choices(codes.GENDER))
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=10, default="汉族",
                                 choices=codes.choices(codes.ETHNICITY))
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    household_type = models.CharField(_("household registration type"), max_length=10,
                                      blank=True, choices=codes.choices(codes.HOUSEHOLD_TYPE))
    education = models.CharField(_("education"), max_length=10, blank=True,
                                 choices=codes.choices(codes.EDUCATION))
    political_status = models.CharField(_("political status"), max_length=10, blank=True,
                                        choices=codes.choices(codes.POLITICAL_STATUS))
    union = models.ForeignKey(
        Organization, models.PROTECT, related_name="applications", verbose_name=_("base union"),
        limit_choices_to={"kind__in": Organization.MEMBER_KINDS},
    )
    employer = models.ForeignKey(Employer, models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("employer"))
    member_type = models.CharField(_("member type"), max_length=12,
                                   choices=Member.MemberType.choices,
                                   default=Member.MemberType.PROBATIONARY)
    is_migrant_worker = models.BooleanField(Category.MIGRANT_WORKER.label, default=False)
    applied_on = models.DateField(_("application date"), default=date.today)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    member = models.ForeignKey(Member, models.SET_NULL, null=True, blank=True,
                               related_name="applications", verbose_name=_("member"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, editable=False, related_name="+",
                                   verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("entered at"), default=timezone.now, editable=False)
    # Self-enrolment (Source.QR): the drive whose page took it, and the applicant's
    # consent to the personal-information notice (PIPL): when, and which notice.
    drive = models.ForeignKey("EnrolmentDrive", models.SET_NULL, null=True, blank=True,
                              related_name="applications", verbose_name=_("enrolment drive"))
    consented_at = models.DateTimeField(_("consent given at"), null=True, blank=True,
                                        editable=False)
    consent_notice = models.CharField(_("notice consented to"), max_length=20, blank=True,
                                      editable=False)

    objects = ApplicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("application to join")
        verbose_name_plural = _("applications to join")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"],
                                    condition=Q(state="pending"),
                                    name="application_one_pending_per_person"),
        ]
        indexes = [models.Index(fields=["union", "state"], name="application_union_state_idx")]

    # As on the member (organizations.personal): what an applicant gives is personal data.
    PERSONAL_FIELDS = {"id_number": "document", "mobile": "mobile", "birth_date": "birth_date"}

    def masked(self, name):
        return personal.masked_value(self.PERSONAL_FIELDS, name, getattr(self, name))

    def __str__(self):
        return f"{self.name}（{self.get_state_display()}）"

    def as_member(self, joined_on):
        """The member this application enrols on ``joined_on`` (not saved)."""
        return Member(
            name=self.name, id_type=self.id_type, id_number=self.id_number, gender=self.gender,
            birth_date=self.birth_date, ethnicity=self.ethnicity, mobile=self.mobile,
            household_type=self.household_type, education=self.education,
            political_status=self.political_status, union=self.union, employer=self.employer,
            member_type=self.member_type, is_migrant_worker=self.is_migrant_worker,
            joined_on=joined_on,
        )


class BatchChange(models.Model):
    """The audit record of one batch change (``members.services.batch``): who recorded
    which change, for which members, in whose area. Each member's event also names its
    author (``MembershipEvent.recorded_by``)."""

    change = models.CharField(_("change"), max_length=12)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    union = models.ForeignKey(Organization, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("union"))
    scope = models.ForeignKey(Organization, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("recorded for"))
    count = models.PositiveIntegerField(_("members"))
    members = models.ManyToManyField(Member, related_name="batch_changes")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("batch change")
        verbose_name_plural = _("batch changes")

    def __str__(self):
        return f"{self.date} {self.change} ×{self.count}"
