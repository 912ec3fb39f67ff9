"""The pages of a member's life (issue 17): the member page's change form, 预备 → 正式,
重新入会 offered by the drive entry page's check, batch changes from the register list
and the admin (all or nothing), applications, export buttons where the clerk is, and
pickers that search instead of listing thousands of unions."""

import re
from datetime import date

import pytest
from django.urls import reverse

from members.models import Application, Member, MembershipEvent
from organizations.models import Division, Organization
from tests.scoped_data import build

Kind = MembershipEvent.Kind


@pytest.fixture
def data(tree, people):
    return build(tree, people)


def change(client, member, **fields):
    return client.post(reverse("member_change", args=[member.pk]), fields)


# --- 1. The member page records every change -----------------------------------------------


def test_member_page_offers_the_changes_the_member_can_take(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    response = client.get(reverse("member_detail", args=[data.jc_member.pk]))
    offered = [value for value, _label in response.context["change_form"].fields["change"].choices]
    assert offered == ["retain", "transfer", "strike_off", "leave", "death"]
    client.force_login(people.jiangcheng_viewer)
    response = client.get(reverse("member_detail", args=[data.jc_member.pk]))
    assert response.context["change_form"] is None
    assert reverse("member_change", args=[data.jc_member.pk]) not in response.content.decode()


def test_member_page_records_retain_then_return_to_work(client, data, people, tree):
    member = data.jc_member
    client.force_login(people.jiangcheng_clerk)
    response = change(client, member, change="retain", day="2024-01-31", reason="在本单位下岗后待岗")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.RETAINED
    offered = client.get(reverse("member_detail", args=[member.pk])).context["change_form"]
    assert offered.fields["change"].choices[0][0] == "return"
    response = change(client, member, change="return", day="2024-06-01",
                      reason="劳动（工作）关系发生变化", to_union=tree.nanen_joint.code)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.union) == (Member.Status.ACTIVE, tree.nanen_joint)
    assert [e.kind for e in member.events.all()] == [Kind.JOIN, Kind.RETAIN, Kind.TRANSFER_IN]


def test_member_page_refuses_a_wrong_reason_or_date_and_writes_nothing(client, data, people):
    member = data.jc_member
    client.force_login(people.jiangcheng_clerk)
    wrong_reason = change(client, member, change="leave", day="2024-01-31", reason="失业")
    assert wrong_reason.status_code == 400 and "reason" in wrong_reason.context["change_form"].errors
    no_reason = change(client, member, change="leave", day="2024-01-31")
    assert no_reason.status_code == 400
    before_join = change(client, member, change="leave", day="2019-01-01", reason="个人要求退会")
    assert before_join.status_code == 400
    assert "2020-01-06" in str(before_join.context["change_form"].non_field_errors())
    assert member.events.count() == 1


def test_member_page_changes_need_the_role_and_the_scope(client, data, people):
    fields = {"change": "leave", "day": "2024-01-31", "reason": "个人要求退会"}
    client.force_login(people.jiangcheng_viewer)
    assert change(client, data.jc_member, **fields).status_code == 403
    client.force_login(people.yangchun_clerk)
    assert change(client, data.jc_member, **fields).status_code == 404
    assert data.jc_member.events.count() == 1


def test_member_page_makes_a_probationary_member_ordinary(client, data, people):
    member = data.jc_member
    Member.objects.filter(pk=member.pk).update(member_type=Member.MemberType.PROBATIONARY)
    client.force_login(people.jiangcheng_clerk)
    assert client.get(reverse("member_detail", args=[member.pk])).context["ordinary_form"]
    response = client.post(reverse("member_make_ordinary", args=[member.pk]), {"day": "2021-01-06"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.member_type, member.ordinary_since) == ("ordinary", date(2021, 1, 6))


# --- 2. Rejoining at a drive ---------------------------------------------------------------


def test_drive_check_offers_rejoining_to_a_person_who_left(client, data, people):
    member = data.jc_member
    client.force_login(people.jiangcheng_clerk)
    check = reverse("member_check_id")
    answer = client.get(check, {"id_number": member.id_number}).json()
    assert answer["duplicate"] and "rejoin_url" not in answer  # a current member: refused
    change(client, member, change="leave", day="2024-01-31", reason="个人要求退会")
    answer = client.get(check, {"id_number": member.id_number}).json()
    assert answer["rejoin_url"] == reverse("member_rejoin", args=[member.pk])
    assert "重新入会" in answer["duplicate"]
    # The rejoin page, from the drive: into the drive's union, back to the entry page.
    drive = data.jc_drive
    url = f"{answer['rejoin_url']}?drive={drive.pk}"
    page = client.get(url)
    assert page.context["form"].initial["union"] == drive.default_union.code
    response = client.post(url, {"day": "2024-03-02", "union": drive.default_union.code})
    assert response.status_code == 302 and response["Location"] == reverse("drive_entry", args=[drive.pk])
    member.refresh_from_db()
    assert (member.status, member.union, member.drive, member.joined_on) == (
        Member.Status.ACTIVE, drive.default_union, drive, date(2024, 3, 2))
    assert Member.objects.filter(id_number=member.id_number).count() == 1
    # Another county's clerk is told nothing more than before, and offered nothing.
    client.force_login(people.yangchun_clerk)
    change_yc = client.get(check, {"id_number": data.yc_member.id_number}).json()
    assert "rejoin_url" not in change_yc


# --- 4. Batch changes from the list --------------------------------------------------------


def batch(client, **post):
    return client.post(reverse("member_batch"), post)


def test_batch_from_the_list_previews_then_applies_to_all(client, data, people, tree):
    client.force_login(people.jiangcheng_clerk)
    jiangcheng = list(Member.objects.visible_to(people.jiangcheng_clerk).current())
    fields = {"all": "1", "union": tree.jiangcheng.code, "change": "retain", "day": "2025-01-31",
              "reason": "所在企业破产"}
    chosen = batch(client, all="1", union=tree.jiangcheng.code)
    assert chosen.status_code == 200 and chosen.context["count"] == len(jiangcheng)
    preview = batch(client, step="preview", **fields)
    assert preview.context["previewed"] and preview.context["problems"] == []
    assert Member.objects.filter(status=Member.Status.RETAINED).count() == 0  # a preview only
    applied = batch(client, step="apply", **fields)
    assert applied.status_code == 302
    assert {m.pk for m in Member.objects.filter(status=Member.Status.RETAINED)} == {
        m.pk for m in jiangcheng}
    # Nothing outside the clerk's area was touched by "the whole filter".
    assert Member.objects.get(pk=data.yc_member.pk).status == Member.Status.ACTIVE


def test_batch_of_ticked_members_fails_whole_and_says_who(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    left = data.jc_transfer.member
    change(client, left, change="leave", day="2024-01-31", reason="个人要求退会")
    events = MembershipEvent.objects.count()
    response = batch(client, step="apply", member=[data.jc_member.pk, left.pk], change="retain",
                     day="2025-01-31", reason="失业")
    assert response.status_code == 400
    assert [m.pk for m, _why in response.context["problems"]] == [left.pk]
    assert left.name in response.content.decode()
    assert MembershipEvent.objects.count() == events
    assert Member.objects.get(pk=data.jc_member.pk).status == Member.Status.ACTIVE
    # Ticked members outside the area are not even selected.
    response = batch(client, member=[data.yc_member.pk])
    assert response.context["count"] == 0


def test_admin_action_writes_nothing_when_one_member_cannot_take_it(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    left = data.jc_transfer.member
    change(client, left, change="leave", day="2024-01-31", reason="个人要求退会")
    url = reverse("admin:members_member_changelist")
    response = client.post(url, {"action": "retain_members", "apply": "1", "day": "2025-01-31",
                                 "reason": "失业", "_selected_action": [data.jc_member.pk, left.pk]})
    assert response.status_code == 200
    assert [m.pk for m, _why in response.context["problems"]] == [left.pk]
    assert Member.objects.get(pk=data.jc_member.pk).status == Member.Status.ACTIVE


# --- 3. Applications -----------------------------------------------------------------------


def test_application_pages_file_review_and_print(client, data, people, tree):
    client.force_login(people.jiangcheng_clerk)
    from tests.scoped_data import resident_id

    number = resident_id("441702", date(1999, 9, 9), 71)
    response = client.post(reverse("application_new"), {
        "source": "paper", "name": "欧阳晓", "id_type": "居民身份证", "id_number": number,
        "ethnicity": "汉族", "union": tree.factory.code, "member_type": "probationary",
        "applied_on": "2025-02-01"})
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get(id_number=number)
    assert (application.gender, application.birth_date) == ("男", date(1999, 9, 9))
    assert application.created_by == people.jiangcheng_clerk
    printed = client.get(reverse("application_print", args=[application.pk])).content.decode()
    assert "入会申请书" in printed and "欧阳晓" in printed
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', printed)
    assert len(stylesheets) == 1 and stylesheets[0].startswith("/static/css/print")  # local
    client.post(reverse("application_review", args=[application.pk]), {"decision": "approve"})
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.reviewed_by == people.jiangcheng_clerk
    assert application.member.name == "欧阳晓"
    listed = client.get(reverse("application_list"), {"state": "approved"})
    assert application in listed.context["applications"]


def test_application_refused_outside_the_area_and_for_viewers(client, data, people, tree):
    client.force_login(people.yangchun_clerk)
    url = reverse("application_review", args=[data.jc_application.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(people.jiangcheng_viewer)
    assert client.post(url, {"decision": "approve"}).status_code == 403
    data.jc_application.refresh_from_db()
    assert data.jc_application.state == Application.State.PENDING


# --- 5. Export where the clerk is ------------------------------------------------------------


def test_member_list_and_drives_export_their_filter(client, data, people, tree):
    client.force_login(people.jiangcheng_viewer)
    html = client.get(reverse("member_list"), {"union": tree.factory.code, "status": "current"}).content.decode()
    export = reverse("spreadsheets:export_members")
    assert f'{export}?union={tree.factory.code}&amp;status=current' in html
    drives = client.get(reverse("drive_list")).content.decode()
    assert f"{export}?drive={data.jc_drive.pk}" in drives
    # The link's filter is what the exporter exports: the drive's members only.
    response = client.get(export, {"drive": data.jc_drive.pk, "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert data.jc_member.name in body and data.jc_member.id_number not in body  # masked


# --- 6. Pickers ------------------------------------------------------------------------------


def test_union_picker_searches_within_the_area(client, data, people, tree):
    client.force_login(people.jiangcheng_clerk)
    found = client.get(reverse("pick_unions"), {"q": "联合"}).json()["results"]
    assert [r["value"] for r in found] == [tree.nanen_joint.code]  # not 春城's
    assert client.get(reverse("pick_unions")).json()["results"] == []
    employers = client.get(reverse("pick_employers"), {"q": "华力", "union": tree.factory.code})
    assert [r["value"] for r in employers.json()["results"]] == [data.jc_employer.name]


def test_grant_page_stays_small_with_thousands_of_unions(client, people, tree):
    client.force_login(people.superuser)
    url = reverse("admin:auth_user_change", args=[people.jiangcheng_viewer.pk])
    before = len(client.get(url).content)
    division = Division.objects.get(code="441702001")
    Organization.objects.bulk_create([
        Organization(code=f"44170200109{n:03d}", name=f"测试企业{n}工会", kind="base_single",
                     parent=tree.nanen, division=division, path=f"{tree.nanen.path}{9_000_000 + n:07d}")
        for n in range(800)])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试企业799工会" not in html  # no drop-down of every union
    assert "admin-autocomplete" in html
    # 800 more unions add nothing to the page (a drop-down added ~40 KB here, 930 KB
    # for the city's 5,449).
    assert len(response.content) - before < 1_000
