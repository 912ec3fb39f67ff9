"""The 三个一批 demonstration-site pages, and the helpers every page of figures shares
(links with a query string, the admin's links, the chosen union and its breadcrumbs).

``organizations`` is the ground floor: these pages read unions, employers and sites
only, and this module imports nothing from ``members``. The pages that count members
(the dashboard, the campaign page) sit above the register, in ``members.dashboard`` and
``members.campaign``, and use the helpers here. Pages take ``?org=CODE`` to look at any
union the user may see; the default is the user's own union (a superuser's: the city
federation).
"""

from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from organizations import charts
from organizations import params as read
from organizations.access import access_required, default_organization
from organizations.charts import Bar
from organizations.models import DemonstrationSite, Organization, SiteActivity, SiteService
from organizations.params import Param, Params


# --- Helpers shared by the pages -----------------------------------------------------------


def url_with(name, args=(), **params):
    """``reverse(name)`` plus a query string (empty values dropped), or None when there
    is no such page (an admin changelist of a model not registered): the figure is then
    not linked."""
    link = links_to(name, args)
    return link(**params) if link else None


def links_to(name, args=()):
    """``url_with`` for many links to one page (a town's thousands of table rows): a
    function of the query's values, the page reversed once; None when there is none."""
    try:
        base = reverse(name, args=args)
    except NoReverseMatch:
        return None

    def link(**params):
        query = urlencode({key: value for key, value in params.items()
                           if value not in (None, "")})
        return f"{base}?{query}" if query else base

    return link


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


# The GET parameters every page of figures shares: which union, as of which day (the
# pages of member figures add how their breakdown is grouped: members.dashboard).
SCOPE_PARAMS = Params(
    Param("org", read.code, max_length=30),
    Param("as_of", read.day, max_length=10),
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
