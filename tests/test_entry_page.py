"""The enrolment-drive entry page: a clerk at a folding table enters person after person.

Client tests check the rules (who may use it, what a save writes, what a duplicate says,
the concurrent-save path); one browser test types people in as a clerk would, with the
keyboard only, and checks the live ID check and the running list."""

import re
import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members import services
from members.forms import DriveEntryForm, existing_membership_message
from members.identity import check_character, parse_document
from members.models import Category, EnrolmentDrive, Member, MembershipEvent
from organizations.models import Division, Employer
from tests.people import PASSWORD


def rid(first17):
    """A valid resident ID number from its first 17 digits."""
    return first17 + check_character(first17)


# Jiangcheng-coded numbers: a woman born 1990-03-07 (sequence 024) and a man born
# 1985-11-21 (sequence 013).
WOMAN = rid("44170219900307024")
MAN = rid("44170219851121013")


@pytest.fixture
def drive(tree):
    return EnrolmentDrive.objects.create(
        name="南恩街道快递网点入会活动", organizer=tree.nanen, default_union=tree.nanen_joint,
        kind=EnrolmentDrive.Kind.DELIVERY_DEPOT, starts_on=timezone.localdate() - timedelta(days=1),
        target_group=Category.COURIER, target_count=40, place="南恩路快递分拨中心",
    )


@pytest.fixture
def yangchun_drive(tree):
    return EnrolmentDrive.objects.create(
        name="春城街道农闲入会活动", organizer=tree.chuncheng, default_union=tree.chuncheng_joint,
        kind=EnrolmentDrive.Kind.FIELDS, starts_on=date(2024, 1, 10),
    )


def entry_url(drive):
    return reverse("drive_entry", args=[drive.pk])


def person(**overrides):
    data = {
        "id_number": WOMAN, "id_type": "居民身份证", "name": "陈小梅", "mobile": "13800138000",
        "gender": "", "birth_date": "", "ethnicity": "汉族", "household_type": "农业户口",
        "is_courier": "on", "is_migrant_worker": "on", "employer": "",
        "joined_on": timezone.localdate().isoformat(), "card_number": "", "notes": "",
    }
    data.update(overrides)
    return data


# Captured before any test patches ``services.enrol`` to stage a race.
_enrol = services.enrol


def enrol_directly(union, number, name="林大海", **extra):
    return _enrol(Member(
        name=name, id_number=number, union=union, joined_on=date(2020, 5, 1),
        gender=parse_document("居民身份证", number).gender, **extra,
    ))


# --- Who may use it ----------------------------------------------------------------------


def test_anonymous_goes_to_login(client, drive):
    response = client.get(entry_url(drive))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_clerk_of_another_county_gets_404(client, people, drive):
    client.force_login(people.yangchun_clerk)
    assert client.get(entry_url(drive)).status_code == 404
    assert client.post(entry_url(drive), person()).status_code == 404
    assert not Member.objects.exists()


def test_viewer_gets_403(client, people, drive):
    client.force_login(people.jiangcheng_viewer)
    assert client.get(entry_url(drive)).status_code == 403
    assert client.post(entry_url(drive), person()).status_code == 403
    assert client.get(reverse("member_check_id"), {"id_number": WOMAN}).status_code == 403


def test_page_shows_union_and_presets(client, people, drive, tree):
    client.force_login(people.jiangcheng_clerk)
    response = client.get(entry_url(drive))
    assert response.status_code == 200
    html = response.content.decode()
    assert tree.nanen_joint.name in html
    form = response.context["form"]
    # The drive's target group is pre-ticked, the join date is today, 汉族 by default.
    assert form["is_courier"].value() is True
    assert form["is_truck_driver"].value() is False
    assert form["joined_on"].value() == timezone.localdate()
    assert form["ethnicity"].value() == "汉族"
    assert "union" not in form.fields  # shown, not editable
    # The ID number comes first and has the focus.
    assert list(form.fields)[0] == "id_number"
    assert 'autofocus' in str(form["id_number"])
    # No inline scripts: the CSP allows only files from /static/.
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_drive_of_a_town_without_default_union_cannot_take_entries(client, people, tree):
    drive = EnrolmentDrive.objects.create(
        name="无默认工会", organizer=tree.nanen, kind=EnrolmentDrive.Kind.OTHER,
        starts_on=date(2024, 3, 1),
    )
    client.force_login(people.jiangcheng_clerk)
    response = client.get(entry_url(drive))
    assert response.status_code == 200
    assert "form" not in response.context
    assert client.post(entry_url(drive), person()).status_code == 200
    assert not Member.objects.exists()


def test_industry_federation_organizer_is_the_union(client, people, tree):
    drive = EnrolmentDrive.objects.create(
        name="货车司机入会", organizer=tree.trucks, kind=EnrolmentDrive.Kind.OTHER,
        starts_on=date(2024, 3, 1), target_group=Category.TRUCK_DRIVER,
    )
    client.force_login(people.city_admin)
    response = client.post(entry_url(drive), person(is_courier="", is_truck_driver="on"))
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.union == tree.trucks
    assert member.is_truck_driver and not member.is_courier


# --- Saving --------------------------------------------------------------------------------


def test_post_enrols_with_join_event_and_drive(client, people, drive, tree):
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person(id_number=WOMAN.lower().replace("4", "４", 1)))
    assert response.status_code == 302
    assert response["Location"] == entry_url(drive)

    member = Member.objects.get()
    assert member.id_number == WOMAN  # normalised
    assert member.union == tree.nanen_joint
    assert member.drive == drive
    assert member.birth_date == date(1990, 3, 7)  # filled from the ID number
    assert member.gender == "女"
    assert member.is_courier and member.is_migrant_worker
    assert member.created_by == people.jiangcheng_clerk
    event = MembershipEvent.objects.get(member=member)
    assert event.kind == MembershipEvent.Kind.JOIN
    assert event.union == tree.nanen_joint
    assert event.date == timezone.localdate()
    assert event.recorded_by == people.jiangcheng_clerk

    # The running list shows them, newest first, with an edit link.
    page = client.get(entry_url(drive))
    assert page.context["recent"] == [member]
    assert reverse("drive_entry_edit", args=[drive.pk, member.pk]) in page.content.decode()


def test_fetch_save_answers_json_with_the_new_row(client, people, drive):
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person(), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["enrolled"] == 1
    member = Member.objects.get()
    assert f'data-member="{member.pk}"' in data["row"]
    assert "陈小梅" in data["row"]


def test_fetch_save_reports_field_errors(client, people, drive):
    client.force_login(people.jiangcheng_clerk)
    bad = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    response = client.post(
        entry_url(drive), person(id_number=bad, name=""), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "name" in errors
    with pytest.raises(Exception) as raised:
        parse_document("居民身份证", bad)
    assert errors["id_number"] == raised.value.messages
    # One error, on the number: no "enter the gender" that the valid number would fill.
    assert set(errors) == {"id_number", "name"}
    assert errors["name"] == ["请填写姓名。"]
    assert not Member.objects.exists()


def test_finding_every_empty_required_field_gets_the_apps_own_message(client, people, drive):
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person(id_number="", name="", joined_on=""),
                           HTTP_ACCEPT="application/json")
    assert response.json()["errors"] == {
        "id_number": ["请填写证件号码。"], "name": ["请填写姓名。"], "joined_on": ["请填写入会时间。"],
    }
    # The page asks for no browser bubbles (novalidate), and each error is tied to its
    # field for screen readers.
    page = client.post(entry_url(drive), person(name=""))
    html = page.content.decode()
    assert re.search(r'<form id="entry-form"[^>]*\bnovalidate\b', html)
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in name_input
    assert 'aria-describedby="errors-name"' in name_input
    assert html.count("请填写姓名。") == 2  # the error, and the script's copy for an empty field
    assert re.search(r'<ul class="errors" id="errors-name"><li>请填写姓名。</li></ul>', html)


def test_finding_future_birth_date_is_not_reported_as_under_16(client, people, drive):
    """A passport holder's birth date typed a year ahead: one error, on the birth date,
    not also 未满 16 周岁 on the join date."""
    client.force_login(people.jiangcheng_clerk)
    future = (timezone.localdate() + timedelta(days=400)).isoformat()
    response = client.post(entry_url(drive), person(
        id_type="护照", id_number="E12345678", gender="女", birth_date=future,
    ), HTTP_ACCEPT="application/json")
    assert response.json()["errors"] == {"birth_date": ["出生日期晚于今天。"]}


def test_dates_are_typed_as_one_box_in_several_forms(client, people, drive):
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person(
        id_type="护照", id_number="E12345678", gender="女", birth_date="19900307",
    ), HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True
    assert Member.objects.get().birth_date == date(1990, 3, 7)


def test_finding_same_entry_sent_twice_is_saved_once(client, people, drive):
    """The entry page keeps people in the browser while the network is away and sends
    them again; an answer lost on the way makes it send again too. The same key is the
    same person: answered "saved" with the same row, never a second member (nor the
    duplicate error a second save would meet)."""
    client.force_login(people.jiangcheng_clerk)
    key = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    first = client.post(entry_url(drive), person(entry_key=key), HTTP_ACCEPT="application/json")
    again = client.post(entry_url(drive), person(entry_key=key), HTTP_ACCEPT="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["row"] == again.json()["row"]
    assert again.json()["enrolled"] == 1
    assert Member.objects.count() == 1
    # Another key with the same person is another entry: the duplicate is reported.
    other = client.post(entry_url(drive), person(entry_key="2b4e28ba-2fa1-41d2-883f-0016d3cca427"),
                        HTTP_ACCEPT="application/json")
    assert other.status_code == 400 and "id_number" in other.json()["errors"]
    # A plain form post (no script) carries a fresh key of its own.
    form = client.get(entry_url(drive)).context["form"]
    assert form["entry_key"].value() and str(form["entry_key"].value()) != key


def test_duplicate_says_where_the_person_is(client, people, drive, tree):
    existing = enrol_directly(tree.factory, WOMAN, name="陈小梅")
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person())
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [
        existing_membership_message(existing, people.jiangcheng_clerk)
    ]
    assert tree.factory.name in response.content.decode()
    assert Member.objects.count() == 1


def test_duplicate_outside_the_area_names_no_union(client, people, drive, tree):
    enrol_directly(tree.chuncheng_joint, WOMAN)
    client.force_login(people.jiangcheng_clerk)
    response = client.post(entry_url(drive), person())
    html = response.content.decode()
    assert tree.chuncheng_joint.name not in html
    message = response.context["form"].errors["id_number"][0]
    assert message == existing_membership_message(Member.objects.get(), people.jiangcheng_clerk)
    assert Member.objects.count() == 1


def test_concurrent_duplicate_shows_message_not_500(client, people, drive, tree):
    """Another clerk commits the same person between this form's check and its insert:
    the unique constraint fires, and the page re-validates and names the person."""
    real_is_valid = DriveEntryForm.is_valid

    def valid_then_other_clerk_wins(form):
        valid = real_is_valid(form)
        enrol_directly(tree.nanen_joint, form.cleaned_data["id_number"], name="陈小梅")
        return valid

    client.force_login(people.jiangcheng_clerk)
    with mock.patch.object(DriveEntryForm, "is_valid", valid_then_other_clerk_wins):
        response = client.post(entry_url(drive), person(), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["id_number"] == [
        existing_membership_message(Member.objects.get(), people.jiangcheng_clerk)
    ]
    assert Member.objects.count() == 1


def test_employer_choices_are_the_unions_employers(client, people, drive, tree):
    division = Division.objects.get(code="441702001")
    covered = Employer.objects.create(name="顺丰南恩网点", division=division, union=tree.nanen_joint)
    Employer.objects.create(name="华力五金", division=division, union=tree.factory)
    client.force_login(people.jiangcheng_clerk)
    form = client.get(entry_url(drive)).context["form"]
    assert list(form.fields["employer"].queryset) == [covered]
    response = client.post(entry_url(drive), person(employer=covered.pk))
    assert response.status_code == 302
    assert Member.objects.get().employer == covered


# --- Correcting the last entries ---------------------------------------------------------


def test_edit_entry_saves_plainly(client, people, drive, tree):
    client.force_login(people.jiangcheng_clerk)
    client.post(entry_url(drive), person())
    member = Member.objects.get()
    url = reverse("drive_entry_edit", args=[drive.pk, member.pk])
    form = client.get(url).context["form"]
    assert form["name"].value() == "陈小梅"
    response = client.post(url, person(name="陈晓梅", mobile="13912345678"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "陈晓梅" and member.mobile == "13912345678"
    # A correction is not a second join.
    assert MembershipEvent.objects.filter(member=member).count() == 1
    # A mistyped join date is corrected together with the join event.
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(url, person(name="陈晓梅", mobile="13912345678",
                                       joined_on=yesterday.isoformat()))
    assert response.status_code == 302
    assert MembershipEvent.objects.get(member=member).date == yesterday


def test_edit_only_members_of_this_drive(client, people, drive, yangchun_drive, tree):
    other = enrol_directly(tree.nanen_joint, MAN)  # visible, but not entered at this drive
    client.force_login(people.jiangcheng_clerk)
    assert client.get(reverse("drive_entry_edit", args=[drive.pk, other.pk])).status_code == 404
    # A drive outside the clerk's area: 404 whatever the member.
    other.drive = yangchun_drive
    other.save()
    assert client.get(
        reverse("drive_entry_edit", args=[yangchun_drive.pk, other.pk])
    ).status_code == 404


# --- The live ID check -------------------------------------------------------------------


def test_check_id_valid(client, people):
    client.force_login(people.jiangcheng_clerk)
    response = client.get(reverse("member_check_id"), {"id_number": WOMAN[:17] + WOMAN[17].lower()})
    assert response.json() == {
        "ok": True, "number": WOMAN, "birth_date": "1990-03-07", "gender": "女", "duplicate": "",
    }


def test_check_id_wrong_check_character(client, people):
    client.force_login(people.jiangcheng_clerk)
    bad = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    data = client.get(reverse("member_check_id"), {"id_number": bad}).json()
    assert data["ok"] is False
    with pytest.raises(Exception) as raised:
        parse_document("居民身份证", bad)
    assert data["error"] == " ".join(raised.value.messages)
    # A mistyped number, not a hint to change the last character (issue 18).
    assert not any(character in data["error"] for character in "0123456789X")


def test_check_id_duplicate_is_scoped(client, people, tree):
    existing = enrol_directly(tree.chuncheng_joint, MAN)
    client.force_login(people.yangchun_clerk)
    inside = client.get(reverse("member_check_id"), {"id_number": MAN}).json()
    assert inside["duplicate"] == existing_membership_message(existing, people.yangchun_clerk)
    assert tree.chuncheng_joint.name in inside["duplicate"]
    client.force_login(people.jiangcheng_clerk)
    outside = client.get(reverse("member_check_id"), {"id_number": MAN}).json()
    assert outside["duplicate"]
    assert tree.chuncheng_joint.name not in outside["duplicate"]
    # Correcting that very person is not a duplicate of themselves.
    client.force_login(people.yangchun_clerk)
    itself = client.get(
        reverse("member_check_id"), {"id_number": MAN, "exclude": existing.pk}
    ).json()
    assert itself["duplicate"] == ""


def test_save_is_cheap(client, people, drive, django_assert_max_num_queries):
    client.force_login(people.jiangcheng_clerk)
    client.post(entry_url(drive), person(id_number=MAN, name="林大海", is_courier=""),
                HTTP_ACCEPT="application/json")
    # A fixed cost, whatever the size of the register: session, user, grant and its
    # union, drive, its union, the grant's division (employer scope), the duplicate check
    # (unique index), insert + history row, last event + join event, the drive's count
    # (drive index), session save, and the entry key's receipt (looked up, written) — 20
    # with savepoints.
    with django_assert_max_num_queries(20):
        response = client.post(entry_url(drive), person(), HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True


# --- Two clerks at once (PostgreSQL) -----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clerks_save_the_same_person_at_once(people, drive):
    """Both forms pass validation before either inserts (the barrier makes sure of it);
    the database lets exactly one in, and the other clerk gets the message."""
    from django.test import Client

    barrier = threading.Barrier(2, timeout=20)
    real_enrol = services.enrol

    def enrol_together(member, *, user=None):
        barrier.wait()
        return real_enrol(member, user=user)

    results = [None, None]

    def clerk(index, user):
        try:
            browser = Client()
            browser.force_login(user)
            results[index] = browser.post(entry_url(drive), person(), HTTP_ACCEPT="application/json")
        finally:
            connection.close()

    user_a = people.jiangcheng_clerk
    user_b = people.city_admin
    with mock.patch("members.views.services.enrol", side_effect=enrol_together):
        threads = [threading.Thread(target=clerk, args=(i, u)) for i, u in enumerate([user_a, user_b])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert Member.objects.count() == 1
    statuses = sorted(response.status_code for response in results)
    assert statuses == [200, 400]
    loser = next(r for r in results if r.status_code == 400)
    assert "id_number" in loser.json()["errors"]


# --- In a real browser -------------------------------------------------------------------
#
# These wait for states the page reaches (a row in the list, a value, a focus), never for
# a time: a busy machine makes them slower, not red.

QUEUE = "unionreg.queue.entry"


def log_in(page, username, next_url):
    from playwright.sync_api import expect

    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#id_id_number")).to_be_focused()  # autofocus: typing starts at once
    entry_ready(page)


def entry_ready(page):
    """Wait until entry.js has set up the page. The autofocus comes before the script
    runs (it is deferred), so keys typed at once could miss its handlers: that made the
    keyboard test fail now and then on a busy machine."""
    from playwright.sync_api import expect

    expect(page.locator("#entry-form")).to_have_attribute("data-ready", "1")


def queued(page):
    return page.evaluate(
        "key => (JSON.parse(localStorage.getItem(key)) || {items: []}).items.length", QUEUE)


def type_person(page, number, name, mobile):
    """ID, Tab, name, Tab, mobile, Enter: a person of the drive's preset category."""
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(mobile)
    page.keyboard.press("Enter")


def test_clerk_enters_people_with_the_keyboard(page, screenshot, console_errors, people, drive, tree):
    from playwright.sync_api import expect

    log_in(page, "jiangcheng_clerk", entry_url(drive))
    id_field = page.locator("#id_id_number")

    # Typing the ID fills birth date and gender before anything is submitted.
    page.keyboard.type(WOMAN)
    expect(page.locator("#id-check")).to_have_class(re.compile(r"\bgood\b"))
    expect(page.locator("#id_birth_date")).to_have_value("1990-03-07")
    expect(page.locator("#id_gender")).to_have_value("女")
    page.keyboard.press("Tab")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("陈小梅")
    page.keyboard.press("Tab")
    page.keyboard.type("13800138000")
    # Another category than the drive's preset (快递员, key 3): Tab, 3 unticks it, 2
    # ticks 货车司机; birth date and gender (filled from the number) are not Tab stops.
    page.keyboard.press("Tab")
    expect(page.locator("#id_is_migrant_worker")).to_be_focused()
    page.keyboard.press("3")
    page.keyboard.press("2")
    expect(page.locator("#id_is_courier")).not_to_be_checked()
    expect(page.locator("#id_is_truck_driver")).to_be_checked()
    page.keyboard.press("Enter")

    first_row = page.locator("#recent-list li").first
    expect(first_row).to_contain_text("陈小梅")
    expect(page.locator("#enrolled-count")).to_have_text("1")
    expect(id_field).to_be_focused()
    expect(id_field).to_have_value("")
    expect(page.locator("#id_birth_date")).to_have_value("")
    expect(page.locator("#id_is_courier")).to_be_checked()  # the preset is back for the next one
    member = Member.objects.get()
    assert member.drive == drive and member.union == tree.nanen_joint
    assert member.is_truck_driver and not member.is_courier
    expect(first_row.locator("a.edit")).to_have_attribute(
        "href", reverse("drive_entry_edit", args=[drive.pk, member.pk]))

    # From the categories, Tab passes the birth date and gender a resident ID fills.
    page.locator("#id_is_migrant_worker").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#id_ethnicity")).to_be_focused()

    # A correction from the running list: Esc, Enter.
    id_field.focus()
    page.keyboard.press("Escape")
    expect(first_row.locator("a.edit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(reverse("drive_entry_edit", args=[drive.pk, member.pk]) + "$"))
    expect(page.locator("#id_name")).to_have_value("陈小梅")
    entry_ready(page)
    expect(page.locator("#id-check")).to_contain_text("✓")  # the stored number, checked on arrival
    assert console_errors == []


def test_errors_are_one_message_each_tied_to_the_field(page, console_errors, people, drive, tree):
    from playwright.sync_api import expect

    enrol_directly(tree.nanen_joint, WOMAN, name="陈小梅")
    log_in(page, "jiangcheng_clerk", entry_url(drive))
    id_field = page.locator("#id_id_number")
    errors = page.locator("#errors-id_number")

    # The same person again: said while the ID is typed, on the number, before any save.
    page.keyboard.type(WOMAN)
    expect(errors).to_have_text(existing_membership_message(Member.objects.get(), people.jiangcheng_clerk))
    expect(id_field).to_have_attribute("aria-invalid", "true")

    # A wrong check character: a mistyped number, once, on the number; nothing on gender.
    id_field.fill("")
    bad = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    page.keyboard.type(bad)
    expected = " ".join(pytest.raises(Exception, parse_document, "居民身份证", bad).value.messages)
    expect(errors).to_have_text(expected)
    expect(page.locator("#id_birth_date")).to_have_value("")
    page.keyboard.press("Enter")  # saving anyway: the empty name is named too, nothing sent
    expect(page.locator("#entry-status")).to_have_class(re.compile(r"\bfailed\b"))
    expect(page.locator("#errors-name")).to_have_text("请填写姓名。")
    assert page.locator("body").inner_text().count(expected) == 1
    expect(page.locator("#errors-gender")).to_have_text("")
    expect(id_field).to_be_focused()  # the first field in error
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    assert "errors-name" in page.locator("#id_name").get_attribute("aria-describedby")
    # Only the ID's list is a live region (typed with the focus there); the others are
    # read once, as the description of the field that takes the focus.
    assert page.locator("#errors-name").get_attribute("aria-live") is None
    assert Member.objects.count() == 1
    assert console_errors == []


def test_save_button_and_phone_layout(page, screenshot, people, drive, tree):
    from playwright.sync_api import expect

    for index in range(3):  # a running list and a waiting QR page make the page longer
        enrol_directly(tree.nanen_joint, rid(f"4417021990030{index + 1}024"), name=f"林{index}", drive=drive)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "jiangcheng_clerk", entry_url(drive))
    page.locator("#qr-open").click()
    expect(page.locator("#qr-link")).to_be_visible()
    save = page.locator("#entry-save").bounding_box()
    assert save["y"] >= 0 and save["y"] + save["height"] <= 768, save

    screenshot(page, "drive-entry-1366x768")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    id_box = page.locator("#id_id_number").bounding_box()
    assert id_box["y"] + id_box["height"] <= 844 * 0.6, id_box  # well above the fold
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.entry-card input:not([type=hidden]):not([type=checkbox]), .entry-card select, .entry-card button,'
        + ' .entry-card label.check, .side a, .side button'))
      .filter(el => el.offsetParent !== null)
      .map(el => { const r = el.getBoundingClientRect();
                   return [el.id || el.textContent.trim().slice(0, 12), r.width, r.height]; })
      .filter(([name, width, height]) => height < 44 || width < 44)""")
    screenshot(page, "drive-entry-phone")
    # The QR page's address is a line of text to copy, not a button: it is left out.
    assert [item for item in small if not item[0].startswith("qr-link")] == []


def test_entries_survive_a_lost_signal(page, screenshot, console_errors, people, drive):
    from playwright.sync_api import expect

    log_in(page, "jiangcheng_clerk", entry_url(drive))
    numbers = [rid(f"4417021990030{index + 1}024") for index in range(5)]
    page.context.set_offline(True)
    for index, number in enumerate(numbers):
        type_person(page, number, f"王{index}", f"1380013800{index}")
        page.wait_for_function(
            "([key, n]) => (JSON.parse(localStorage.getItem(key)) || {items: []}).items.length === n",
            arg=[QUEUE, index + 1])
        expect(page.locator("#id_id_number")).to_have_value("")
    expect(page.locator("#queue-text")).to_have_text("没有网络：5 人暂存在本浏览器，联网后自动发送。")
    screenshot(page, "drive-entry-offline-queue")
    kept = page.evaluate("key => localStorage.getItem(key)", QUEUE)
    assert Member.objects.count() == 0

    page.context.set_offline(False)  # the browser's "online" event sends the queue
    expect(page.locator("#recent-list li")).to_have_count(5)
    expect(page.locator("#queue")).to_be_hidden()
    assert queued(page) == 0
    assert Member.objects.count() == 5
    assert sorted(Member.objects.values_list("id_number", flat=True)) == sorted(numbers)

    # The same five sent again (an answer lost on the way): still five.
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [QUEUE, kept])
    page.reload()
    entry_ready(page)
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=QUEUE)
    expect(page.locator("#recent-list li")).to_have_count(5)
    expect(page.locator("#enrolled-count")).to_have_text("5")
    assert Member.objects.count() == 5
    # Only the failed fetches of the offline minutes, nothing else.
    assert [error for error in console_errors if "ERR_INTERNET_DISCONNECTED" not in error] == []


def test_queue_belongs_to_the_clerk(page, people, drive):
    from playwright.sync_api import expect

    log_in(page, "jiangcheng_clerk", entry_url(drive))
    # A signal that carries pages but loses every save (so nothing is sent behind the
    # test's back when it comes back, as the entry page would).
    page.route(f"**{entry_url(drive)}", lambda route: route.abort("internetdisconnected")
               if route.request.method == "POST" else route.continue_())
    type_person(page, MAN, "林大海", "13912345678")
    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=QUEUE)

    # Logging out with an entry unsent: it is tried, then shown, and the clerk stays.
    page.locator("form.logout button").click()
    expect(page.locator("#queue-logout-notice")).to_contain_text("还有 1 条记录因无网络未能发送")
    expect(page.locator("form.logout .username")).to_have_text("jiangcheng_clerk")

    # Another user signs in on this browser: the first clerk's entry is gone, unsent.
    page.goto("/accounts/login/")
    page.fill("#id_username", "city_admin")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".username")).to_have_text("city_admin")
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=QUEUE)
    assert not Member.objects.exists()
