"""The dashboard: the landing page after login, where leaders read their union's
figures (members, 入会率, 建会率, new members by month, members by category, open
enrolment drives), each linked to the list behind it.

It sits above the register: ``organizations`` is the ground floor, ``members`` the
register on it, and this page counts members through ``members.statistics.breakdown``
(the function the statistics workbook uses, so the figures agree). The page helpers it
shares with the demonstration-site pages (``url_with``, ``chosen_organization``, …) live
in ``organizations.views``, which knows nothing of members. Pages take ``?org=CODE`` to
look at any union the user may see; the default is the user's own union (a superuser's:
the city federation).
"""

from datetime import date

from django.db.models import Count, Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from members import statistics
from members.filters import CURRENT
from members.models import Category, EnrolmentDrive, Member, MembershipEvent
from members.statistics.cache import cached
from members.statistics.counting import in_subtree
from organizations import charts
from organizations import params as read
from organizations.access import access_required
from organizations.charts import Bar
from organizations.models import DemonstrationSite, Employer, Organization
from organizations.params import Param, Params
from organizations.views import (
    SCOPE_PARAMS,
    admin_url,
    breadcrumbs,
    chosen_organization,
    links_to,
    url_with,
)

GROUP_BARS = 12  # bars in the dashboard's members chart before "N others"

# The GET parameters every page of member figures shares: which union, as of which day,
# and how its breakdown is grouped.
FIGURE_PARAMS = SCOPE_PARAMS + Params(
    Param("by", read.choice(statistics.BY_UNION, statistics.BY_COUNTY, statistics.BY_TOWN)),
)


def member_list_url(**params):
    """The member list (``member_list``) filtered by union, status (``current`` = active
    and retained, the people the figures count), category, division, drive or join
    period (joined_from, joined_to)."""
    return url_with("member_list", **params)


@access_required("view", params=FIGURE_PARAMS)
def dashboard(request):
    organization = chosen_organization(request)
    today = timezone.localdate()
    day = request.params.get("as_of", today)
    grouping = request.params.get("by", statistics.BY_UNION)
    if organization.is_base:
        grouping = statistics.BY_UNION  # a base union has no children to split into
    user = request.user
    context = cached(user, "dashboard", organization, (day, today, grouping),
                     lambda: _figures(user, organization, day, today, grouping))
    context |= {"organization": organization,
                "breadcrumbs": breadcrumbs(user, organization)}
    return render(request, "dashboard/dashboard.html", context)


def _figures(user, organization, day, today, grouping):
    """Everything the page shows but the user's own links: the same for everyone who
    sees ``organization`` on ``day`` (the figure cache keeps it)."""
    report = statistics.breakdown(organization, day, grouping)
    total = report.total
    code = organization.code
    month_bars = _joins_by_month(organization, day, code)
    links = _figure_links(organization, day)
    sites = DemonstrationSite.objects.visible_to(user).in_subtree(organization)
    return {
        "day": day,
        "today": today,
        "is_today": day == today,
        "grouping": grouping,
        "groupings": _grouping_links(organization, day, today),
        "total": total,  # not the report: a town's thousands of rows are in group_table
        "members_today": _members_today(organization, total, day, today),
        "group_chart": charts.bar_chart(
            _group_bars(report, organization, day, today), title=_("Members")),
        # Rendered here, once per figure version: a town's thousands of rows.
        "group_table": render_to_string("dashboard/_group_table.html", {
            "group_rows": _group_rows(report, organization, day, today), "total": total,
            "links": links,
        }),
        "month_chart": charts.column_chart(month_bars, title=_("New members by month")),
        "category_chart": charts.bar_chart(
            _category_bars(total, code), title=_("Members by category")),
        "new_members_total": sum(bar.value for bar in month_bars),
        "coverage_rows": _coverage_rows(total, code),
        "site_totals": sites.totals(),
        "drives": drive_progress(user, organization, today, open_only=True),
        "links": links,
    }


def _members_today(organization, total, day, today):
    """Today's members from the current-state columns (kept in step with the events by
    members.services): the same number as statistics.members_on(today), from an index."""
    if day == today:
        return total.members
    return Member.objects.filter(_subtree(organization)).current().count()


def _subtree(organization):
    """Rows of ``organization``'s subtree, as a condition on their union: below the
    city through the subtree's union ids (the union indexes drive the query, where a
    join on the path read every row); the city, root of the one tree, is every row."""
    if organization.parent_id is None:
        return Q()
    return in_subtree(organization)


def _group_bars(report, organization, day, today):
    """The members chart: the statistics' rows, the biggest first, each linked to what
    lies behind it."""
    code = organization.code
    bars = []
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
        bars.append(Bar(row.label, row.members, href))
    if rest:
        # A city has dozens of direct children (市直 base unions): the long tail is one
        # bar, and the table below the chart lists them all.
        bars.append(Bar(
            _("%(count)d others") % {"count": len(rest)}, sum(row.members for row in rest),
            "#group-table",
        ))
    return bars


def _group_rows(report, organization, day, today):
    """The table below the members chart: every row, linked to the child's dashboard and
    to the members it counts."""
    code = organization.code
    dashboard_of, members_of = links_to("dashboard"), links_to("member_list")
    as_of = _date_param(day, today)
    rows = []
    for row in report.rows:
        child = row.organization if row.organization not in (None, organization) else None
        rows.append({
            "row": row,
            "href": dashboard_of(org=child.code, as_of=as_of) if child else None,
            "members_href": members_of(union=child.code, status=CURRENT) if child
            else members_of(union=code, status=CURRENT, division=row.division.code)
            if row.division else members_of(union=code, status=CURRENT),
        })
    return rows


def _category_bars(total, code):
    """Members by category, each bar linked to the member list of that category."""
    return [
        Bar(label, total.figures[figure],
            member_list_url(union=code, status=CURRENT, category=value))
        for value, label, figure in _category_figures()
    ]


def _figure_links(organization, day):
    """Where the page's headline figures lead: member lists, the admin's union and
    employer lists, the campaign page and the demonstration sites."""
    code = organization.code
    return {
        "members": member_list_url(union=code, status=CURRENT),
        "retained": member_list_url(union=code, status="retained"),
        "new_members": member_list_url(
            union=code, joined_from=date(day.year, 1, 1).isoformat(),
            joined_to=day.isoformat(),
        ),
        "base_unions": admin_url(Organization, org=code, base="yes"),
        "covered": admin_url(Employer, covered="yes", **_admin_area(organization)),
        "uncovered": url_with("campaign", org=code),
        "uncovered_25": url_with("campaign", org=code, band="25"),
        "uncovered_100": url_with("campaign", org=code, band="100"),
        "sites": url_with("site_list", org=code),
        "campaign": url_with("campaign", org=code),
    }


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
        yield category.value, category.label, category_figure(category)


def category_figure(category):
    """The breakdown's figure of the members of ``category`` (a ``Category`` value)."""
    if category == Category.MIGRANT_WORKER:
        return "migrant_members"
    return f"{Category(category).value}_members"


def _joins_by_month(organization, day, code):
    """New members (入会 events) in ``day``'s year up to ``day``, per month: one grouped
    query, counted like ``breakdown``'s new_members so the two agree."""
    # Grouped by day (at most 366 rows) and summed per month here: extracting the month
    # in SQL runs a Python function per row on SQLite.
    counts = {}
    for day_joined, count in (
        MembershipEvent.objects.filter(
            _subtree(organization), kind=MembershipEvent.Kind.JOIN,
            date__gte=date(day.year, 1, 1), date__lte=day,
        )
        .values_list("date")
        .annotate(count=Count("date"))  # not the id: read from the date index alone
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


def drive_progress(user, organization, today, open_only=False):
    """Drives organised in the subtree with the members they enrolled (one query)."""
    drives = (
        EnrolmentDrive.objects.visible_to(user).in_subtree(organization)
        .select_related("organizer")
        .with_enrolled()
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
