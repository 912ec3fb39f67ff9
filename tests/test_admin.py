"""The admin's behaviour beyond who-gets-which-status (tests/test_access_matrix.py):
autocomplete scope, saving into another area, membership changes through the services,
the audit trail, searching and masking, user management."""

import json
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from members import services
from members.models import Member, MembershipEvent, Transfer
from organizations.models import Grant, Organization, Role
from tests.people import PASSWORD
from tests.scoped_data import build, resident_id


@pytest.fixture
def data(tree, people):
    return build(tree, people)


def as_user(client, user):
    client.force_login(user)
    return client


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(reverse("admin:autocomplete"), {
        "term": term, "app_label": "members", "model_name": model_name,
        "field_name": field_name,
    })
    assert response.status_code == 200
    return {row["text"] for row in json.loads(response.content)["results"]}


def test_autocomplete_offers_only_unions_in_scope(client, data, tree, people):
    as_user(client, people.yangchun_clerk)
    names = autocomplete(client, "member", "union")
    assert tree.chuncheng_joint.name in names
    assert tree.factory.name not in names and tree.nanen_joint.name not in names
    # Only unions that members can belong to, even within the scope.
    assert tree.chuncheng.name not in names
    as_user(client, people.jiangcheng_clerk)
    names = autocomplete(client, "member", "union")
    assert {tree.factory.name, tree.nanen_joint.name} <= names
    assert tree.chuncheng_joint.name not in names


def test_autocomplete_of_employers_is_scoped(client, data, people):
    as_user(client, people.yangchun_clerk)
    names = autocomplete(client, "member", "employer")
    assert names == {data.yc_employer.name}


def member_post(tree, **overrides):
    values = {
        "name": "吴新会", "id_type": "居民身份证",
        "id_number": resident_id("441702", date(1995, 6, 1), 57), "gender": "",
        "ethnicity": "汉族", "union": tree.factory.pk, "joined_on": "2024-01-02",
        "member_type": "ordinary", "employment_status": "在岗",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0",
    }
    values.update(overrides)
    return values


def test_adding_a_member_enrols_through_the_services(client, data, tree, people):
    as_user(client, people.jiangcheng_clerk)
    response = client.post(reverse("admin:members_member_add"), member_post(tree))
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(name="吴新会")
    assert member.gender == "男"  # from the ID number, through Member.clean
    join = member.events.get()
    assert (join.kind, join.date, join.recorded_by) == (
        MembershipEvent.Kind.JOIN, date(2024, 1, 2), people.jiangcheng_clerk)
    assert member.history.first().history_user == people.jiangcheng_clerk


def test_a_member_cannot_be_saved_into_another_area(client, data, tree, people):
    as_user(client, people.jiangcheng_clerk)
    response = client.post(reverse("admin:members_member_add"),
                           member_post(tree, union=tree.chuncheng_joint.pk))
    assert response.status_code == 200
    assert "union" in response.context["adminform"].form.errors
    assert not Member.objects.filter(name="吴新会").exists()


def test_the_union_is_not_edited_on_the_change_form(client, data, tree, people):
    as_user(client, people.jiangcheng_clerk)
    member = data.jc_member
    url = reverse("admin:members_member_change", args=[member.pk])
    post = member_post(tree, name="陈江生", id_number=member.id_number,
                       union=tree.nanen_joint.pk, mobile="13800138001")
    response = client.post(url, post)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.mobile == "13800138001"
    assert member.union == tree.factory  # a move is a transfer, not an edit


def test_viewer_reads_but_cannot_save(client, data, people):
    as_user(client, people.jiangcheng_viewer)
    url = reverse("admin:members_member_change", args=[data.jc_member.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert client.post(url, {"name": "x"}).status_code == 403
    assert data.jc_member.name == Member.objects.get(pk=data.jc_member.pk).name


def test_lists_mask_document_and_mobile(client, data, people):
    as_user(client, people.jiangcheng_clerk)
    content = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert data.jc_member.name in content
    assert data.jc_member.id_number not in content
    assert data.jc_member.masked_id_number in content
    assert data.jc_member.mobile not in content
    assert data.jc_member.masked_mobile in content


@pytest.mark.parametrize("term", [
    "id", "id15", "13800138000", "陈", "card",
])
def test_member_search(client, data, people, term):
    member = data.jc_member
    Member.objects.filter(pk=member.pk).update(card_number="JC-0001")
    term = {"id": member.id_number.lower(), "id15": member.id_number[:6] + member.id_number[8:17],
            "card": "JC-0001"}.get(term, term)
    as_user(client, people.jiangcheng_clerk)
    response = client.get(reverse("admin:members_member_changelist"), {"q": term})
    results = list(response.context["cl"].result_list)
    assert results == [member]


def test_search_stays_in_scope(client, data, people):
    as_user(client, people.jiangcheng_clerk)
    response = client.get(reverse("admin:members_member_changelist"),
                          {"q": data.yc_member.id_number})
    assert list(response.context["cl"].result_list) == []


def run_action(client, action, members, **fields):
    url = reverse("admin:members_member_changelist")
    post = {"action": action, "_selected_action": [m.pk for m in members]}
    first = client.post(url, post)
    assert first.status_code == 200  # the intermediate page asking for the details
    assert "form" in first.context
    return client.post(url, {**post, "apply": "1", **fields})


def test_transfer_across_counties_waits_for_the_receiving_side(client, data, tree, people):
    member = data.jc_member
    as_user(client, people.jiangcheng_clerk)
    response = run_action(client, "transfer_members", [member],
                          to_union=tree.chuncheng_joint.code, day="2024-07-01")
    assert response.status_code == 302
    transfer = Transfer.objects.get(member=member, state=Transfer.State.PENDING)
    member.refresh_from_db()
    assert member.union == tree.factory  # still counted where they were

    decide_url = reverse("admin:members_transfer_changelist")
    post = {"action": "accept", "_selected_action": [transfer.pk]}
    client.post(decide_url, post)  # the releasing side cannot accept
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.PENDING

    as_user(client, people.yangchun_clerk)
    client.post(decide_url, post)
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.state == Transfer.State.ACCEPTED
    assert transfer.decided_by == people.yangchun_clerk
    assert member.union == tree.chuncheng_joint
    kinds = list(member.events.values_list("kind", "recorded_by__username"))
    assert kinds[-2:] == [("transfer_out", "yangchun_clerk"), ("transfer_in", "yangchun_clerk")]


def test_transfer_to_an_unknown_code_is_refused(client, data, people):
    as_user(client, people.jiangcheng_clerk)
    response = run_action(client, "transfer_members", [data.jc_member],
                          to_union="NOPE", day="2024-07-01")
    assert response.status_code == 200
    assert "to_union" in response.context["form"].errors
    assert not Transfer.objects.filter(member=data.jc_member).exists()


def test_mark_as_left(client, data, people):
    as_user(client, people.jiangcheng_clerk)
    response = run_action(client, "mark_left", [data.jc_member], day="2024-08-01",
                          reason="个人要求退会")
    assert response.status_code == 302
    member = Member.objects.get(pk=data.jc_member.pk)
    assert (member.status, member.left_on, member.leave_reason) == (
        Member.Status.LEFT, date(2024, 8, 1), "个人要求退会")


def test_viewer_has_no_actions(client, data, people):
    as_user(client, people.jiangcheng_viewer)
    url = reverse("admin:members_member_changelist")
    response = client.post(url, {"action": "mark_left", "apply": "1", "day": "2024-08-01",
                                 "_selected_action": [data.jc_member.pk]})
    assert Member.objects.get(pk=data.jc_member.pk).status == Member.Status.ACTIVE
    assert response.status_code in (200, 302)


# --- Audit trail ---------------------------------------------------------------------------


def test_transfer_through_the_services_records_who(data, tree, people):
    member = data.jc_member
    transfer = services.request_transfer(member, tree.nanen_joint, date(2024, 9, 1),
                                         user=people.jiangcheng_clerk, reason="劳动（工作）关系发生变化")
    assert transfer.state == Transfer.State.ACCEPTED
    assert (transfer.requested_by, transfer.decided_by) == (
        people.jiangcheng_clerk, people.jiangcheng_clerk)
    out, into = member.events.order_by("-id")[:2][::-1]
    assert (out.kind, out.union, out.recorded_by) == (
        "transfer_out", tree.factory, people.jiangcheng_clerk)
    assert (into.kind, into.union, into.recorded_by) == (
        "transfer_in", tree.nanen_joint, people.jiangcheng_clerk)


def test_member_history_page_names_the_author(client, data, tree, people):
    as_user(client, people.jiangcheng_clerk)
    run_action(client, "transfer_members", [data.jc_member],
               to_union=tree.nanen_joint.code, day="2024-07-01")
    record = data.jc_member.history.first()
    assert record.union_id == tree.nanen_joint.pk
    assert record.history_user == people.jiangcheng_clerk
    response = client.get(reverse("admin:members_member_history", args=[data.jc_member.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "jiangcheng_clerk" in content and tree.nanen_joint.name in content


def test_history_of_another_area_is_not_found(client, data, people):
    as_user(client, people.yangchun_clerk)
    record = data.jc_member.history.first()
    for url in (
        reverse("admin:members_member_history", args=[data.jc_member.pk]),
        reverse("admin:members_member_simple_history", args=[data.jc_member.pk,
                                                            record.history_id]),
    ):
        assert client.get(url).status_code == 404


def test_old_versions_cannot_be_restored(client, data, people):
    as_user(client, people.jiangcheng_clerk)
    record = data.jc_member.history.first()
    url = reverse("admin:members_member_simple_history", args=[data.jc_member.pk,
                                                              record.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x"}).status_code == 403


def test_only_administrators_delete_members_and_a_trace_stays(client, data, people):
    member = data.jc_member
    url = reverse("admin:members_member_delete", args=[member.pk])
    as_user(client, people.jiangcheng_clerk)
    assert client.post(url, {"post": "yes"}).status_code == 403
    as_user(client, people.city_admin)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()
    trace = Member.history.filter(id=member.pk).first()
    assert (trace.history_type, trace.history_user) == ("-", people.city_admin)


# --- User management -----------------------------------------------------------------------


@pytest.fixture
def jiangcheng_admin(tree):
    user = User.objects.create_user("jiangcheng_admin", password=PASSWORD, is_staff=True)
    Grant.objects.create(user=user, organization=tree.jiangcheng, role=Role.ADMIN)
    return user


def test_administrators_manage_users_of_their_subtree_only(client, people, jiangcheng_admin):
    as_user(client, jiangcheng_admin)
    content = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "jiangcheng_viewer" in content and "base_clerk" in content
    assert "yangchun_clerk" not in content and "city_admin" not in content
    assert client.get(
        reverse("admin:auth_user_change", args=[people.yangchun_clerk.pk])).status_code == 404
    assert client.get(
        reverse("admin:auth_user_change", args=[people.superuser.pk])).status_code == 404
    change = client.get(reverse("admin:auth_user_change", args=[people.jiangcheng_viewer.pk]))
    assert change.status_code == 200
    assert "is_superuser" not in change.context["adminform"].form.fields


def user_add_post(organization, role, username="nanen_clerk"):
    return {
        "username": username, "usable_password": "true",
        "password1": "Spring-harbour-4521", "password2": "Spring-harbour-4521",
        "grant-TOTAL_FORMS": "1", "grant-INITIAL_FORMS": "0",
        "grant-MIN_NUM_FORMS": "1", "grant-MAX_NUM_FORMS": "1",
        "grant-0-organization": organization.pk, "grant-0-role": role,
    }


def test_administrator_creates_a_staff_user_with_a_grant_below(client, tree, jiangcheng_admin):
    as_user(client, jiangcheng_admin)
    response = client.post(reverse("admin:auth_user_add"), user_add_post(tree.nanen, "clerk"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="nanen_clerk")
    assert user.is_staff and not user.is_superuser
    assert (user.grant.organization, user.grant.role) == (tree.nanen, Role.CLERK)


@pytest.mark.parametrize("where", ["city", "yangchun"])
def test_no_grants_above_or_beside(client, tree, jiangcheng_admin, where):
    as_user(client, jiangcheng_admin)
    response = client.post(reverse("admin:auth_user_add"),
                           user_add_post(getattr(tree, where), "admin"))
    assert response.status_code == 200
    assert not User.objects.filter(username="nanen_clerk").exists()


def test_a_user_needs_a_grant_when_an_administrator_creates_it(client, tree, jiangcheng_admin):
    as_user(client, jiangcheng_admin)
    post = user_add_post(tree.nanen, "clerk")
    post.update({"grant-TOTAL_FORMS": "0"})
    del post["grant-0-organization"], post["grant-0-role"]
    assert client.post(reverse("admin:auth_user_add"), post).status_code == 200
    assert not User.objects.filter(username="nanen_clerk").exists()


def test_administrator_disables_a_user(client, people, jiangcheng_admin):
    as_user(client, jiangcheng_admin)
    target = people.jiangcheng_viewer
    url = reverse("admin:auth_user_change", args=[target.pk])
    post = {
        "username": target.username, "first_name": "", "last_name": "", "email": "",
        "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00",
        "grant-TOTAL_FORMS": "1", "grant-INITIAL_FORMS": "1",
        "grant-MIN_NUM_FORMS": "1", "grant-MAX_NUM_FORMS": "1",
        "grant-0-id": target.grant.pk, "grant-0-user": target.pk,
        "grant-0-organization": target.grant.organization_id, "grant-0-role": "viewer",
    }
    response = client.post(url, post)  # is_active unticked
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert not target.is_active and not target.is_superuser


def test_clerks_do_not_manage_users(client, people):
    as_user(client, people.jiangcheng_clerk)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:auth_user_changelist") not in index
    assert reverse("admin:members_member_changelist") in index


def test_organization_change_page_shows_the_ancestry(client, tree, people):
    as_user(client, people.jiangcheng_clerk)
    response = client.get(reverse("admin:organizations_organization_change",
                                  args=[tree.factory.pk]))
    assert "阳江市总工会 › 江城区总工会 › 南恩街道总工会 › 阳江市华力五金制品有限公司工会" in (
        response.content.decode())


def test_organization_cannot_move_out_of_the_scope(client, tree, people):
    as_user(client, people.jiangcheng_clerk)
    url = reverse("admin:organizations_organization_change", args=[tree.nanen_joint.pk])
    response = client.post(url, {
        "name": tree.nanen_joint.name, "code": tree.nanen_joint.code, "kind": "base_joint",
        "parent": tree.chuncheng.pk, "division": tree.nanen_joint.division_id,
    })
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert Organization.objects.get(pk=tree.nanen_joint.pk).parent == tree.nanen


def test_changelist_counts_stop_at_the_cap(client, data, people, monkeypatch):
    from organizations.admin_scoping import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 1)
    client.force_login(people.superuser)
    response = client.get(reverse("admin:members_member_changelist"))
    assert response.status_code == 200
    # More than one member exists, but the list counted only up to the cap.
    assert Member.objects.count() > 1
    assert response.context["cl"].result_count == 1
    assert response.context["cl"].paginator.num_pages == 1


def test_a_mistyped_join_date_is_corrected_with_its_join_event(client, data, tree, people):
    from members.statistics import members_on

    as_user(client, people.jiangcheng_clerk)
    member = data.jc_member  # joined 2020-01-06
    url = reverse("admin:members_member_change", args=[member.pk])
    post = member_post(tree, name=member.name, id_number=member.id_number,
                       employer=data.jc_employer.pk, mobile=member.mobile,
                       is_migrant_worker="on", joined_on="2019-01-06")
    assert client.post(url, post).status_code == 302
    member.refresh_from_db()
    assert member.joined_on == date(2019, 1, 6)
    assert member.events.get(kind=MembershipEvent.Kind.JOIN).date == date(2019, 1, 6)
    # The record and the statistics agree: counted in mid-2019 now.
    assert members_on(tree.factory, date(2019, 6, 1)) == 1


def test_a_join_date_after_the_next_change_is_refused(client, data, tree, people):
    member = data.jc_member
    services.change_status(member, MembershipEvent.Kind.LEAVE, date(2021, 1, 1))
    as_user(client, people.jiangcheng_clerk)
    url = reverse("admin:members_member_change", args=[member.pk])
    post = member_post(tree, name=member.name, id_number=member.id_number,
                       employer=data.jc_employer.pk, mobile=member.mobile,
                       is_migrant_worker="on", joined_on="2022-01-01")
    response = client.post(url, post)
    assert response.status_code == 200
    assert "2021-01-01" in str(response.context["adminform"].form.errors["joined_on"])
    assert member.events.get(kind=MembershipEvent.Kind.JOIN).date == date(2020, 1, 6)


def test_category_filter_keeps_only_that_category(client, data, people):
    as_user(client, people.superuser)
    url = reverse("admin:members_member_changelist")
    migrants = client.get(url, {"category": "migrant_worker"}).context["cl"].result_list
    builders = client.get(url, {"category": "construction_worker"}).context["cl"].result_list
    assert data.jc_member in migrants and data.yc_member not in migrants
    assert data.yc_member in builders and data.jc_member not in builders
