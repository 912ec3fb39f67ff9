"""三个一批 demonstration sites (示范点), their activity logs, and the unionisation
targets (建会目标) federations set for their areas."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models.employers import Employer
from organizations.models.tree import Division, Organization
from organizations.policy import ScopedQuerySet


class SiteService(models.TextChoices):
    """What a demonstration site offers, and what each logged activity was. A site's
    services are one boolean column each (``SiteService.X.field``), like member
    categories: admin filters, forms and "sites offering X" counts then work the same on
    SQLite and PostgreSQL, whereas a JSON list cannot be filtered portably."""

    HARDSHIP = "hardship", _("Hardship assistance")
    RIGHTS = "rights", _("Legal rights protection")
    EDUCATION = "education", _("Worker education")
    CULTURE = "culture", _("Culture and sport")
    EMPLOYMENT = "employment", _("Employment services")
    WELLBEING = "wellbeing", _("Health and counselling")

    @property
    def field(self):
        return f"offers_{self.value}"


class DemonstrationSiteQuerySet(ScopedQuerySet):
    scope_path = "union__path"

    def with_coverage(self):
        """Each site's enterprises and workers, computed from the employers it covers."""
        return self.annotate(
            enterprises=models.Count("employers", distinct=True),
            workers=Coalesce(models.Sum("employers__employees"), 0),
        )

    def totals(self):
        """Sites, distinct covered enterprises, their workers and activity space, in two
        queries. An employer served by two sites counts once."""
        sites = self.aggregate(
            sites=models.Count("id"),
            open_sites=models.Count("id", filter=Q(status=DemonstrationSite.Status.OPEN)),
            planned_sites=models.Count("id", filter=Q(status=DemonstrationSite.Status.PLANNED)),
            space_m2=Coalesce(models.Sum("activity_space_m2"), 0),
        )
        covered = Employer.objects.filter(
            pk__in=DemonstrationSite.employers.through.objects.filter(
                demonstrationsite__in=self.values("pk")
            ).values("employer_id")
        ).aggregate(
            enterprises=models.Count("id"), workers=Coalesce(models.Sum("employees"), 0)
        )
        return sites | covered


class DemonstrationSite(models.Model):
    """A 三个一批 demonstration site (示范点): a place that brings together a union (会), a
    worker service station (站) and a workers' home (家), run by a union for the
    enterprises around it — "people to do the work, money to do it, a place to serve".
    The enterprises and workers it covers are counted from ``employers``, never typed."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("site name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    union = models.ForeignKey(
        Organization, models.PROTECT, related_name="demonstration_sites",
        verbose_name=_("union running the site"),
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="demonstration_sites", verbose_name=_("division")
    )
    has_union = models.BooleanField(_("union (会)"), default=True)
    has_service_station = models.BooleanField(_("worker service station (站)"), default=True)
    has_workers_home = models.BooleanField(_("workers' home (家)"), default=True)
    employers = models.ManyToManyField(
        Employer, blank=True, related_name="demonstration_sites",
        verbose_name=_("covered employers"),
    )
    # Whole square metres: the figure sites report ("2,952 m²") has no fractions.
    activity_space_m2 = models.PositiveIntegerField(_("activity space (m²)"), default=0)
    offers_hardship = models.BooleanField(SiteService.HARDSHIP.label, default=False)
    offers_rights = models.BooleanField(SiteService.RIGHTS.label, default=False)
    offers_education = models.BooleanField(SiteService.EDUCATION.label, default=False)
    offers_culture = models.BooleanField(SiteService.CULTURE.label, default=False)
    offers_employment = models.BooleanField(SiteService.EMPLOYMENT.label, default=False)
    offers_wellbeing = models.BooleanField(SiteService.WELLBEING.label, default=False)
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    staff_notes = models.TextField(
        _("staff"), blank=True, help_text=_("Who does the work: full-time and volunteer staff.")
    )
    funding_notes = models.TextField(
        _("funding"), blank=True, help_text=_("Where the money comes from.")
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = DemonstrationSiteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("demonstration site")
        verbose_name_plural = _("demonstration sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(opened_on__isnull=False) | ~Q(status="open"),
                name="site_open_has_opening_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def services(self):
        return [service for service in SiteService if getattr(self, service.field)]

    @property
    def integrates(self):
        """Which of 会、站、家 the site brings together, as their short labels."""
        return [label for flag, label in (
            (self.has_union, "会"), (self.has_service_station, "站"), (self.has_workers_home, "家"),
        ) if flag]


class SiteActivityQuerySet(ScopedQuerySet):
    scope_path = "site__union__path"

    def per_site_and_year(self):
        """Activities and participants per site and year, one grouped query."""
        return (
            self.annotate(year=ExtractYear("date"))
            .values("site", "year")
            .annotate(activities=models.Count("id"),
                      participants=Coalesce(models.Sum("participants"), 0))
            .order_by("site", "year")
        )


class SiteActivity(models.Model):
    """One entry in a site's activity log: a hardship visit, a legal consultation day, a
    training course, a sports event."""

    site = models.ForeignKey(
        DemonstrationSite, models.CASCADE, related_name="activities", verbose_name=_("site")
    )
    date = models.DateField(_("date"))
    service = models.CharField(_("service"), max_length=12, choices=SiteService.choices)
    title = models.CharField(_("title"), max_length=150)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    objects = SiteActivityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("site activity")
        verbose_name_plural = _("site activities")
        indexes = [models.Index(fields=["site", "date"], name="site_activity_date_idx")]

    def __str__(self):
        return f"{self.date} {self.title}"


class CampaignTargetQuerySet(ScopedQuerySet):
    scope_path = "organization__path"


class CampaignTarget(models.Model):
    """A unionisation target a federation sets for its area (建会目标): "every enterprise
    with 100+ employees unionised this year", "every one with 25+ within three years".
    Progress is counted from the employers, never typed: those of the size that were
    unionised since ``set_on`` against those still without a union."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="campaign_targets",
        verbose_name=_("federation"),
    )
    description = models.CharField(_("description"), max_length=150)
    min_employees = models.PositiveIntegerField(
        _("minimum employees"), help_text=_("Employers of at least this size count.")
    )
    set_on = models.DateField(_("set on"), default=timezone.localdate)
    due_on = models.DateField(_("due date"))
    notes = models.TextField(_("notes"), blank=True)

    objects = CampaignTargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "-min_employees"]
        verbose_name = _("unionisation target")
        verbose_name_plural = _("unionisation targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("set_on")), name="campaign_target_due_after_set"
            ),
        ]

    def __str__(self):
        return self.description
