"""Issue 19, items 2 and 3: the provincial member form (会员信息采集表) comes in with its
会籍变化 columns and its 填表单位; what an import may change for someone registered
(one rule, through the services); the provincial layouts go out and import back
unchanged."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from members import services
from members.models import Member, MembershipEvent, Transfer
from members.spreadsheets.importing import run_import
from members.spreadsheets.layouts import MEMBER_FORM, UNION_FORM, form_headers
from members.statistics import members_on
from organizations.models import Employer
from tests.test_import import resident_id

HEADERS = form_headers(MEMBER_FORM)
Kind = MembershipEvent.Kind


def form_row(serial, change_type="入会", change_date="2016/05/03", reason="", **cells):
    """A member-form row (序号 first), in the form's column order."""
    values = {
        "序号": serial, "姓名": f"会员{serial}", "性别": "男" if serial % 2 else "女",
        "出生日期": "1990/01/01", "民族": "汉族", "就业状况": "在岗", "有效证件类别": "居民身份证",
        "证件号码": resident_id(serial), "学历": "高中", "技术等级": "无",
        "移动电话": f"138{serial:08d}", "户籍类型": "农业户口", "户籍所在地": "广东省阳江市",
        "会籍变化类型": change_type, "会籍变化日期": change_date, "会籍变化原因": reason,
        "政治面貌": "群众", "工作单位": "", "籍贯": "广东阳江", "是否农民工会员": "是",
    }
    values.update(cells)
    return [next(v for k, v in values.items() if header.startswith(k)) for header in HEADERS]


def member_form(rows, union_name="", extra_headers=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([MEMBER_FORM])
    sheet.append([f"填表单位（盖章）：{union_name}"])
    sheet.append(list(HEADERS) + list(extra_headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def imported(data, user, **kwargs):
    result = run_import("members", data, user, commit=True, **kwargs)
    assert result.committed, result.file_error or [str(e) for e in result.errors]
    return result


@pytest.mark.django_db
def test_finding2_member_form_imports_into_the_union_picked_at_upload(tree, people):
    result = imported(member_form([form_row(1), form_row(2)]), people.jiangcheng_clerk,
                      union=tree.factory)
    assert result.new == 2 and result.file_union == tree.factory
    member = Member.objects.get(id_number=resident_id(1))
    assert member.union == tree.factory and member.joined_on == date(2016, 5, 3)
    assert member.is_migrant_worker and member.mobile == "13800000001"


@pytest.mark.django_db
def test_finding2_the_forms_fill_in_union_is_taken_when_none_is_picked(tree, people):
    data = member_form([form_row(1)], union_name=tree.factory.name)
    result = imported(data, people.jiangcheng_clerk)
    assert result.file_union == tree.factory
    assert Member.objects.get().union == tree.factory
    # A 填表单位 outside the clerk's area refuses the file.
    outside = member_form([form_row(2)], union_name=tree.chuncheng_joint.name)
    assert "填表单位" in run_import("members", outside, people.jiangcheng_clerk).file_error


@pytest.mark.django_db
def test_finding2_a_later_change_without_join_date_keeps_the_join_date_unknown(tree, people):
    rows = [form_row(1, "保留", "2020/03/01", "失业"), form_row(2, "退会", "2019/01/01", "个人要求退会")]
    imported(member_form(rows), people.base_clerk)
    retained = Member.objects.get(id_number=resident_id(1))
    assert retained.joined_on is None and retained.status == Member.Status.RETAINED
    events = list(retained.events.values_list("kind", "date", "reason"))
    assert events == [(Kind.RETAIN, date(2020, 3, 1), "失业")]
    # Counted (as a retained member) from the change on, not before; the one who left
    # never.
    assert members_on(tree.factory, date(2020, 2, 29)) == 0
    assert members_on(tree.factory, date(2020, 3, 1)) == 1
    left = Member.objects.get(id_number=resident_id(2))
    assert left.status == Member.Status.LEFT and left.leave_reason == "个人要求退会"


@pytest.mark.django_db
def test_finding2_a_join_date_column_gives_the_join_before_the_change(tree, people):
    data = member_form([form_row(1, "保留", "2020/03/01", "失业") + ["2015-04-01"]],
                       extra_headers=["入会时间"])
    imported(data, people.base_clerk)
    member = Member.objects.get()
    assert member.joined_on == date(2015, 4, 1)
    assert [e.kind for e in member.events.order_by("date")] == [Kind.JOIN, Kind.RETAIN]
    assert members_on(tree.factory, date(2016, 1, 1)) == 1


@pytest.mark.django_db
def test_finding2_a_reason_must_be_one_the_change_takes(tree, people):
    result = run_import("members", member_form([form_row(1, "保留", "2020/03/01", "个人要求退会")]),
                        people.base_clerk)
    assert any("个人要求退会" in str(e) and "失业" in str(e) for e in result.errors)


@pytest.mark.django_db
def test_finding2_one_rule_for_people_already_registered(tree, people):
    imported(member_form([form_row(1)]), people.base_clerk)
    member = Member.objects.get()
    # Leaving, through the services: the event with its reason.
    leave = member_form([form_row(1, "退会", "2021/06/30", "个人要求退会")])
    assert imported(leave, people.base_clerk).updated == 1
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT and member.left_on == date(2021, 6, 30)
    assert member.events.get(kind=Kind.LEAVE).reason == "个人要求退会"
    # The same file again changes nothing.
    again = imported(leave, people.base_clerk)
    assert (again.updated, again.unchanged) == (0, 1)
    # A change dated before the last one is refused, naming it.
    early = run_import("members", member_form([form_row(1, "保留", "2021/01/01", "失业")]),
                       people.base_clerk)
    assert any("2021-06-30" in str(e) for e in early.errors)
    # Rejoining after 退会: a new 入会 (services.rejoin); the first join stays in the events.
    imported(member_form([form_row(1, "入会", "2023/02/01")]), people.base_clerk)
    member.refresh_from_db()
    assert member.is_member and member.joined_on == date(2023, 2, 1)
    assert member.events.filter(kind=Kind.JOIN).count() == 2
    # 入会 of a current member on another date is refused.
    twice = run_import("members", member_form([form_row(1, "入会", "2024/01/01")]),
                       people.base_clerk)
    assert twice.errors and not twice.committed


@pytest.mark.django_db
def test_finding2_transfer_in_from_outside_the_area_waits_for_the_releasing_union(tree, people):
    imported(member_form([form_row(1)]), people.yangchun_clerk, union=tree.chuncheng_joint)
    member = Member.objects.get()
    data = member_form([form_row(1, "转入", "2024/03/01", "劳动（工作）关系发生变化")])
    result = imported(data, people.jiangcheng_clerk, union=tree.factory)
    assert result.requests == 1
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.PENDING and transfer.to_union == tree.factory
    member.refresh_from_db()
    assert member.union == tree.chuncheng_joint  # counts where they were until released
    assert services.may_decide(people.yangchun_clerk, transfer)
    assert not services.may_decide(people.jiangcheng_clerk, transfer)
    services.accept_transfer(transfer, user=people.yangchun_clerk)
    member.refresh_from_db()
    assert member.union == tree.factory and member.status == Member.Status.ACTIVE


def _download(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_finding3_member_form_export_imports_back_unchanged(client, tree, people):
    rows = [form_row(1), form_row(2, "保留", "2020/03/01", "失业"), form_row(3)]
    imported(member_form(rows), people.base_clerk, union=tree.factory)
    client.force_login(people.base_clerk)
    data = _download(client, reverse("spreadsheets:export_members"),
                     {"layout": "provincial", "org": tree.factory.code})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][0] == MEMBER_FORM and table[1][0] == f"填表单位（盖章）：{tree.factory.name}"
    assert tuple(table[2]) == HEADERS
    assert [row[0] for row in table[3:]] == [1, 2, 3]
    by_name = {row[1]: row for row in table[3:]}
    assert by_name["会员2"][HEADERS.index("会籍变化类型")] == "保留"
    assert by_name["会员2"][HEADERS.index("会籍变化原因")] == "失业"
    back = run_import("members", data, people.base_clerk, commit=True)
    assert back.ok, back.file_error or [str(e) for e in back.errors]
    assert (back.new, back.updated, back.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_finding3_union_form_export_imports_back_unchanged(client, tree, people):
    for name, code in (("甲公司", "91441702MA4UQ0JX1Y"), ("乙公司", "")):
        Employer.objects.create(name=name, credit_code=code or None, division=tree.nanen.division,
                                union=tree.nanen_joint, employees=30, women_employees=10)
    client.force_login(people.jiangcheng_clerk)
    data = _download(client, reverse("spreadsheets:export_unions"),
                     {"layout": "provincial", "org": tree.nanen.code})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][0] == UNION_FORM and tuple(table[2]) == form_headers(UNION_FORM)
    joint = [row for row in table[3:] if row[1] == tree.nanen_joint.name]
    assert sorted(row[6] for row in joint) == ["乙公司", "甲公司"]  # one row per employer
    back = run_import("unions", data, people.jiangcheng_clerk, commit=True)
    assert back.ok, back.file_error or [str(e) for e in back.errors]
    assert back.new == 0 and back.updated == 0 and back.unchanged >= 1


@pytest.mark.django_db
def test_finding3_the_provincial_layout_is_an_export_choice_in_the_admin(client, tree, people):
    imported(member_form([form_row(1)]), people.base_clerk, union=tree.factory)
    client.force_login(people.jiangcheng_viewer)
    page = client.get(reverse("admin:members_member_changelist")).content.decode()
    href = re.search(r'href="([^"]*layout=provincial)" [^>]*id="spreadsheet-export-provincial"',
                     page).group(1).replace("&amp;", "&")
    assert href.startswith(reverse("spreadsheets:export_members"))
    sheet = openpyxl.load_workbook(io.BytesIO(_download(client, href, {}))).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    # The viewer's own union fills in 填表单位; personal data is masked as in every export.
    assert table[1][0] == f"填表单位（盖章）：{tree.jiangcheng.name}"
    assert table[3][HEADERS.index("证件号码\n(填写18位身份证)")].startswith("*")


@pytest.mark.django_db
def test_finding2_a_person_with_an_unknown_join_date_round_trips_in_our_layout(client, tree,
                                                                              people):
    imported(member_form([form_row(1, "保留", "2020/03/01", "失业")]), people.base_clerk)
    client.force_login(people.base_clerk)
    data = _download(client, reverse("spreadsheets:export_members"), {})
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(
        values_only=True)]
    assert rows[1][rows[0].index("入会日期")] is None and rows[1][rows[0].index("状态")] == "保留"
    back = run_import("members", data, people.base_clerk, commit=True)
    assert back.ok and (back.new, back.updated, back.unchanged) == (0, 0, 1)
    page = client.get(reverse("member_detail", kwargs={"pk": Member.objects.get().pk}))
    assert "不详" in page.content.decode()
