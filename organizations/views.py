"""The pages leaders look at: the dashboard (landing page after login), the
unionisation campaign (建会入会) and the 三个一批 demonstration sites.

Every figure comes from a grouped query (or from ``members.statistics.breakdown``, the
same function the statistics workbook uses, so the figures agree), and every figure
links to the list behind it. Pages take ``?org=CODE`` to look at any union the user may
see; the default is the user's own union (a superuser's: the city federation).
"""

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import statistics
from members.models import Category, EnrolmentDrive, Member, MembershipEvent
from organizations import charts
from organizations.access import access_required, default_organization
from organizations import params as read
from organizations.params import Param, Params
from organizations.charts import Bar
from organizations.models import (
    CampaignTarget,
    DemonstrationSite,
    Division,
    Employer,
    Organization,
    SiteActivity,
    SiteService,
)

AREA_KINDS = (Organization.Kind.CITY, Organization.Kind.COUNTY, Organization.Kind.TOWN)
GROUP_BARS = 12  # bars in the dashboard's members chart before "N others"
YEARS = 12  # years of unionisations the campaign page shows one by one


# --- Helpers shared by the pages -----------------------------------------------------------


def url_with(name, fallback=None, args=(), **params):
    """``reverse(name)`` plus a query string (empty values dropped). Pages built by
    colleagues (the member list, admin changelists) may not be installed in every
    configuration; then the fallback path is used, or None (the figure is not linked)."""
    try:
        base = reverse(name, args=args)
    except NoReverseMatch:
        base = fallback
    if base is None:
        return None
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{base}?{query}" if query else base


CURRENT = "current"  # the member list's status for active and retained members together


def member_list_url(**params):
    """The member list (``member_list`` at /members/) filtered by union, status
    (``current`` = active and retained, the people the figures count), category,
    division, drive or join period (joined_from, joined_to)."""
    return url_with("member_list", "/members/", **params)


def admin_url(model, action="changelist", args=(), **params):
    meta = model._meta
    return url_with(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args, **params)


def admin_write_url(request, model, action, args=()):
    """The admin's add or change page (``action``) when the admin lets the user write
    there, else None: a page offers "add" and "edit" only to roles that may, and the
    admin's own permission methods answer, so the link and the page never disagree."""
    from django.contrib import admin

    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return None
    allowed = (model_admin.has_add_permission(request) if action == "add"
               else model_admin.has_change_permission(request))
    return admin_url(model, action, args=args) if allowed else None


# The GET parameters every page of figures shares: which union, as of which day, and
# how its breakdown is grouped.
SCOPE_PARAMS = Params(
    Param("org", read.code, max_length=30),
    Param("as_of", read.day, max_length=10),
    Param("by", read.choice(statistics.BY_UNION, statistics.BY_COUNTY, statistics.BY_TOWN)),
)


def chosen_organization(request):
    """``?org=CODE`` when the user may see that union (else 404), or the default."""
    code = request.params.get("org")
    if code:
        try:
            return (
                Organization.objects.visible_to(request.user)
                .select_related("division")
                .get(code=code)
            )
        except Organization.DoesNotExist:
            raise Http404 from None
    organization = default_organization(request.user)
    if organization is None:
        raise Http404
    return organization


def breadcrumbs(user, organization):
    """The unions above ``organization`` that the user may see, top down (one query)."""
    return list(organization.ancestors().visible_to(user).only("code", "name", "path"))


# --- Dashboard -----------------------------------------------------------------------------


@access_required("view", params=SCOPE_PARAMS)
def dashboard(request):
    organization = chosen_organization(request)
    today = timezone.localdate()
    day = request.params.get("as_of", today)
    grouping = request.params.get("by", statistics.BY_UNION)
    if organization.is_base:
        grouping = statistics.BY_UNION  # a base union has no children to split into
    report = statistics.breakdown(organization, day, grouping)
    total = report.total
    # Today's members from the current-state columns (kept in step with the events by
    # members.services): the same number as statistics.members_on(today), from an index.
    members_today = (
        total.members if day == today
        else Member.objects.in_subtree(organization).current().count()
    )
    code = organization.code

    # The statistics' rows, the biggest first, each linked to what lies behind it.
    group_bars = []
    ranked = sorted(report.rows, key=lambda row: -row.members)
    shown, rest = ranked[:GROUP_BARS], ranked[GROUP_BARS:]
    for row in shown:
        if row.organization is not None and row.organization != organization:
            href = url_with("dashboard", org=row.organization.code,
                            as_of=_date_param(day, today))
        elif row.division is not None:
            href = member_list_url(union=code, status=CURRENT, division=row.division.code)
        else:
            href = member_list_url(union=code, status=CURRENT)
        group_bars.append(Bar(row.label, row.members, href))
    if rest:
        # A city has dozens of direct children (市直 base unions): the long tail is one
        # bar, and the table below the chart lists them all.
        group_bars.append(Bar(
            _("%(count)d others") % {"count": len(rest)}, sum(row.members for row in rest),
            "#group-table",
        ))

    group_rows = []
    for row in report.rows:
        child = row.organization if row.organization not in (None, organization) else None
        group_rows.append({
            "row": row,
            "href": url_with("dashboard", org=child.code, as_of=_date_param(day, today))
            if child else None,
            "members_href": member_list_url(union=child.code, status=CURRENT) if child
            else member_list_url(union=code, status=CURRENT, division=row.division.code)
            if row.division else member_list_url(union=code, status=CURRENT),
        })

    month_bars = _joins_by_month(organization, day, code)
    category_bars = [
        Bar(label, total.figures[figure],
            member_list_url(union=code, status=CURRENT, category=value))
        for value, label, figure in _category_figures()
    ]
    sites = DemonstrationSite.objects.visible_to(request.user).in_subtree(organization)
    site_totals = sites.totals()
    drives = _drive_progress(request.user, organization, today, open_only=True)

    context = {
        "organization": organization,
        "breadcrumbs": breadcrumbs(request.user, organization),
        "day": day,
        "today": today,
        "is_today": day == today,
        "grouping": grouping,
        "groupings": _grouping_links(organization, day, today),
        "report": report,
        "total": total,
        "members_today": members_today,
        "group_chart": charts.bar_chart(group_bars, title=_("Members")),
        "group_rows": group_rows,
        "month_chart": charts.column_chart(month_bars, title=_("New members by month")),
        "category_chart": charts.bar_chart(category_bars, title=_("Members by category")),
        "new_members_total": sum(bar.value for bar in month_bars),
        "coverage_rows": _coverage_rows(total, code),
        "site_totals": site_totals,
        "drives": drives,
        "links": {
            "members": member_list_url(union=code, status=CURRENT),
            "retained": member_list_url(union=code, status="retained"),
            "new_members": member_list_url(
                union=code, joined_from=date(day.year, 1, 1).isoformat(),
                joined_to=day.isoformat(),
            ),
            "base_unions": admin_url(
                Organization, path__startswith=organization.path,
                kind__in=",".join(Organization.BASE_KINDS),
            ),
            "covered": admin_url(Employer, covered="yes", **_admin_area(organization)),
            "uncovered": url_with("campaign", org=code),
            "uncovered_25": url_with("campaign", org=code, band="25"),
            "uncovered_100": url_with("campaign", org=code, band="100"),
            "sites": url_with("site_list", org=code),
            "campaign": url_with("campaign", org=code),
        },
    }
    return render(request, "dashboard/dashboard.html", context)


def _coverage_rows(total, code):
    """建会率 overall and for the campaign's two sizes, from the breakdown's total."""
    rows = []
    for label, suffix, band in (
        (_("All employers"), "", ""),
        (_("25 or more employees"), "_25", "25plus"),
        (_("100 or more employees"), "_100", "100"),
    ):
        employers = total.figures[f"employers{suffix}"]
        covered = total.figures[f"employers{suffix}_covered"]
        rows.append({
            "label": label, "total": employers, "covered": covered,
            "uncovered": employers - covered,
            "rate": covered / employers if employers else None,
            "uncovered_url": url_with("campaign", org=code, band=band) + "#list",
        })
    return rows


def _admin_area(organization):
    """The employer admin's county/town filter for a federation's area."""
    if organization.kind == Organization.Kind.COUNTY:
        return {"county": organization.division.code}
    if organization.kind == Organization.Kind.TOWN:
        return {"town": organization.division.code}
    return {}


def _date_param(day, today):
    return "" if day == today else day.isoformat()


def _grouping_links(organization, day, today):
    if organization.is_base:
        return []
    choices = [(statistics.BY_UNION, _("By union"))]
    if organization.kind == Organization.Kind.CITY:
        choices.append((statistics.BY_COUNTY, _("By county")))
    choices.append((statistics.BY_TOWN, _("By town")))
    return [
        (value, label, url_with("dashboard", org=organization.code, by=value,
                                as_of=_date_param(day, today)))
        for value, label in choices
    ]


def _category_figures():
    """(category value, label, breakdown figure) for each member category."""
    for category in Category:
        figure = (
            "migrant_members" if category == Category.MIGRANT_WORKER
            else f"{category.value}_members"
        )
        yield category.value, category.label, figure


def _joins_by_month(organization, day, code):
    """New members (入会 events) in ``day``'s year up to ``day``, per month: one grouped
    query, counted like ``breakdown``'s new_members so the two agree."""
    # Grouped by day (at most 366 rows) and summed per month here: extracting the month
    # in SQL runs a Python function per row on SQLite.
    counts = {}
    for day_joined, count in (
        MembershipEvent.objects.filter(
            union__path__startswith=organization.path, kind=MembershipEvent.Kind.JOIN,
            date__gte=date(day.year, 1, 1), date__lte=day,
        )
        .values_list("date")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[day_joined.month] = counts.get(day_joined.month, 0) + count
    bars = []
    for month in range(1, day.month + 1):
        first = date(day.year, month, 1)
        next_first = date(day.year + month // 12, month % 12 + 1, 1)
        last = min(date.fromordinal(next_first.toordinal() - 1), day)
        bars.append(Bar(
            str(month),  # the chart's title says these are months
            counts.get(month, 0),
            member_list_url(union=code, joined_from=first.isoformat(), joined_to=last.isoformat()),
        ))
    return bars


def _drive_progress(user, organization, today, open_only=False):
    """Drives organised in the subtree with the members they enrolled (one query)."""
    drives = (
        EnrolmentDrive.objects.visible_to(user)
        .filter(organizer__path__startswith=organization.path)
        .select_related("organizer")
        .annotate(enrolled=Count("members"))
        .order_by("-starts_on", "name")
    )
    if open_only:
        drives = drives.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today)
    drives = list(drives[:20])
    for drive in drives:
        drive.chart = charts.progress_bar(
            drive.enrolled, drive.target_count, title=drive.name,
            href=member_list_url(drive=drive.pk),
        ) if drive.target_count else None
        drive.admin_url = admin_url(EnrolmentDrive, "change", args=[drive.pk])
        drive.members_url = member_list_url(drive=drive.pk)
    return drives


# --- Campaign (建会入会) -------------------------------------------------------------------

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


CAMPAIGN_PARAMS = SCOPE_PARAMS + Params(
    Param("band", read.choice(*LIST_FILTERS)),
    Param("division", read.digits, max_length=9),
)


@access_required("view", params=CAMPAIGN_PARAMS)
def campaign(request):
    organization = chosen_organization(request)
    user = request.user
    code = organization.code
    band = request.params.get("band", "")
    division_code = request.params.get("division", "")
    today = timezone.localdate()

    employers = Employer.objects.visible_to(user).in_area(organization)
    uncovered = employers.without_union()

    bands = uncovered.aggregate(total=Count("id"), **_band_aggregates())
    band_rows = [
        {"key": key, "label": _band_label(key), "count": bands[f"band_{key}"],
         "employees": bands[f"band_{key}_employees"],
         "href": url_with("campaign", org=code, band=key) + "#list"}
        for key in BANDS
    ]

    # Uncovered employers per county (city view) or per town (county and town views).
    by_county = organization.kind == Organization.Kind.CITY
    length = 6 if by_county else 9
    area_rows = list(
        uncovered.annotate(area=Substr("division__code", 1, length))
        .values("area")
        .annotate(total=Count("id"), **_band_aggregates())
        .order_by("-band_100", "-band_25", "-total", "area")
    )
    names = dict(
        Division.objects.filter(code__in=[row["area"] for row in area_rows])
        .values_list("code", "name")
    )
    for row in area_rows:
        row["name"] = names.get(row["area"], row["area"])
        row["href"] = url_with("campaign", org=code, band=band, division=row["area"]) + "#list"
        for key in BANDS:
            row[f"href_{key}"] = url_with(
                "campaign", org=code, band=key, division=row["area"]) + "#list"

    listed = uncovered
    if band:
        listed = listed.filter(LIST_FILTERS[band])
    if division_code:
        listed = listed.filter(division__code__startswith=division_code)
    biggest = list(listed.select_related("division").order_by("-employees", "name")[:50])
    listed_division = names.get(division_code) or (
        Division.objects.filter(code=division_code).values_list("name", flat=True).first()
        if division_code else None
    )

    targets = _target_progress(user, organization)

    by_year = list(
        employers.filter(union__isnull=False, unionized_on__isnull=False)
        .annotate(year=ExtractYear("unionized_on"))
        .values("year")
        .annotate(count=Count("id"), **_band_aggregates("covered_"))
        .order_by("year")
    )
    # The chart and the table show the last twelve years; earlier ones are one row.
    earlier, by_year = by_year[:-YEARS], by_year[-YEARS:]
    if earlier:
        summed = {key: sum(row[key] for row in earlier) for key in by_year[0] if key != "year"}
        by_year.insert(0, {"year": _("until %(year)d") % {"year": earlier[-1]["year"]},
                           **summed, "earlier": True})
    year_chart = charts.column_chart(
        [Bar(str(row["year"]), row["count"]) for row in by_year if not row.get("earlier")],
        title=_("Employers unionised per year"),
    )

    drives = _category_drives(user, organization, today)

    context = {
        "organization": organization,
        "breadcrumbs": breadcrumbs(user, organization),
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
        "listed_division": listed_division,
        "biggest": biggest,
        "clear_url": url_with("campaign", org=code) + "#list",
        "targets": targets,
        "by_year": by_year,
        "year_chart": year_chart,
        "drives": drives,
        "target_add_url": admin_write_url(request, CampaignTarget, "add"),
    }
    return render(request, "organizations/campaign.html", context)


def _target_progress(user, organization):
    """Progress of each visible target set in the subtree, in one aggregate query: for
    target ``t`` of organisation ``o`` with minimum size ``n``, among employers in ``o``'s
    area with at least ``n`` employees, how many were unionised on or after the day the
    target was set, how many still have no union, and how many had one already."""
    targets = list(
        CampaignTarget.objects.visible_to(user)
        .filter(organization__path__startswith=organization.path)
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
    enrolled, beside today's members of that category in the subtree (one query each)."""
    drives = [
        drive for drive in _drive_progress(user, organization, today)
        if drive.target_group and drive.target_count
    ]
    if not drives:
        return []
    groups = {drive.target_group for drive in drives}
    current = (
        Member.objects.visible_to(user).in_subtree(organization).current().aggregate(**{
            value: Count("id", filter=Q(**{Category(value).field: True})) for value in groups
        })
    )
    for drive in drives:
        drive.group_label = Category(drive.target_group).label
        drive.group_members = current[drive.target_group]
        drive.group_members_url = member_list_url(
            union=organization.code, status=CURRENT, category=drive.target_group
        )
    return drives


# --- Demonstration sites (三个一批) ---------------------------------------------------------


SITE_LIST_PARAMS = SCOPE_PARAMS + Params(
    Param("status", read.choice(*DemonstrationSite.Status.values)),
)


@access_required("view", params=SITE_LIST_PARAMS)
def site_list(request):
    organization = chosen_organization(request)
    status = request.params.get("status", "")
    sites = DemonstrationSite.objects.visible_to(request.user).in_subtree(organization)
    if status:
        sites = sites.filter(status=status)
    totals = sites.totals()
    rows = list(
        sites.with_coverage().select_related("union", "division").order_by("status", "name")
    )
    years = list(
        SiteActivity.objects.filter(site__in=sites.values("pk"))
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(activities=Count("id"), participants=Coalesce(Sum("participants"), 0))
        .order_by("year")
    )
    services = sites.aggregate(**{
        service.value: Count("id", filter=Q(**{service.field: True})) for service in SiteService
    })
    context = {
        "organization": organization,
        "breadcrumbs": breadcrumbs(request.user, organization),
        "sites": rows,
        "totals": totals,
        "status": status,
        "statuses": [
            (value, label, url_with("site_list", org=organization.code, status=value))
            for value, label in DemonstrationSite.Status.choices
        ],
        "all_url": url_with("site_list", org=organization.code),
        "years": years,
        "year_chart": charts.column_chart(
            [Bar(str(row["year"]), row["activities"]) for row in years],
            title=_("Activities per year"),
        ),
        "service_rows": [(service.label, services[service.value]) for service in SiteService],
        "add_url": admin_write_url(request, DemonstrationSite, "add"),
    }
    return render(request, "organizations/site_list.html", context)


@access_required("view", model=DemonstrationSite)
def site_detail(request, site):
    site = (
        DemonstrationSite.objects.with_coverage().select_related("union", "division")
        .get(pk=site.pk)
    )
    activities = site.activities.all()
    per_year = list(activities.per_site_and_year())
    employers = list(
        site.employers.select_related("division", "union").order_by("-employees", "name")[:100]
    )
    context = {
        "site": site,
        "organization": site.union,
        "breadcrumbs": breadcrumbs(request.user, site.union),
        "per_year": per_year,
        "year_chart": charts.column_chart(
            [Bar(str(row["year"]), row["activities"]) for row in per_year],
            title=_("Activities per year"),
        ),
        "recent": list(activities.order_by("-date", "-id")[:30]),
        "employers": employers,
        "admin_url": admin_write_url(request, DemonstrationSite, "change", args=[site.pk]),
    }
    return render(request, "organizations/site_detail.html", context)
