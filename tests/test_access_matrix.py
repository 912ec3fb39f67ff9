"""What every URL answers to every named person.

The URLs come from the URL conf itself, so a page added later is checked without
anyone remembering to: every project page must carry ``view.access`` (set by
``organizations.access.access_required``), and every model registered in the admin gets
its changelist, add, change, history and delete pages checked.

Expectations are written down here, not read from the code under test: the 江城区
objects are in scope for everyone but the 阳春 clerk; roles rank viewer < clerk < admin
< superuser; each admin's add/delete policy is the table ``ADMIN_POLICY``.
"""

import re

from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pytest

from members.models import (
    Application, BatchChange, EnrolmentDrive, ExportJob, ExportLog, ImportJob, Member,
    MembershipEvent, PersonalDataRead, Transfer,
)
from organizations.models import (
    CampaignTarget, DemonstrationSite, Division, Employer, Organization, SiteActivity,
)
from members.services.self_enrolment import open_page
from tests.scoped_data import build

PEOPLE = ["superuser", "city_admin", "jiangcheng_clerk", "yangchun_clerk",
          "jiangcheng_viewer", "anonymous"]
ROLE = {"superuser": "super", "city_admin": "admin", "jiangcheng_clerk": "clerk",
        "yangchun_clerk": "clerk", "jiangcheng_viewer": "viewer"}
RANK = {"viewer": 0, "clerk": 1, "admin": 2, "super": 3}
# What each role may do (mirrors the policy in organizations/access.py, written out).
ROLE_ACTIONS = {
    "viewer": {"view", "export"},
    "clerk": {"view", "change", "export", "import", "view_personal"},
    "admin": {"view", "change", "export", "import", "view_personal", "manage_users"},
}
# Who sees the 江城区 objects.
SEES_JIANGCHENG = {"superuser", "city_admin", "jiangcheng_clerk", "jiangcheng_viewer"}
# Objects that belong to one person rather than to a union's subtree: a background
# export or import is seen only by who started it (the 江城区 clerk in the test data).
OWNERS = {ExportJob: {"jiangcheng_clerk"}, ImportJob: {"jiangcheng_clerk"}}

# URL prefixes that are not project pages: the admin is checked below, the login pages
# are public by nature.
NOT_PROJECT_PAGES = ("admin/", "accounts/")
# URL keywords that do not name an object of a scoped model, with the value to use.
# Each entry needs a comment saying why it is safe to fill in blindly.
NON_MODEL_KWARGS = {
    # The drive entry page's correction of one person entered at the drive: the 江城区
    # member was entered at the 江城区 drive that fills ``pk``.
    "member_pk": lambda data: data.jc_member.pk,
    # A drive's QR self-enrolment page (public): the 江城区 drive's, opened for the walk.
    "token": lambda data: open_page(data.jc_drive).token,
}

# Who uses each admin ("audience": role holders in general, those who may manage users,
# or superusers only) and the least role that may add or delete there (None: nobody, not
# even a superuser: such records come from the membership services, the export pages or
# a migration). "unscoped": reference data everyone with a role sees in full.
SCOPED = {"add": "clerk", "delete": "admin"}
ADMIN_POLICY = {
    Organization: SCOPED,
    Employer: SCOPED,
    Member: SCOPED,
    EnrolmentDrive: SCOPED,
    DemonstrationSite: SCOPED,
    SiteActivity: SCOPED,
    CampaignTarget: SCOPED,
    Application: SCOPED,
    Transfer: {"add": None, "delete": "super"},
    MembershipEvent: {"add": None, "delete": None},
    Division: {"add": None, "delete": None, "unscoped": True},
    User: {"audience": "manage_users", "add": "admin", "delete": "super"},
    ExportLog: {"audience": "manage_users", "add": None, "delete": None},
    # Who was shown a member's full personal data: administrators read it for their
    # subtree (by the member's union); nobody writes or deletes it by hand.
    PersonalDataRead: {"audience": "manage_users", "add": None, "delete": None},
    BatchChange: {"audience": "manage_users", "add": None, "delete": None},
    ExportJob: {"audience": "super", "add": None, "delete": "super"},
}
PROJECT_APPS = {"organizations", "members"}


def allowed(role, least):
    return least is not None and RANK[role] >= RANK[least]


def can(name, action):
    role = ROLE.get(name)
    return role == "super" or (role is not None and action in ROLE_ACTIONS[role])


@pytest.fixture
def data(tree, people):
    return build(tree, people)


def login(client, people, name):
    if name != "anonymous":
        client.force_login(getattr(people, name))


def project_patterns(resolvers=None, prefix="", namespace=None):
    """(route, name, callback) of every project page, walking includes recursively."""
    patterns = get_resolver().url_patterns if resolvers is None else resolvers
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(NOT_PROJECT_PAGES):
                continue
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from project_patterns(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            if route.startswith(NOT_PROJECT_PAGES):
                continue
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield route, name, entry.callback


def value_for(obj, lookup):
    for part in lookup.split("__"):
        obj = getattr(obj, part)
    return obj


def project_urls(data):
    """(route, url, access) for every project page, URL keywords filled in."""
    urls = []
    for route, name, view in project_patterns():
        access = view.access  # test_every_page_declares_access names offenders
        kwargs = {}
        for keyword in _keywords(route):
            if access["model"] is not None and keyword == access["lookup"]:
                kwargs[keyword] = value_for(data.jiangcheng[access["model"]], keyword)
            elif keyword in NON_MODEL_KWARGS:
                kwargs[keyword] = NON_MODEL_KWARGS[keyword](data)
            else:
                pytest.fail(f"{route}: URL keyword {keyword!r} names no model object; "
                            "add it to NON_MODEL_KWARGS with a reason")
        assert name, f"{route}: give the URL a name so the matrix can reverse it"
        urls.append((route, reverse(name, kwargs=kwargs), access))
    return urls


def _keywords(route):
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


def test_every_page_declares_access():
    missing = [route for route, name, view in project_patterns()
               if not hasattr(view, "access")]
    assert not missing, (
        "Pages without organizations.access.access_required: " + ", ".join(missing)
    )


# Pages that answer without a login, on purpose. A page must be both declared public
# (``public_page``) and listed here: a decorator swapped by mistake fails this test.
PUBLIC_PAGES = {"self_enrolment", "self_enrolment_check"}


def test_public_pages_are_exactly_the_listed_ones():
    public = {name for route, name, view in project_patterns() if view.access.get("public")}
    assert public == PUBLIC_PAGES


def expected_page(name, access):
    if access.get("public"):
        # Declared public (organizations.access.public_page): the same page for everyone.
        return "public"
    if name == "anonymous":
        return "login"
    if access["model"] is not None:
        if name not in OWNERS.get(access["model"], SEES_JIANGCHENG):
            return 404
    return "ok" if can(name, access["action"]) else 403


def check(response, expected, login_url, where):
    status = response.status_code
    if expected == "login":
        assert status == 302 and response["Location"].startswith(login_url), (
            f"{where}: anonymous got {status} {response.get('Location', '')}")
    elif expected == "ok":
        # A page that only accepts POST answers 405 to GET; one that redirects after
        # doing its job (not to the login page) is fine too.
        redirected_elsewhere = status == 302 and not response["Location"].startswith(login_url)
        assert status in (200, 405) or redirected_elsewhere, f"{where}: got {status}"
    elif expected == "public":
        assert status == 200, f"{where}: a public page answered {status}"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status}"


@pytest.mark.parametrize("name", PEOPLE)
def test_project_pages(client, data, people, name):
    login(client, people, name)
    login_url = reverse("login")
    for route, url, access in project_urls(data):
        response = client.get(url)
        check(response, expected_page(name, access), login_url, f"{name} GET {url} ({route})")


# --- The admin -----------------------------------------------------------------------------


def admin_object(model, data, people):
    if model is User:
        return people.jiangcheng_viewer
    if model is Division:
        return Division.objects.get(code="441702")
    return data.jiangcheng[model]


def admin_pages(model, model_admin, obj):
    info = model._meta.app_label, model._meta.model_name
    pages = {
        "changelist": reverse("admin:%s_%s_changelist" % info),
        "add": reverse("admin:%s_%s_add" % info),
        "change": reverse("admin:%s_%s_change" % info, args=[obj.pk]),
        "history": reverse("admin:%s_%s_history" % info, args=[obj.pk]),
        "delete": reverse("admin:%s_%s_delete" % info, args=[obj.pk]),
    }
    history = getattr(obj, "history", None)
    if history is not None and hasattr(model_admin, "history_form_view"):
        version = history.first()
        pages["version"] = reverse(
            "admin:%s_%s_simple_history" % info, args=[obj.pk, version.history_id]
        )
    return pages


def expected_admin(name, model, page):
    if name == "anonymous":
        return "login"
    role = ROLE[name]
    policy = ADMIN_POLICY[model]
    audience = policy.get("audience")
    if audience == "manage_users" and not can(name, "manage_users"):
        return 403
    if audience == "super" and role != "super":
        return 403
    if page == "changelist":
        return 200
    if page == "add":
        return 200 if allowed(role, policy["add"]) else 403
    if not (policy.get("unscoped") or name in SEES_JIANGCHENG):
        return 404
    if page == "delete":
        return 200 if allowed(role, policy["delete"]) else 403
    return 200  # change (read-only for viewers), history, version


@pytest.mark.parametrize("name", PEOPLE)
def test_admin_pages(client, data, people, name):
    login(client, people, name)
    login_url = reverse("admin:login")
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in PROJECT_APPS and model is not User:
            # Third-party and Django's own admins (login attempts, task results, groups)
            # rely on Django permissions, which union staff never get.
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = client.get(url)
            expected = "login" if name == "anonymous" else 200 if name == "superuser" else 403
            check(response, expected, login_url, f"{name} {label} changelist")
            continue
        assert model in ADMIN_POLICY, f"add {label} to ADMIN_POLICY"
        obj = admin_object(model, data, people)
        for page, url in admin_pages(model, model_admin, obj).items():
            response = client.get(url)
            expected = expected_admin(name, model, page)
            check(response, expected, login_url, f"{name} {label} {page} {url}")


@pytest.mark.parametrize("name, own, other", [
    ("yangchun_clerk", "yc", "jc"),
    ("jiangcheng_clerk", "jc", "yc"),
])
def test_admin_lists_hold_only_the_scope(client, data, people, name, own, other):
    client.force_login(getattr(people, name))
    mine, theirs = data.row_names(own), data.row_names(other)
    for model, names in theirs.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        content = client.get(url).content.decode()
        for row in mine[model]:
            assert row in content, f"{name} should see {row} in {url}"
        for row in names:
            assert row not in content, f"{name} sees {row} in {url}"
