"""The pages officials open, timed one client at a time at city, county and town scope
(issue 20): the dashboard, the campaign page, the drive list, the sites, a member's
page, the statistics workbook and a drive's entry page. Each as a bench account holding
a Grant at that level (an administrator of the union), not the superuser: scoping is
part of what a page costs. Target 0.2 s each at 1M.

The dashboard and campaign figures may come from the figure cache
(``members.figure_cache``): the first request of a run fills it (timed apart, as
"first"), the others read it, as every request after the first of the day does."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bench.harness import Result, get_ok, timed
from members.models import EnrolmentDrive, Member
from organizations.models import Grant, Role

PAGE_TARGET = 0.2


def _account(username, organization):
    """A bench user administering ``organization`` (created once), logged in."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, password="bench-only", is_staff=True)
        Grant.objects.create(user=user, organization=organization, role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


def scopes(ctx):
    """(label, organisation, logged-in client) for the city, a county and a town."""
    return [
        ("city", ctx.city, ctx.client),
        ("county", ctx.county, _account("bench_county", ctx.county)),
        ("town", ctx.town, _account("bench_town", ctx.town)),
    ]


def _entry_drive(organization):
    """A drive organised in the subtree whose entry page works (it has a default union
    there), else any drive organised there."""
    drives = EnrolmentDrive.objects.in_subtree(organization).order_by("pk")
    return (drives.filter(default_union__path__startswith=organization.path).first()
            or drives.first())


def _urls(organization):
    """(page name, URL) of every page at ``organization``'s scope."""
    today = timezone.localdate()
    member = (Member.objects.in_subtree(organization).current()
              .order_by("pk").values_list("pk", flat=True).first())
    drive = _entry_drive(organization)
    urls = [
        ("dashboard /", "/"),
        ("dashboard / on 2018-10-31", "/?as_of=2018-10-31"),
        ("campaign /campaign/", "/campaign/"),
        ("drive list /drives/", "/drives/"),
        ("sites /sites/", "/sites/"),
        ("statistics form /sheets/stats/", "/sheets/stats/"),
        ("statistics workbook /sheets/stats/?org=…",
         f"/sheets/stats/?org={organization.code}&as_of={today.isoformat()}"),
    ]
    if member is not None:
        urls.append(("member page /members/<pk>/", f"/members/{member}/"))
    if drive is not None:
        urls.append(("entry page GET /drives/<pk>/entry/", f"/drives/{drive.pk}/entry/"))
    return urls


def pages(ctx):
    """Every page at each scope: the first request of the run (the figure cache empty)
    and then ``ctx.runs`` more."""
    out = []
    for label, organization, client in scopes(ctx):
        for name, url in _urls(organization):
            cache.clear()
            first = timed(Result(f"page, {label}: {name}: first"), 1, get_ok(client, url))
            out.append(first)
            out.append(timed(Result(f"page, {label}: {name}", PAGE_TARGET), ctx.runs,
                             get_ok(client, url)))
    return out
