"""The union hierarchy of a city federation, the employers its base unions cover, the
administrative divisions they sit in, and who acts for which union.

Unions form a tree (隶属关系): city federation → county federations → town unions →
base unions, with industry federations and sector unions in between. Every question the
register answers is asked of a subtree ("members under 阳东区总工会"), so the tree is
stored as a materialized path: each union's ``path`` is its parent's path followed by
its own id, zero-padded to ``STEP`` digits. A subtree is then one indexed prefix match
(``path LIKE '0000001000004%'``) on SQLite and PostgreSQL alike, with no recursive
query and no extra library; the depth of a node is ``len(path) // STEP``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Concat, ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations import codes
from organizations.validators import (
    normalize_credit_code,
    validate_credit_code,
    validate_division_code,
    validate_union_credit_code,
)

STEP = 7  # digits per level of Organization.path: room for 10 million unions


class DivisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The divisions a user may place records in: their area (``policy.area_filter``).
        The official list itself is public reference data; this limits what they set."""
        from organizations.policy import area_filter

        return self.filter(area_filter(user, "code"))


class Division(models.Model):
    """An administrative division (行政区划) with its National Bureau of Statistics code:
    the city (6 digits), its counties and districts (6) and towns and subdistricts (9).
    Loaded from fixtures/yangjiang_divisions.csv by a data migration."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")
        TOWN = "town", _("Town / subdistrict")

    code = models.CharField(_("division code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent division"),
    )

    objects = DivisionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self):
        return self.name

    def clean(self):
        validate_division_code(self.code, self.parent.code if self.parent_id else None)

    @property
    def prefix(self):
        """The code prefix shared by this division and everything in it: a city's towns
        and counties share its first four digits, a county's towns its six."""
        return self.code[:4] if self.level == Division.Level.CITY else self.code


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a union's subtree, reached through the union's ``path`` at the
    lookup ``scope_path`` (e.g. ``"union__path"``). ``visible_to`` is the one scoping
    method every page, admin, export and import starts from (``organizations.access``)."""

    scope_path = "path"

    def visible_to(self, user):
        from organizations.policy import scope_filter

        return self.filter(scope_filter(user, self.scope_path))

    def in_subtree(self, organization):
        return self.filter(**{f"{self.scope_path}__startswith": organization.path})


class OrganizationQuerySet(ScopedQuerySet):
    def base_unions(self):
        return self.filter(kind__in=Organization.BASE_KINDS)

    def taking_members(self):
        """Unions people belong to directly (``Organization.takes_members``)."""
        return self.filter(kind__in=Organization.MEMBER_KINDS)


class Organization(models.Model):
    """A union body: the city federation, a county or town federation, an industry
    federation (行业工会联合会, e.g. truck drivers), a sector union, or a base union
    (基层工会) that covers one employer (独立基层工会) or many (联合基层工会).

    ``code`` is the register's own identifier for the union and the key that imports and
    exports use; ``path`` is internal (see the module docstring)."""

    class Kind(models.TextChoices):
        CITY = "city", _("City federation of trade unions")
        COUNTY = "county", _("County / district federation of trade unions")
        TOWN = "town", _("Town / subdistrict union")
        INDUSTRY = "industry", _("Industry union federation")
        SECTOR = "sector", _("Sector / system union")
        BASE_SINGLE = "base_single", _("Single-employer base union")
        BASE_JOINT = "base_joint", _("Joint base union")

    BASE_KINDS = (Kind.BASE_SINGLE, Kind.BASE_JOINT)
    # A person belongs to a base union, or straight to an industry federation (truck
    # drivers and couriers without an employer's union join the 工联会 itself).
    MEMBER_KINDS = BASE_KINDS + (Kind.INDUSTRY,)
    # Which kinds of union may lead which: the tree of DOMAIN.md.
    ALLOWED_PARENTS = {
        Kind.CITY: (),
        Kind.COUNTY: (Kind.CITY,),
        Kind.TOWN: (Kind.COUNTY,),
        Kind.INDUSTRY: (Kind.CITY, Kind.COUNTY, Kind.TOWN),
        Kind.SECTOR: (Kind.CITY, Kind.COUNTY),
        Kind.BASE_SINGLE: (Kind.CITY, Kind.COUNTY, Kind.TOWN, Kind.INDUSTRY, Kind.SECTOR),
        Kind.BASE_JOINT: (Kind.CITY, Kind.COUNTY, Kind.TOWN, Kind.INDUSTRY, Kind.SECTOR),
    }
    # The register's 基层工会类型 for each kind, used by imports and exports.
    REGISTER_TYPE = {
        Kind.CITY: "总工会",
        Kind.COUNTY: "总工会",
        Kind.TOWN: "总工会",
        Kind.INDUSTRY: "工会联合会",
        Kind.SECTOR: "产业(系统)工会",
        Kind.BASE_SINGLE: "独立基层工会",
        Kind.BASE_JOINT: "联合基层工会",
    }

    code = models.CharField(_("union code"), max_length=30, unique=True)
    name = models.CharField(_("union name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent union"),
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="organizations", verbose_name=_("division")
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True,
        validators=[validate_union_credit_code],
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    chair = models.CharField(_("chair"), max_length=50, blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_non_public = models.BooleanField(
        _("in a non-public enterprise"), default=False,
        help_text=_("The union sits in a private, foreign- or HK/Macao/Taiwan-invested enterprise."),
    )
    reported_members = models.PositiveIntegerField(
        _("reported members"), null=True, blank=True,
        help_text=_("The member count the union reports (上报数), shown beside the register's count."),
    )

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["path"])

    class Meta:
        ordering = ["path"]
        verbose_name = _("union")
        verbose_name_plural = _("unions")
        indexes = [
            models.Index(fields=["name"], name="org_name_idx"),
            models.Index(fields=["kind", "path"], name="org_kind_path_idx"),
            # Prefix matches (subtrees) use the index whatever the database collation.
            models.Index(
                fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, kind="city") | Q(parent__isnull=False),
                name="org_only_city_without_parent",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return len(self.path) // STEP

    @property
    def is_base(self):
        return self.kind in self.BASE_KINDS

    @property
    def takes_members(self):
        """Can people belong to this union directly? The one rule every member form,
        service, import and report asks (``MEMBER_KINDS``)."""
        return self.kind in self.MEMBER_KINDS

    def ancestors(self):
        """The unions above this one, from the top down (one query)."""
        prefixes = [self.path[:end] for end in range(STEP, len(self.path), STEP)]
        return Organization.objects.filter(path__in=prefixes).order_by("path")

    def is_within(self, other):
        return self.path.startswith(other.path)

    def clean(self):
        if self.credit_code:
            self.credit_code = normalize_credit_code(self.credit_code)
        allowed = self.ALLOWED_PARENTS.get(self.kind, ())
        if self.parent_id is None:
            if self.kind != self.Kind.CITY:
                raise ValidationError(
                    {"parent": gettext("A %(kind)s must have a parent union.")
                     % {"kind": self.get_kind_display()}}
                )
            return
        parent = self.parent
        if parent.kind not in allowed:
            raise ValidationError(
                {"parent": gettext("A %(kind)s cannot sit under a %(parent_kind)s.")
                 % {"kind": self.get_kind_display(), "parent_kind": parent.get_kind_display()}}
            )
        if self.pk and parent.path.startswith(self.path):
            raise ValidationError(
                {"parent": gettext("A union cannot be moved under itself or its own subunions.")}
            )
        if self.pk and self.is_base and Organization.objects.filter(parent_id=self.pk).exists():
            raise ValidationError(
                {"kind": gettext("A base union has no subunions; move its subunions first.")}
            )

    def save(self, *args, **kwargs):
        """Saving keeps ``path`` right; moving a union rewrites its subtree's paths in
        one UPDATE inside the same transaction."""
        with transaction.atomic():
            old_path = self.path
            if not self.pk:
                self.path = f"tmp-{id(self)}"
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
                self.path = self._path_under(self.parent)
                super().save(update_fields=["path"])
                return
            new_path = self._path_under(self.parent)
            self.path = new_path
            super().save(*args, **kwargs)
            if old_path and old_path != new_path:
                Organization.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
                )

    def _path_under(self, parent):
        segment = str(self.pk).zfill(STEP)
        return (parent.path if parent else "") + segment

    @classmethod
    def path_for(cls, parent_path, pk):
        """The path of a union with id ``pk`` under ``parent_path`` (bulk loaders use it)."""
        return (parent_path or "") + str(pk).zfill(STEP)


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user):
        from organizations.policy import is_unrestricted, scope_root

        if is_unrestricted(user):
            return self.all()
        root = scope_root(user)
        return self.in_area(root) if root else self.none()

    def in_area(self, organization):
        """Employers counted under ``organization``: those its unions cover and, for a
        federation responsible for an area (city, county, town), those in its area that
        have no union yet — the ones its unionisation campaign must reach."""
        return self.filter(self.area_q(organization))

    @staticmethod
    def area_q(organization):
        """``in_area`` as a Q, for conditional aggregates over several areas at once."""
        covered = Q(union__path__startswith=organization.path)
        area = EmployerQuerySet.uncovered_area(organization)
        if area is not None:
            return covered | Q(union__isnull=True, division__code__startswith=area)
        return covered

    @staticmethod
    def uncovered_area(organization):
        """The division-code prefix of the employers without a union that count under
        ``organization`` (a federation's area), or None (other unions have none)."""
        if organization.kind in (Organization.Kind.CITY, Organization.Kind.COUNTY,
                                 Organization.Kind.TOWN):
            return organization.division.prefix
        return None

    def without_union(self):
        return self.filter(union__isnull=True)


class Employer(models.Model):
    """An employer (单位) with its headcounts, and the base union that covers it —
    none when it has no union yet (未建会), which is what the unionisation campaign
    tracks. A joint base union covers many employers."""

    name = models.CharField(_("employer name"), max_length=150)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True,
        validators=[validate_credit_code],
    )
    nature = models.CharField(
        _("nature of employer"), max_length=20, blank=True,
        choices=codes.choices(codes.EMPLOYER_NATURE),
    )
    economic_type = models.CharField(
        _("economic type"), max_length=20, blank=True, choices=codes.choices(codes.ECONOMIC_TYPE)
    )
    industry = models.CharField(
        _("industry"), max_length=30, blank=True, choices=codes.choices(codes.INDUSTRY)
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="employers", verbose_name=_("town / subdistrict")
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    women_employees = models.PositiveIntegerField(_("women employees"), default=0)
    migrant_employees = models.PositiveIntegerField(_("migrant-worker employees"), default=0)
    union = models.ForeignKey(
        Organization, models.SET_NULL, null=True, blank=True, related_name="employers",
        verbose_name=_("covering base union"),
        limit_choices_to={"kind__in": Organization.BASE_KINDS},
    )
    unionized_on = models.DateField(
        _("unionised on"), null=True, blank=True,
        help_text=_("When the employer came under a base union."),
    )

    objects = EmployerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        indexes = [
            models.Index(fields=["name"], name="employer_name_idx"),
            # Statistics count an area's employers without a union by their division.
            models.Index(fields=["division"], name="employer_uncovered_idx",
                         condition=Q(union__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(women_employees__lte=F("employees"))
                & Q(migrant_employees__lte=F("employees")),
                name="employer_headcounts_within_total",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.credit_code:
            self.credit_code = normalize_credit_code(self.credit_code)
        if self.union_id and not self.union.is_base:
            raise ValidationError({"union": gettext("Only a base union can cover an employer.")})
        errors = {}
        if self.women_employees > self.employees:
            errors["women_employees"] = gettext("More women employees than employees.")
        if self.migrant_employees > self.employees:
            errors["migrant_employees"] = gettext("More migrant-worker employees than employees.")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CLERK = "clerk", _("Clerk")
    VIEWER = "viewer", _("Viewer")


class Grant(models.Model):
    """Which union a user acts for, and with what role. The grant covers the union's
    whole subtree. Superusers (the city's system administrators) need none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="grant", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="grants", verbose_name=_("union")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    # Who gave whom access to which union, and when (the author comes from the request
    # through simple_history's HistoryRequestMiddleware).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


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
