"""A member's life tried as a clerk would, in Chromium (issue 17): a change recorded on
the member page with the union picked as you type (1), an application filed, reviewed
and printed (3), a batch change from the list, refused whole and then applied (4), the
list exported with its filter (5), and the admin's member list at 1366×768 (6)."""

import re
from datetime import date

from django.urls import reverse

from members import services
from members.models import Application, Member, MembershipEvent
from organizations.models import Organization
from tests.people import PASSWORD
from tests.scoped_data import build
from tests.test_services import rid


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_clerk_records_retain_and_return_on_the_member_page(page, console_errors, people, tree):
    from playwright.sync_api import expect

    data = build(tree, people)
    member = data.jc_member
    log_in(page, "jiangcheng_clerk", reverse("member_detail", args=[member.pk]))
    page.select_option("#id_change", "retain")
    page.fill("#id_day", "2024-01-31")
    page.select_option("#id_reason", "失业")
    page.click("#change-save")
    expect(page.locator(".status").first).to_have_text(re.compile("保留"))
    # Works again: 转入 into 南恩街道联合工会, picked by typing part of its name.
    page.select_option("#id_change", "return")
    page.fill("#id_day", "2024-06-01")
    page.select_option("#id_reason", "劳动（工作）关系发生变化")
    page.locator("#id_to_union").press_sequentially("联合")
    expect(page.locator("#union-options option")).to_have_count(1)
    assert page.locator("#union-options option").get_attribute("value") == tree.nanen_joint.code
    page.fill("#id_to_union", tree.nanen_joint.code)
    page.click("#change-save")
    expect(page.locator("table.list").first).to_contain_text("转入")
    member.refresh_from_db()
    assert (member.status, member.union) == (Member.Status.ACTIVE, tree.nanen_joint)
    assert console_errors == []


def test_application_filed_reviewed_and_printed(page, console_errors, people, tree):
    from playwright.sync_api import expect

    from tests.scoped_data import resident_id

    number = resident_id("441702", date(1998, 8, 8), 81)
    log_in(page, "jiangcheng_clerk", reverse("application_new"))
    page.select_option("#id_source", "paper")
    page.fill("#id_name", "区家明")
    page.fill("#id_id_number", number)
    page.fill("#id_union", tree.factory.code)
    page.fill("#id_applied_on", "2025-03-01")
    page.click("#application-save")
    expect(page.locator("h1")).to_contain_text("区家明")
    page.click("#application-print")
    expect(page.locator("h1")).to_have_text("中华全国总工会会员入会申请书")
    # The sheet's Chinese text is drawn with a local font: nothing is fetched elsewhere.
    expect(page.locator("body")).to_have_css("font-family", re.compile("Sheet Serif"))
    page.emulate_media(media="print")
    expect(page.locator(".no-print")).to_be_hidden()
    page.emulate_media(media="screen")
    page.go_back()
    page.click("#approve")
    expect(page.locator("#reviewed-by")).to_contain_text("jiangcheng_clerk")
    application = Application.objects.get(id_number=number)
    assert application.state == Application.State.APPROVED
    assert application.member.events.get().kind == MembershipEvent.Kind.JOIN
    assert console_errors == []


def test_batch_change_from_the_list_is_refused_whole_then_applied(page, console_errors, people, tree):
    from playwright.sync_api import expect

    data = build(tree, people)
    left = data.jc_transfer.member
    services.change_status(left, MembershipEvent.Kind.LEAVE, date(2024, 6, 30),
                           reason="个人要求退会")
    log_in(page, "jiangcheng_clerk", reverse("member_list"))
    page.check(f"input[name=member][value='{data.jc_member.pk}']")
    page.check(f"input[name=member][value='{left.pk}']")
    page.click("#batch-selected")
    expect(page.locator("#batch-count")).to_contain_text("2")
    page.select_option("#id_change", "retain")
    page.fill("#id_day", "2025-01-31")
    page.select_option("#id_reason", "失业")
    page.click("#batch-preview")
    expect(page.locator("#batch-problems")).to_contain_text(left.name)
    expect(page.locator("#batch-apply")).to_have_count(0)
    assert Member.objects.get(pk=data.jc_member.pk).status == Member.Status.ACTIVE
    # The whole filter of current members instead: the one who left is not in it.
    page.goto(reverse("member_list") + "?status=current")
    page.click("#batch-all")
    page.select_option("#id_change", "retain")
    page.fill("#id_day", "2025-01-31")
    page.select_option("#id_reason", "失业")
    page.click("#batch-preview")
    expect(page.locator("#batch-ready")).to_be_visible()
    page.click("#batch-apply")
    expect(page.locator(".messages")).to_contain_text("1")  # jc_member: the mover left
    assert Member.objects.get(pk=data.jc_member.pk).status == Member.Status.RETAINED
    assert Member.objects.get(pk=left.pk).status == Member.Status.LEFT
    assert console_errors == []


def test_member_list_exports_its_filter(page, people, tree):
    data = build(tree, people)
    log_in(page, "jiangcheng_viewer", reverse("member_list") + f"?union={tree.factory.code}")
    with page.expect_download() as download:
        page.click("#export-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert data.jc_member.name in text
    assert data.jc_member.id_number not in text  # masked as every export for a viewer
    assert "周春迁" not in text  # 阳春's member: outside the filter and the area


def test_admin_member_list_fits_1366_by_768(page, people, tree, screenshot):
    build(tree, people)
    # As in the demo city: long union names and members in several categories.
    union = Organization.objects.create(
        code="4417020010009", name="阳江市江城区南恩街道城南片区个体私营企业及货运物流行业联合工会委员会",
        kind=Organization.Kind.BASE_JOINT, parent=tree.nanen, division=tree.nanen.division)
    for serial in range(1, 11):
        services.enrol(Member(
            name=f"欧阳{'晓' * (serial % 3 + 1)}", id_number=rid(f"44170219800101{serial * 2 + 1:03d}"),
            union=union, joined_on=date(2019, 1, 1), mobile=f"139{serial:08d}",
            is_migrant_worker=True, is_truck_driver=True, is_courier=True, is_delivery_rider=True))
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "jiangcheng_clerk", "/admin/members/member/")
    screenshot(page, "admin-member-list-1366")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    # Django wraps the table in a box that scrolls sideways when it does not fit.
    hidden = page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return box.scrollWidth - box.clientWidth; })()")
    assert hidden <= 0, f"the result table is cut off by {hidden}px"
    table = page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= 1366
    # Every name on one line (the name is the row's link, in a <th>), none squeezed to
    # one character a line.
    for link in page.locator("#result_list tbody .field-name a").all():
        box = link.bounding_box()
        assert box["height"] < 30 and box["width"] > 30, box


def test_drive_entry_offers_rejoining_to_a_person_who_left(page, console_errors, people, tree):
    from playwright.sync_api import expect

    data = build(tree, people)
    member = data.jc_member
    services.change_status(member, MembershipEvent.Kind.LEAVE, date(2023, 12, 31),
                           reason="个人要求退会")
    drive = data.jc_drive
    log_in(page, "jiangcheng_clerk", reverse("drive_entry", args=[drive.pk]))
    page.locator("#id_id_number").press_sequentially(member.id_number)
    expect(page.locator("#id-check")).to_contain_text("重新入会")
    page.click("#id-check a.rejoin")
    expect(page.locator("h1")).to_contain_text(member.name)
    page.fill("#id_day", "2024-03-01")
    page.click("#rejoin-save")
    page.wait_for_url(re.compile(reverse("drive_entry", args=[drive.pk]) + "$"))
    member.refresh_from_db()
    assert (member.status, member.drive, member.union) == (
        Member.Status.ACTIVE, drive, drive.default_union)
    assert console_errors == []
