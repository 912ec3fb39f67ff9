"""Employers (单位): the base union that covers each, or none yet (未建会)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations import codes
from organizations.models.tree import Division, Organization
from organizations.policy import is_unrestricted, scope_root
from organizations.validators import normalize_credit_code, validate_credit_code


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user):
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
