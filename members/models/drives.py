"""Enrolment drives (入会活动): on-site enrolment at a construction site, an industrial
park, in the fields."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models.register import Category
from organizations.models import Organization, ScopedQuerySet


class EnrolmentDriveQuerySet(ScopedQuerySet):
    scope_path = "organizer__path"


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
