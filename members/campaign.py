"""The unionisation campaign page (建会入会): employers without a union by headcount band
and by area, the biggest of them listed, the campaign targets' progress, unionisations
per year, and the drives aimed at a category of worker beside that category's members.

It sits above the register (``organizations`` the ground floor, ``members`` on it): the
category drives count members. Employer and target figures come from grouped queries on
``organizations``' models; the page helpers come from ``organizations.views`` and the
drives' progress from the dashboard (``members.dashboard``).
"""

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from members import statistics
from members.dashboard import FIGURE_PARAMS, category_figure, drive_progress, member_list_url
from members.filters import CURRENT
from members.models import Category
from members.statistics.cache import cached
from organizations import charts
from organizations import params as read
from organizations.access import access_required
from organizations.charts import Bar
from organizations.models import CampaignTarget, Division, Employer, Organization
from organizations.params import Param, Params
from organizations.views import admin_url, admin_write_url, breadcrumbs, chosen_organization, url_with

AREA_KINDS = (Organization.Kind.CITY, Organization.Kind.COUNTY, Organization.Kind.TOWN)
YEARS = 12  # years of unionisations the campaign page shows one by one

# Headcount bands of the campaign (the targets speak of 100+ and 25+ employees).
BANDS = {
    "100": Q(employees__gte=100),
    "25": Q(employees__gte=25, employees__lt=100),
    "small": Q(employees__lt=25),
}
# The list below the bands also answers the targets' "25 or more".
LIST_FILTERS = BANDS | {"25plus": Q(employees__gte=25)}


def _band_label(key):
    return {
        "100": _("100 or more employees"),
        "25": _("25–99 employees"),
        "small": _("Under 25 employees"),
        "25plus": _("25 or more employees"),
    }[key]


def _band_aggregates(prefix=""):
    figures = {}
    for key, condition in BANDS.items():
        figures[f"{prefix}band_{key}"] = Count("id", filter=condition)
        figures[f"{prefix}band_{key}_employees"] = Coalesce(
            Sum("employees", filter=condition), 0, output_field=IntegerField()
        )
    return figures


CAMPAIGN_PARAMS = FIGURE_PARAMS + Params(
    Param("band", read.choice(*LIST_FILTERS)),
    Param("division", read.digits, max_length=9),
)


@access_required("view", params=CAMPAIGN_PARAMS)
def campaign(request):
    organization = chosen_organization(request)
    user = request.user
    band = request.params.get("band", "")
    division_code = request.params.get("division", "")
    today = timezone.localdate()
    context = cached(user, "campaign", organization, (band, division_code, today),
                     lambda: _figures(user, organization, band, division_code, today))
    context |= {
        "organization": organization,
        "breadcrumbs": breadcrumbs(user, organization),
        "target_add_url": admin_write_url(request, CampaignTarget, "add"),
    }
    return render(request, "dashboard/campaign.html", context)


def _figures(user, organization, band, division_code, today):
    """Everything the page shows but the user's own links: the same for everyone who
    sees ``organization`` (the figure cache keeps it)."""
    code = organization.code
    employers = Employer.objects.visible_to(user).in_area(organization)
    uncovered = employers.without_union()
    bands = uncovered.aggregate(total=Count("id"), **_band_aggregates())
    band_rows = _band_rows(bands, code)
    by_county = organization.kind == Organization.Kind.CITY
    area_rows, names = _area_rows(uncovered, code, band, by_county)
    by_year = _unionisations_by_year(employers)
    return {
        "is_area": organization.kind in AREA_KINDS,
        "bands": bands,
        "band_rows": band_rows,
        "band_chart": charts.bar_chart(
            [Bar(row["label"], row["count"], row["href"]) for row in band_rows],
            title=_("Employers without a union"), label_chars=10,
        ),
        "area_rows": area_rows,
        "area_title": _("County") if by_county else _("Town / subdistrict"),
        "band": band,
        "band_label": _band_label(band) if band else "",
        "division_code": division_code,
        "listed_division": _division_name(division_code, names),
        "biggest": _biggest_uncovered(uncovered, band, division_code),
        "clear_url": url_with("campaign", org=code) + "#list",
        "targets": _target_progress(user, organization),
        "by_year": by_year,
        "year_chart": charts.column_chart(
            [Bar(str(row["year"]), row["count"]) for row in by_year if not row.get("earlier")],
            title=_("Employers unionised per year"),
        ),
        "drives": _category_drives(user, organization, today),
    }


def _band_rows(bands, code):
    """The employers without a union per headcount band, each linked to their list."""
    return [
        {"key": key, "label": _band_label(key), "count": bands[f"band_{key}"],
         "employees": bands[f"band_{key}_employees"],
         "href": url_with("campaign", org=code, band=key) + "#list"}
        for key in BANDS
    ]


def _area_rows(uncovered, code, band, by_county):
    """Uncovered employers per county (city view) or per town (county and town views),
    by band, each linked to their list; and the areas' names by code."""
    length = 6 if by_county else 9
    rows = list(
        uncovered.annotate(area=Substr("division__code", 1, length))
        .values("area")
        .annotate(total=Count("id"), **_band_aggregates())
        .order_by("-band_100", "-band_25", "-total", "area")
    )
    names = dict(
        Division.objects.filter(code__in=[row["area"] for row in rows])
        .values_list("code", "name")
    )
    for row in rows:
        row["name"] = names.get(row["area"], row["area"])
        row["href"] = url_with("campaign", org=code, band=band, division=row["area"]) + "#list"
        for key in BANDS:
            row[f"href_{key}"] = url_with(
                "campaign", org=code, band=key, division=row["area"]) + "#list"
    return rows, names


def _biggest_uncovered(uncovered, band, division_code):
    """The list below the bands: the 50 biggest employers without a union in the chosen
    band and area."""
    listed = uncovered
    if band:
        listed = listed.filter(LIST_FILTERS[band])
    if division_code:
        listed = listed.filter(division__code__startswith=division_code)
    return list(listed.select_related("division").order_by("-employees", "name")[:50])


def _division_name(division_code, names):
    """The name of the area the list is narrowed to, if any (one of the area rows', or
    looked up)."""
    return names.get(division_code) or (
        Division.objects.filter(code=division_code).values_list("name", flat=True).first()
        if division_code else None
    )


def _unionisations_by_year(employers):
    """Employers unionised per year, by band: the last twelve years one by one, earlier
    ones summed in one row (the chart and the table show the twelve)."""
    by_year = list(
        employers.filter(union__isnull=False, unionized_on__isnull=False)
        .annotate(year=ExtractYear("unionized_on"))
        .values("year")
        .annotate(count=Count("id"), **_band_aggregates("covered_"))
        .order_by("year")
    )
    earlier, by_year = by_year[:-YEARS], by_year[-YEARS:]
    if earlier:
        summed = {key: sum(row[key] for row in earlier) for key in by_year[0] if key != "year"}
        by_year.insert(0, {"year": _("until %(year)d") % {"year": earlier[-1]["year"]},
                           **summed, "earlier": True})
    return by_year


def _target_progress(user, organization):
    """Progress of each visible target set in the subtree, in one aggregate query: for
    target ``t`` of organisation ``o`` with minimum size ``n``, among employers in ``o``'s
    area with at least ``n`` employees, how many were unionised on or after the day the
    target was set, how many still have no union, and how many had one already."""
    targets = list(
        CampaignTarget.objects.visible_to(user).in_subtree(organization)
        .select_related("organization__division")
        .order_by("due_on", "-min_employees")[:20]
    )
    if not targets:
        return []
    figures = {}
    for target in targets:
        scope = Employer.objects.area_q(target.organization) & Q(
            employees__gte=target.min_employees
        )
        figures[f"t{target.pk}_total"] = Count("id", filter=scope)
        figures[f"t{target.pk}_done"] = Count(
            "id", filter=scope & Q(union__isnull=False, unionized_on__gte=target.set_on)
        )
        figures[f"t{target.pk}_left"] = Count("id", filter=scope & Q(union__isnull=True))
    counts = Employer.objects.visible_to(user).aggregate(**figures)
    for target in targets:
        target.total = counts[f"t{target.pk}_total"]
        target.done = counts[f"t{target.pk}_done"]
        target.left = counts[f"t{target.pk}_left"]
        target.already = target.total - target.done - target.left
        # The goal: every employer that had no union when the target was set.
        target.goal = target.done + target.left
        target.chart = charts.progress_bar(
            target.done, target.goal, title=target.description,
            href=url_with("campaign", org=target.organization.code,
                          band="100" if target.min_employees >= 100 else
                          "25plus" if target.min_employees >= 25 else "") + "#list",
        )
        target.admin_url = admin_url(CampaignTarget, "change", args=[target.pk])
    return targets


def _category_drives(user, organization, today):
    """Drives aimed at a category (e.g. 9,000 truck drivers) with the members they
    enrolled, beside today's members of that category in the subtree: the figures of
    today's statistics (``breakdown``, read from the tallies, as the dashboard's), not a
    count of the subtree's members."""
    drives = [
        drive for drive in drive_progress(user, organization, today)
        if drive.target_group and drive.target_count
    ]
    if not drives:
        return []
    current = statistics.breakdown(organization, today).total.figures
    for drive in drives:
        drive.group_label = Category(drive.target_group).label
        drive.group_members = current[category_figure(drive.target_group)]
        drive.group_members_url = member_list_url(
            union=organization.code, status=CURRENT, category=drive.target_group
        )
    return drives
