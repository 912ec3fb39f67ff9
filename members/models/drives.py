"""Enrolment drives (入会活动): on-site enrolment at a construction site, an industrial
park, in the fields."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models.register import Category, Member
from organizations.models import Organization, ScopedQuerySet


class EnrolmentDriveQuerySet(ScopedQuerySet):
    scope_path = "organizer__path"

    def with_enrolled(self):
        """Each drive with the members entered at it (``enrolled``), counted per drive
        through the member table's drive index: a join of the members grouped by drive
        read a million members for twenty drives."""
        per_drive = (Member.objects.filter(drive=models.OuterRef("pk")).order_by()
                     .values("drive").annotate(n=models.Count("drive")).values("n"))
        return self.annotate(enrolled=Coalesce(models.Subquery(per_drive), 0))


class EnrolmentDrive(models.Model):
    """An enrolment drive (入会活动): on a construction site, in an industrial park, in
    the fields in the slack season, at an express-delivery depot… Members entered at the
    drive point to it, so progress against the target is counted, never typed."""

    class Kind(models.TextChoices):
        CONSTRUCTION_SITE = "construction_site", _("Construction site")
        INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
        FIELDS = "fields", _("In the fields / slack farming season")
        DELIVERY_DEPOT = "delivery_depot", _("Express-delivery depot")
        ONLINE = "online", _("Online")
        OTHER = "other", _("Other")

    name = models.CharField(_("drive name"), max_length=100)
    organizer = models.ForeignKey(
        Organization, models.PROTECT, related_name="drives", verbose_name=_("organising union")
    )
    default_union = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("union new members join"),
        limit_choices_to={"kind__in": Organization.MEMBER_KINDS},
        help_text=_("Preset on the entry page; usually a joint union or an industry federation."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=150, blank=True)
    target_group = models.CharField(
        _("target group"), max_length=20, choices=Category.choices, blank=True
    )
    target_count = models.PositiveIntegerField(_("target head count"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    objects = EnrolmentDriveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("enrolment drive")
        verbose_name_plural = _("enrolment drives")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="drive_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class EntryReceipt(models.Model):
    """A person sent from the drive entry page, remembered by the key the page gave
    them (``DriveEntryForm.entry_key``). The page keeps people in the browser while the
    network is away and sends them when it returns — and a save whose answer was lost
    is sent again: a key that arrives a second time answers "saved" with the member it
    saved, instead of enrolling the person twice. Written in the enrolment's
    transaction, so a key is remembered exactly when its member exists."""

    key = models.UUIDField(_("entry key"), primary_key=True)
    member = models.ForeignKey(
        "Member", models.CASCADE, related_name="+", verbose_name=_("member")
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("entry receipt")
        verbose_name_plural = _("entry receipts")

    def __str__(self):
        return str(self.key)
