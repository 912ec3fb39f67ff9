"""The union hierarchy: administrative divisions and the tree of unions.

Unions form a tree (隶属关系): city federation → county federations → town unions →
base unions, with industry federations and sector unions in between. Every question the
register answers is asked of a subtree ("members under 阳东区总工会"), so the tree is
stored as a materialized path: each union's ``path`` is its parent's path followed by
its own id, zero-padded to ``STEP`` digits. A subtree is then one indexed prefix match
(``path LIKE '0000001000004%'``) on SQLite and PostgreSQL alike, with no recursive
query and no extra library; the depth of a node is ``len(path) // STEP``.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.policy import ScopedQuerySet, area_filter
from organizations.validators import (
    normalize_credit_code,
    validate_division_code,
    validate_union_credit_code,
)

STEP = 7  # digits per level of Organization.path: room for 10 million unions


class DivisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The divisions a user may place records in: their area (``policy.area_filter``).
        The official list itself is public reference data; this limits what they set."""
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
