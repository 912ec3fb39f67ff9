"""The union tree's rules (which kind sits under which, moving a subtree), division
codes, and the admin pages' query counts with a few dozen rows (no N+1)."""

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import EnrolmentDrive, Member, MembershipEvent, Transfer
from organizations.models import (
    CampaignTarget, DemonstrationSite, Division, Employer, Organization, SiteActivity,
)
from tests.scoped_data import build, resident_id

K = Organization.Kind


def union(tree, kind, parent, code="X1", name="新工会"):
    return Organization(code=code, name=name, kind=kind, parent=parent,
                        division=tree.nanen.division)


@pytest.mark.parametrize("kind, parent, message", [
    (K.COUNTY, "nanen", "县（市、区）总工会不能隶属于镇（街道）总工会"),
    (K.BASE_SINGLE, "factory", "独立基层工会不能隶属于独立基层工会"),
    (K.TOWN, "city", "镇（街道）总工会不能隶属于市总工会"),
    (K.TOWN, None, "镇（街道）总工会必须有上级工会"),
    (K.BASE_JOINT, None, "联合基层工会必须有上级工会"),
])
def test_wrong_parent_kinds_are_rejected(tree, kind, parent, message):
    candidate = union(tree, kind, getattr(tree, parent) if parent else None)
    with pytest.raises(ValidationError) as error:
        candidate.clean()
    assert list(error.value.message_dict) == ["parent"]
    text = error.value.message_dict["parent"][0]
    assert message in text


@pytest.mark.parametrize("kind, parent", [
    (K.TOWN, "jiangcheng"), (K.BASE_JOINT, "nanen"), (K.INDUSTRY, "city"),
    (K.SECTOR, "jiangcheng"), (K.BASE_SINGLE, "trucks"),
])
def test_right_parent_kinds_pass(tree, kind, parent):
    union(tree, kind, getattr(tree, parent)).clean()


def test_moving_a_town_rewrites_its_whole_subtree(tree):
    tree.nanen.parent = tree.yangchun
    tree.nanen.full_clean()
    tree.nanen.save()
    for node in (tree.nanen, tree.factory, tree.nanen_joint):
        node.refresh_from_db()
        assert node.path.startswith(tree.yangchun.path)
        assert node.depth == tree.yangchun.depth + (1 if node == tree.nanen else 2)
    moved = set(Organization.objects.in_subtree(tree.yangchun))
    assert {tree.nanen, tree.factory, tree.nanen_joint} <= moved
    assert set(Organization.objects.in_subtree(tree.jiangcheng)) == {tree.jiangcheng}
    assert list(tree.factory.ancestors()) == [tree.city, tree.yangchun, tree.nanen]


def test_a_union_cannot_move_under_itself_or_below(tree):
    # The kind rules already forbid every such move in today's tree; whichever rule
    # answers, the move is refused on the parent field and nothing is saved.
    for parent in (tree.jiangcheng, tree.nanen, tree.factory):
        tree.jiangcheng.parent = parent
        with pytest.raises(ValidationError) as error:
            tree.jiangcheng.clean()
        assert "parent" in error.value.message_dict
    tree.jiangcheng.refresh_from_db()
    assert tree.jiangcheng.parent == tree.city


@pytest.mark.parametrize("code, parent, ok", [
    ("441799", "441700", True),
    ("441702099", "441702", True),
    ("44170", "441700", False),
    ("4417020011", "441702", False),
    ("44170A", "441700", False),
    ("441781099", "441702", False),  # a town under another county's code
    ("451700", "441700", False),
])
def test_division_codes(db, code, parent, ok):
    division = Division(code=code, name="新区划", level="town" if len(code) == 9 else "county",
                        parent=Division.objects.get(code=parent))
    if ok:
        division.clean()
    else:
        with pytest.raises(ValidationError):
            division.clean()


# --- Admin pages: bounded queries ----------------------------------------------------------

ROWS = 30
MAX_QUERIES = 40


def add_rows(tree, start, count):
    """``count`` more rows of every model, with the relations the lists display."""
    town = tree.nanen.division
    for i in range(start, start + count):
        base = Organization.objects.create(
            code=f"4417020019{i:03d}", name=f"测试工会{i}", kind=K.BASE_SINGLE,
            parent=tree.nanen, division=town,
        )
        employer = Employer.objects.create(name=f"测试企业{i}", division=town, union=base,
                                           employees=30 + i)
        drive = EnrolmentDrive.objects.create(
            name=f"测试入会活动{i}", organizer=tree.nanen, default_union=base,
            kind=EnrolmentDrive.Kind.OTHER, starts_on=date(2024, 1, 1), target_count=10,
        )
        member = Member.objects.create(
            name=f"测试会员{i}", id_number=resident_id("441702", date(1980, 1, 1), 100 + 2 * i),
            gender="女", union=base, employer=employer, drive=drive, joined_on=date(2020, 1, 1),
            mobile=f"139{i:08d}", is_courier=True,
        )
        MembershipEvent.objects.create(member=member, kind="join", date=member.joined_on,
                                       union=base)
        Transfer.objects.create(member=member, from_union=base, to_union=tree.nanen_joint,
                                date=date(2024, 2, 1))
        site = DemonstrationSite.objects.create(
            name=f"测试示范点{i}", level="county", union=base, division=town,
            opened_on=date(2020, 1, 1),
        )
        site.employers.add(employer)
        SiteActivity.objects.create(site=site, date=date(2024, 1, 1), service="culture",
                                    title=f"活动{i}")
        CampaignTarget.objects.create(organization=tree.jiangcheng, description=f"目标{i}",
                                      min_employees=25, set_on=date(2024, 1, 1),
                                      due_on=date(2024, 12, 31))


def admin_urls(data, people):
    from django.contrib.auth.models import User

    objects = {**data.jiangcheng, User: people.jiangcheng_viewer,
               Division: Division.objects.get(code="441702")}
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:%s_%s_changelist" % info)
        if model in objects:
            yield reverse("admin:%s_%s_change" % info, args=[objects[model].pk])
            yield reverse("admin:%s_%s_add" % info)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # The add page of a model whose admin allows no adding answers 403, as planned.
    assert response.status_code in (200, 403), f"{url}: {response.status_code}"
    return len(queries)


def test_admin_pages_render_in_bounded_queries(client, tree, people,
                                               django_assert_max_num_queries):
    data = build(tree, people)
    add_rows(tree, 0, ROWS)
    client.force_login(people.superuser)
    urls = list(admin_urls(data, people))
    before = {}
    for url in urls:
        with django_assert_max_num_queries(MAX_QUERIES):
            before[url] = count_queries(client, url)
    add_rows(tree, ROWS, 5)
    grew = {url: (before[url], count_queries(client, url)) for url in urls}
    grew = {url: counts for url, counts in grew.items() if counts[1] > counts[0]}
    assert not grew, f"query count grows with the rows (N+1): {grew}"


def test_scoped_lists_in_bounded_queries(client, tree, people,
                                         django_assert_max_num_queries):
    build(tree, people)
    add_rows(tree, 0, ROWS)
    client.force_login(people.jiangcheng_clerk)
    for model in (Member, Employer, Organization, EnrolmentDrive, Transfer, DemonstrationSite):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(url).status_code == 200
