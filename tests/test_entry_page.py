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
from members.forms import existing_membership_message
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
    assert not Member.objects.exists()


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
    real_enrol = services.enrol

    def other_clerk_wins(member, *, user=None):
        enrol_directly(tree.nanen_joint, member.id_number, name="陈小梅")
        return real_enrol(member, user=user)

    client.force_login(people.jiangcheng_clerk)
    with mock.patch("members.views.services.enrol", side_effect=other_clerk_wins):
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
    assert check_character(WOMAN[:17]) in data["error"]


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
    # (drive index), session save — 18 with savepoints.
    with django_assert_max_num_queries(18):
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


def test_clerk_enters_people_with_the_keyboard(page, screenshot, console_errors, people, drive, tree):
    from playwright.sync_api import expect

    page.goto(f"/accounts/login/?next={entry_url(drive)}")
    page.fill("#id_username", "jiangcheng_clerk")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(drive.name)

    id_field = page.locator("#id_id_number")
    expect(id_field).to_be_focused()  # autofocus: the clerk starts typing at once

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
    page.keyboard.press("Enter")

    first_row = page.locator("#recent-list li").first
    expect(first_row).to_contain_text("陈小梅")
    expect(page.locator("#enrolled-count")).to_have_text("1")
    expect(id_field).to_be_focused()
    expect(id_field).to_have_value("")
    expect(page.locator("#id_name")).to_have_value("")
    expect(page.locator("#id_birth_date")).to_have_value("")
    expect(page.locator("#id_is_courier")).to_be_checked()  # the preset stays for the next one
    member = Member.objects.get()
    assert member.drive == drive and member.union == tree.nanen_joint
    expect(first_row.locator("a.edit")).to_have_attribute(
        "href", reverse("drive_entry_edit", args=[drive.pk, member.pk])
    )

    # The same person again: the warning shows while the ID is typed, before any save.
    page.keyboard.type(WOMAN)
    duplicate = page.locator("#id-check")
    expect(duplicate).to_have_class(re.compile(r"\bduplicate\b"))
    expect(duplicate).to_have_text(existing_membership_message(member, people.jiangcheng_clerk))
    assert Member.objects.count() == 1

    # A mistyped check character is named at once.
    id_field.fill("")
    bad = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    page.keyboard.type(bad)
    try:
        parse_document("居民身份证", bad)
    except Exception as error:
        expected = " ".join(error.messages)
    expect(page.locator("#id-check")).to_have_text(expected)
    expect(page.locator("#id-check")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#id_birth_date")).to_have_value("")  # no longer from a valid number
    screenshot(page, "drive-entry-landscape")

    # Portrait tablet: one column, the form first.
    page.set_viewport_size({"width": 768, "height": 1024})
    form_box = page.locator(".entry-card").bounding_box()
    list_box = page.locator(".recent-card").bounding_box()
    assert list_box["y"] >= form_box["y"] + form_box["height"]
    screenshot(page, "drive-entry-portrait")
    assert console_errors == []
