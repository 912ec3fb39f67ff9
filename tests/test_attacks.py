"""The attack suite: what a user may reach, tried as an attacker would (issue 14).

Every URL of the URL conf and every admin change list is tried by the named people with
what the register must refuse: an undeclared parameter that walks relations to a
password hash, a NUL, 10,000 characters. The answer is never a 500 and never tells two
values of an unreadable field apart. Every write path — admin add and change pages,
inlines, page forms, imports — is tried with a reference outside the writer's subtree:
refused, nothing written. The findings of the issue each have a test named after them.
"""

import re
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from members.models import EnrolmentDrive, ExportLog, Member
from members.spreadsheets.importing import run_import
from organizations.models import (
    CampaignTarget, DemonstrationSite, Division, Employer, Grant, Organization, Role,
    SiteActivity,
)
from tests.scoped_data import build, resident_id
from tests.test_access_matrix import project_urls
from tests.test_import import xlsx

TRAVERSAL = "created_by__password__startswith"
NUL = "\x00"
LONG = "9" * 10_000
# The people of the access matrix, and a town administrator (阳春's 春城街道).
PEOPLE = ["superuser", "city_admin", "jiangcheng_clerk", "yangchun_clerk", "base_clerk",
          "jiangcheng_viewer", "town_admin"]


@pytest.fixture
def data(tree, people):
    people.town_admin = User.objects.create_user("town_admin", is_staff=True)
    Grant.objects.create(user=people.town_admin, organization=tree.chuncheng, role=Role.ADMIN)
    return build(tree, people)


def answer(response):
    """What a response tells an attacker: status and body (streamed ones read whole),
    without the CSRF token that differs on every page."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)


# --- Every URL, every parameter -------------------------------------------------------------


def declared_names(access, kind):
    params = access["params"]
    if not hasattr(params, "names"):
        params = params(kind=kind)
    return sorted(params.names())


@pytest.mark.parametrize("name", PEOPLE)
def test_every_page_refuses_traversal_nul_and_long_values(client, data, people, name):
    client.force_login(getattr(people, name))
    for route, url, access in project_urls(data):
        kind = next((k for k in ("members", "employers", "unions") if f"/{k}/" in url), None)
        plain = client.get(url).status_code
        assert plain != 500, f"{name} GET {url}"
        if plain == 404 or plain == 403:
            continue  # outside the scope or the role: the parameters are never read
        # An undeclared key that walks relations: refused, whatever its value. (One
        # request first shows any message the plain page left in the session.)
        client.get(url, {TRAVERSAL: ""})
        first = answer(client.get(url, {TRAVERSAL: "pbkdf2_sha256"}))
        second = answer(client.get(url, {TRAVERSAL: "zzz"}))
        assert first[0] == 400 and first == second, f"{name} {url}: traversal answered {first[0]}"
        for param in declared_names(access, kind):
            for value, what in ((NUL, "NUL"), ("a" + NUL + "b", "inner NUL"), (LONG, "10,000 characters")):
                status = client.get(url, {param: value}).status_code
                assert status == 400, f"{name} {url}?{param}=<{what}>: {status}"


@pytest.mark.parametrize("name", PEOPLE)
def test_every_admin_list_accepts_only_declared_filters(client, data, people, name):
    client.force_login(getattr(people, name))
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if client.get(url).status_code != 200:
            continue  # not this person's admin (403): nothing of it is reachable
        for attack in ({TRAVERSAL: "p"}, {"password__startswith": "p"},
                       {"id_number__startswith": "4417"}, {"mobile__startswith": "138"},
                       {"q": NUL}, {"q": LONG}):
            status = client.get(url, attack).status_code
            assert status == 400, f"{name} {model._meta.label} {attack!r:.60}: {status}"


def test_admin_lists_still_filter_by_their_declared_filters(client, data, people):
    client.force_login(people.city_admin)
    members = reverse("admin:members_member_changelist")
    response = client.get(members, {"county": "441781", "status__exact": "active"})
    assert response.status_code == 200
    names = {m.name for m in response.context["cl"].result_list}
    assert "李春华" in names and "陈江生" not in names
    sites = reverse("admin:organizations_demonstrationsite_changelist")
    assert client.get(sites, {"status__exact": "open", "level__exact": "county"}).status_code == 200


def test_autocomplete_refuses_nul(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    url = reverse("admin:autocomplete")
    params = {"app_label": "members", "model_name": "member", "field_name": "union"}
    assert client.get(url, {**params, "term": "南恩"}).status_code == 200
    assert client.get(url, {**params, "term": "南" + NUL}).status_code == 400


# --- The findings -----------------------------------------------------------------------------


def test_finding1_export_filters_cannot_read_password_hashes(client, data, people):
    """A viewer could read a superuser's hash through ``created_by__password__startswith``."""
    client.force_login(people.jiangcheng_viewer)
    url = reverse("spreadsheets:export_members")
    exports = ExportLog.objects.count()
    hits = answer(client.get(url, {"format": "csv", "created_by__username": "superuser",
                                   TRAVERSAL: "pbkdf2_sha256"}))
    misses = answer(client.get(url, {"format": "csv", "created_by__username": "superuser",
                                     TRAVERSAL: "zzz"}))
    assert hits[0] == 400 and hits == misses
    assert "created_by__username" in hits[1].decode()
    for field in ("created_by__email__startswith", "created_by__username__startswith",
                  "union__grants__user__password__startswith", "id_number__startswith"):
        assert client.get(url, {field: "a"}).status_code == 400, field
    assert ExportLog.objects.count() == exports  # nothing was exported


def test_finding2_clerk_cannot_place_records_in_another_county(client, data, people):
    """A 阳春 clerk could add an employer (no union) or a union in 江城区, or move one there."""
    jiangcheng_town = Division.objects.get(code="441702001")
    for name in ("yangchun_clerk", "town_admin"):
        client.force_login(getattr(people, name))
        response = client.post(reverse("admin:organizations_employer_add"), {
            "name": "越界工厂", "division": jiangcheng_town.pk, "employees": 30,
            "women_employees": 0, "migrant_employees": 0,
        })
        assert response.status_code == 200 and response.context["adminform"].form.errors
        assert not Employer.objects.filter(name="越界工厂").exists()
        # Moving their own employer there.
        employer = data.yc_employer
        response = client.post(reverse("admin:organizations_employer_change", args=[employer.pk]), {
            "name": employer.name, "division": jiangcheng_town.pk, "union": employer.union_id,
            "employees": employer.employees, "women_employees": employer.women_employees,
            "migrant_employees": employer.migrant_employees,
        })
        assert response.status_code == 200 and "division" in response.context["adminform"].form.errors
        employer.refresh_from_db()
        assert employer.division.code == "441781001"
    # A union of 阳春 placed in a 江城区 town.
    client.force_login(people.yangchun_clerk)
    response = client.post(reverse("admin:organizations_organization_add"), {
        "name": "越界工会", "code": "4417810019999", "kind": "base_single",
        "parent": data.tree.chuncheng.pk, "division": jiangcheng_town.pk,
    })
    assert "division" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(code="4417810019999").exists()
    # The same by import.
    employers = xlsx([["越界工厂", "441702001", "30"]], header=["单位名称", "所在镇街", "职工人数"])
    result = run_import("employers", employers, people.yangchun_clerk, commit=True)
    assert not result.committed and result.scope_rows == [2]
    assert "不在您的管辖范围内" in str(result.errors[0])
    # Their own area still works.
    own = xlsx([["本地工厂", "441781001", "30"]], header=["单位名称", "所在镇街", "职工人数"])
    assert run_import("employers", own, people.yangchun_clerk, commit=True).committed


@pytest.mark.parametrize("path", ["/members/", "/admin/members/member/", "/sheets/export/members/"])
def test_finding3_nul_byte_is_a_bad_request_not_a_server_error(client, data, people, path):
    client.force_login(people.jiangcheng_clerk)
    for params in ({"q": NUL}, {"q": "陈" + NUL}, {"county": NUL}, {"org": NUL}):
        response = client.get(path, params)
        assert response.status_code == 400, (path, params, response.status_code)
        assert "控制字符" in response.content.decode()


def test_finding4_export_of_a_union_outside_the_scope_is_404_like_an_unknown_one(client, data, people):
    client.force_login(people.jiangcheng_viewer)
    for kind in ("members", "employers", "unions"):
        url = reverse(f"spreadsheets:export_{kind}")
        outside = client.get(url, {"org": data.tree.chuncheng_joint.code})
        unknown = client.get(url, {"org": "4417999999999"})
        assert outside.status_code == unknown.status_code == 404, kind
        assert client.get(url, {"org": data.tree.nanen.code}).status_code == 200


# --- Every write path × a reference outside the writer's subtree --------------------------------


def admin_add(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def inline(prefix):
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def write_attempts(d):
    """(model, POST data, field that points outside 江城区): one per admin add form."""
    t = d.tree
    yc_town = Division.objects.get(code="441781001")
    jc_town = Division.objects.get(code="441702001")
    return [
        (Organization, {"name": "越界", "code": "X1", "kind": "base_single",
                        "parent": t.chuncheng.pk, "division": jc_town.pk}, "parent"),
        (Employer, {"name": "越界", "division": jc_town.pk, "union": t.chuncheng_joint.pk,
                    "employees": 1, "women_employees": 0, "migrant_employees": 0}, "union"),
        (Member, {"name": "越界", "id_type": "居民身份证", "id_number": "44170219850517131X",
                  "union": t.chuncheng_joint.pk, "joined_on": "2024-01-01",
                  "member_type": "ordinary", "ethnicity": "汉族", **inline("events")}, "union"),
        (EnrolmentDrive, {"name": "越界", "organizer": t.chuncheng.pk, "kind": "other",
                          "starts_on": "2024-01-01", "target_count": 1}, "organizer"),
        (DemonstrationSite, {"name": "越界", "level": "county", "union": t.chuncheng.pk,
                             "division": yc_town.pk, "status": "planned",
                             "activity_space_m2": 0, "employers": [d.yc_employer.pk],
                             **inline("activities")}, "union"),
        (SiteActivity, {"site": d.yc_site.pk, "date": "2024-01-01", "service": "culture",
                        "title": "越界", "participants": 1}, "site"),
        (CampaignTarget, {"organization": t.chuncheng.pk, "description": "越界",
                          "min_employees": 25, "set_on": "2024-01-01",
                          "due_on": "2024-12-31"}, "organization"),
    ]


def test_every_admin_add_form_refuses_references_outside_the_subtree(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    for model, post, field in write_attempts(data):
        before = model.objects.count()
        response = client.post(admin_add(model), post)
        assert response.status_code == 200, f"{model.__name__}: {response.status_code}"
        errors = response.context["adminform"].form.errors
        assert field in errors, f"{model.__name__}: {errors}"
        assert model.objects.count() == before


def test_the_same_references_inside_the_subtree_are_accepted(client, data, people):
    """The refusals above are the scope's, not malformed data: the yangchun clerk may
    save every one of them."""
    client.force_login(people.yangchun_clerk)
    for model, post, field in write_attempts(data):
        if model is Organization:
            post = {**post, "division": Division.objects.get(code="441781001").pk}
        if model is Employer:
            post = {**post, "division": Division.objects.get(code="441781001").pk}
        if model is Member:
            post = {**post, "id_number": resident_id("441781", date(1990, 8, 3), 33)}
        before = model.objects.count()
        response = client.post(admin_add(model), post)
        assert response.status_code == 302, (
            f"{model.__name__}: {response.context['adminform'].form.errors if response.context else response.status_code}")
        assert model.objects.count() == before + 1


def test_grants_and_site_employers_outside_the_subtree_are_refused(client, data, people):
    client.force_login(people.town_admin)
    before = User.objects.count()
    response = client.post(admin_add(User), {
        "username": "newclerk", "password1": "Sup3r-secret-pass", "password2": "Sup3r-secret-pass",
        "usable_password": "true", "grant-TOTAL_FORMS": "1", "grant-INITIAL_FORMS": "0",
        "grant-MIN_NUM_FORMS": "1", "grant-MAX_NUM_FORMS": "1",
        "grant-0-organization": data.tree.nanen.pk, "grant-0-role": "clerk",
    })
    assert response.status_code == 200 and User.objects.count() == before
    # A site of 春城 that would cover a 江城区 employer.
    response = client.post(admin_add(DemonstrationSite), {
        "name": "越界站", "level": "county", "union": data.tree.chuncheng.pk,
        "division": Division.objects.get(code="441781001").pk, "status": "planned",
        "activity_space_m2": 0, "employers": [data.jc_employer.pk], **inline("activities"),
    })
    assert "employers" in response.context["adminform"].form.errors
    assert not DemonstrationSite.objects.filter(name="越界站").exists()


def test_drive_entry_refuses_an_employer_outside_the_subtree(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    before = Member.objects.count()
    response = client.post(reverse("drive_entry", args=[data.jc_drive.pk]), {
        "name": "王越界", "id_type": "居民身份证", "id_number": "44170219850517131X",
        "gender": "男", "birth_date": "1985-05-17", "joined_on": "2024-03-02",
        "employer": data.yc_employer.pk, "member_type": "ordinary", "ethnicity": "汉族",
    })
    assert response.status_code == 200 and "employer" in response.context["form"].errors
    assert Member.objects.count() == before


def test_member_import_into_a_union_outside_the_subtree_writes_nothing(data, people):
    roster = xlsx([["王越界", "44170219850517131X", "春城街道联合工会", "2024-01-01"]],
                  header=["姓名", "身份证号码", "所属工会", "入会日期"])
    before = Member.objects.count()
    result = run_import("members", roster, people.jiangcheng_clerk, commit=True)
    assert not result.committed and result.scope_rows == [2]
    assert Member.objects.count() == before
