"""Self-enrolment by QR code (issue 18): a drive's public page where workers enter
their own details on their phones, and the clerk who confirms each one against the ID
card. Client tests check the rules (who opens and closes the page, when it refuses,
the throttle, the consent, the same answer for everyone, nothing enrolled without a
clerk); browser tests go through it on a phone and at the clerk's table, waiting for
states, never for time."""

import ipaddress
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members.forms import existing_membership_message
from members.identity import check_character
from members.models import (
    Application, Category, EnrolmentDrive, Member, SelfEnrolment, SelfEnrolmentSubmission,
)
from members.services import self_enrolment
from tests.test_entry_page import enrol_directly, entry_ready, log_in

NUL = "\x00"


def rid(first17):
    return first17 + check_character(first17)


WORKER = rid("44170219920611033")  # a man born 1992-06-11
OTHER = rid("44170219880203046")  # a woman born 1988-02-03


@pytest.fixture
def drive(tree):
    return EnrolmentDrive.objects.create(
        name="南恩工业园入会活动", organizer=tree.nanen, default_union=tree.nanen_joint,
        kind=EnrolmentDrive.Kind.INDUSTRIAL_PARK, starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=5), target_group=Category.MIGRANT_WORKER,
    )


@pytest.fixture
def qr_page(drive):
    return self_enrolment.open_page(drive)


def join_url(page):
    return reverse("self_enrolment", args=[page.token])


def worker(**overrides):
    data = {"id_type": "居民身份证", "id_number": WORKER, "name": "黄建国", "mobile": "13712345678",
            "ethnicity": "汉族", "household_type": "农业户口", "is_migrant_worker": "on",
            "consent": "on"}
    data.update(overrides)
    return data


def send(client, page, address="10.1.2.3", **overrides):
    return client.post(join_url(page), worker(**overrides), HTTP_ACCEPT="application/json",
                       REMOTE_ADDR=address)


# --- Opening, closing, refusing ---------------------------------------------------------------


def test_clerk_opens_and_closes_the_page(client, people, drive):
    url = reverse("drive_qr", args=[drive.pk])
    for name, status in (("jiangcheng_viewer", 403), ("yangchun_clerk", 404)):
        client.force_login(getattr(people, name))
        assert client.post(url, {"action": "open"}).status_code == status
    assert not SelfEnrolment.objects.exists()

    client.force_login(people.jiangcheng_clerk)
    assert client.post(url, {"action": "open"}).status_code == 302
    page = SelfEnrolment.objects.get(drive=drive)
    html = client.get(reverse("drive_entry", args=[drive.pk])).content.decode()
    link = f"http://testserver{join_url(page)}"
    assert f'<a id="qr-link" href="{link}">{link}</a>' in html
    assert "<svg" in html  # drawn here, no outside service
    assert client.get(join_url(page)).status_code == 200

    client.post(url, {"action": "close"})
    assert client.get(join_url(page)).status_code == 410
    assert "本次活动的扫码登记已由工作人员关闭。" in client.get(
        reverse("drive_entry", args=[drive.pk])).content.decode()
    client.post(url, {"action": "open"})  # opened again: the same address works again
    assert client.get(join_url(page)).status_code == 200


def test_finding_closed_page_refuses(client, drive, qr_page):
    """Closed when the drive has ended; a drive without an end date after 30 days
    without a submission. Closed means nothing is filed."""
    drive.starts_on = drive.ends_on = timezone.localdate() - timedelta(days=1)
    drive.save()
    response = client.get(join_url(qr_page))
    assert response.status_code == 410 and "本次入会活动已结束。" in response.content.decode()
    assert send(client, qr_page).status_code == 410
    assert send(client, qr_page).json() == {"ok": False, "message": "本次入会活动已结束。"}

    drive.ends_on = None
    drive.save()
    assert send(client, qr_page).status_code == 200  # open again: no end date
    qr_page.refresh_from_db()
    SelfEnrolment.objects.filter(pk=qr_page.pk).update(
        last_submission_at=timezone.now() - timedelta(days=31))
    response = send(client, qr_page, id_number=OTHER, name="林秀英")
    assert response.status_code == 410
    assert response.json()["message"] == "连续 30 天无人提交，扫码登记已关闭。"
    assert Application.objects.count() == 1


def test_unknown_address_is_404(client, db):
    assert client.get(reverse("self_enrolment", args=["nosuchpage"])).status_code == 404


# --- What the worker sends ----------------------------------------------------------------------


def test_consent_is_required_and_kept_with_the_submission(client, drive, qr_page):
    refused = send(client, qr_page, consent="")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"consent": ["请阅读告知并勾选同意；未同意不会提交任何信息。"]}
    assert not Application.objects.exists()

    assert send(client, qr_page).json() == {
        "ok": True, "message": "已收到。请携带身份证到现场工作人员处核对，完成入会。"}
    application = Application.objects.get()
    assert application.source == Application.Source.QR
    assert application.drive == drive and application.union == drive.default_union
    assert application.state == Application.State.PENDING
    assert application.consent_notice == self_enrolment.NOTICE_VERSION
    assert application.consented_at is not None
    # Birth date and gender come from the number, as on the clerk's page.
    assert application.gender == "男" and application.birth_date.isoformat() == "1992-06-11"
    assert not Member.objects.exists()  # nothing becomes a member without a clerk


def test_finding_same_answer_for_a_registered_and_an_unregistered_id(client, tree, drive, qr_page):
    """Nothing on the public page tells whether a number is registered or has applied:
    not the answer to a submission, not the live check."""
    enrol_directly(tree.factory, OTHER, name="林秀英")
    registered = send(client, qr_page, id_number=OTHER, name="林秀英")
    new = send(client, qr_page, id_number=WORKER)
    again = send(client, qr_page, id_number=WORKER)  # applied already
    assert registered.status_code == new.status_code == again.status_code == 200
    assert registered.content == new.content == again.content
    check = reverse("self_enrolment_check", args=[qr_page.token])
    answers = [client.get(check, {"id_number": number}).json() for number in (OTHER, WORKER)]
    assert set(answers[0]) == set(answers[1]) == {"ok", "birth_date", "gender"}
    # Plain form posts: the same redirect for both.
    plain = [client.post(join_url(qr_page), worker(id_number=number), REMOTE_ADDR="10.9.9.9")
             for number in (OTHER, WORKER)]
    assert plain[0]["Location"] == plain[1]["Location"] == join_url(qr_page) + "?sent=1"
    # The clerk is told, and only the clerk.
    assert Application.objects.filter(id_number=OTHER).exists()


def test_wrong_check_character_is_a_mistyped_number_on_the_phone_too(client, qr_page):
    bad = WORKER[:17] + ("0" if WORKER[17] != "0" else "1")
    response = send(client, qr_page, id_number=bad)
    assert response.json()["errors"] == {
        "id_number": ["号码校验不符，有一位输错了。请对照证件重新核对整个号码。"]}


def test_finding_throttled_per_address_and_per_drive(client, drive, qr_page):
    numbers = [rid(f"4417021990010{day}015") for day in range(1, 8)]
    with override_settings(QR_LIMIT_PER_ADDRESS=3, QR_LIMIT_PER_DRIVE=5):
        for number in numbers[:3]:
            assert send(client, qr_page, id_number=number).status_code == 200
        refused = send(client, qr_page, id_number=numbers[3])
        assert refused.status_code == 429
        assert refused.json()["message"] == "此网络提交次数过多，请稍后再试，或直接到现场工作人员处登记。"
        # Another address still gets through, until the drive's own limit.
        assert send(client, qr_page, address="10.1.2.4", id_number=numbers[3]).status_code == 200
        assert send(client, qr_page, address="10.1.2.5", id_number=numbers[4]).status_code == 200
        refused = send(client, qr_page, address="10.1.2.6", id_number=numbers[5])
        assert refused.status_code == 429 and "本次活动的登记页面提交过多" in refused.json()["message"]
    assert Application.objects.count() == 5
    # The address is counted, not kept.
    assert not SelfEnrolmentSubmission.objects.filter(address_hash__contains="10.1").exists()
    # After the window, the address may send again.
    SelfEnrolmentSubmission.objects.update(at=timezone.now() - timedelta(hours=2))
    with override_settings(QR_LIMIT_PER_ADDRESS=3, QR_LIMIT_PER_DRIVE=5):
        assert send(client, qr_page, id_number=numbers[6]).status_code == 200


def test_throttle_counts_the_client_behind_a_trusted_proxy(client, qr_page):
    numbers = [rid(f"4417021990020{day}015") for day in range(1, 4)]
    with override_settings(QR_LIMIT_PER_ADDRESS=1, TRUSTED_PROXIES=[ipaddress.ip_network("127.0.0.1/32")]):
        for index, number in enumerate(numbers[:2]):
            response = client.post(join_url(qr_page), worker(id_number=number),
                                   HTTP_ACCEPT="application/json", REMOTE_ADDR="127.0.0.1",
                                   HTTP_X_FORWARDED_FOR=f"203.0.113.{index + 1}")
            assert response.status_code == 200  # two workers, one proxy
        response = client.post(join_url(qr_page), worker(id_number=numbers[2]),
                               HTTP_ACCEPT="application/json", REMOTE_ADDR="127.0.0.1",
                               HTTP_X_FORWARDED_FOR="203.0.113.1")
        assert response.status_code == 429


def test_public_pages_declare_their_parameters(client, qr_page):
    """The attack suite's guarantees, for an anonymous visitor: declared parameters
    only, a NUL or an over-long value is a 400, nothing answers 500."""
    for url in (join_url(qr_page), reverse("self_enrolment_check", args=[qr_page.token])):
        assert client.get(url).status_code == 200
        assert client.get(url, {"created_by__password__startswith": "p"}).status_code == 400
        for value in ("\x00", "a\x00b", "9" * 10_000):
            for name in ("sent", "id_number", "id_type"):
                assert client.get(url, {name: value}).status_code == 400, (url, name)
    assert client.post(join_url(qr_page), worker(name="黄" + NUL)).status_code == 400


# --- The clerk's side -----------------------------------------------------------------------


def test_clerk_confirms_a_submission_with_the_drive_recorded(client, people, tree, drive, qr_page):
    send(client, qr_page)
    enrol_directly(tree.factory, OTHER, name="林秀英")
    send(client, qr_page, id_number=OTHER, name="林秀英")
    application = Application.objects.get(id_number=WORKER)
    client.force_login(people.jiangcheng_clerk)
    entry = reverse("drive_entry", args=[drive.pk])
    html = client.get(entry).content.decode()
    # Waiting, masked like every list; the one already registered is flagged to the clerk.
    assert "黄建国" in html and WORKER not in html and "****************" in html
    registered = Member.objects.get(id_number=OTHER)
    assert escape(existing_membership_message(registered, people.jiangcheng_clerk)) in html
    assert f'href="?application={application.pk}"' in html

    form = client.get(entry, {"application": application.pk}).context["form"]
    assert form["id_number"].value() == WORKER and form["name"].value() == "黄建国"
    assert form["is_migrant_worker"].value() is True
    data = {name: form[name].value() or "" for name in (
        "id_type", "id_number", "name", "mobile", "gender", "ethnicity", "household_type",
        "joined_on", "entry_key", "application")}
    data["birth_date"] = "1992-06-11"
    data["joined_on"] = timezone.localdate().isoformat()
    data["is_migrant_worker"] = "on"
    response = client.post(entry, data, HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True, response.json()
    member = Member.objects.get(id_number=WORKER)
    assert member.drive == drive and member.union == tree.nanen_joint
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.member == member and application.reviewed_by == people.jiangcheng_clerk
    # Confirmed once: the same submission cannot be confirmed again.
    assert client.get(entry, {"application": application.pk}).status_code == 404


def test_another_clerk_area_cannot_see_the_submissions(client, people, drive, qr_page):
    send(client, qr_page)
    application = Application.objects.get()
    client.force_login(people.yangchun_clerk)
    assert client.get(reverse("drive_entry", args=[drive.pk]),
                      {"application": application.pk}).status_code == 404


# --- In a real browser ------------------------------------------------------------------------


@pytest.fixture
def phone(browser, live_server, page):
    """A worker's phone: 390×844, touch, no login (``page`` is the clerk's browser)."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def open_on_phone(phone, page):
    from playwright.sync_api import expect

    phone.goto(join_url(page))
    # The script is deferred: wait until its handlers are in place before typing.
    expect(phone.locator("#join-form")).to_have_attribute("data-ready", "1")


def fill_in(phone, number, name):
    from playwright.sync_api import expect

    phone.locator("#id_id_number").fill(number)
    expect(phone.locator("#id-check")).to_contain_text("✓")
    phone.locator("#id_name").fill(name)
    phone.locator("#id_mobile").fill("13712345678")
    phone.locator("#id_consent").check()
    phone.locator("#join-send").click()


def test_qr_page_on_a_phone_end_to_end(page, phone, screenshot, people, drive, qr_page):
    from playwright.sync_api import expect

    open_on_phone(phone, qr_page)
    id_box = phone.locator("#id_id_number").bounding_box()
    assert id_box["y"] + id_box["height"] <= 844  # above the fold
    # Without consent nothing is sent; the app's own message says why.
    phone.locator("#id_id_number").fill(WORKER)
    phone.locator("#id_name").fill("黄建国")
    phone.locator("#join-send").click()
    expect(phone.locator("#errors-consent")).to_have_text("请阅读告知并勾选同意；未同意不会提交任何信息。")
    assert not Application.objects.exists()
    phone.locator("#id_consent").check()
    expect(phone.locator("#errors-consent")).to_have_text("")
    phone.locator("#join-send").click()
    expect(phone.locator("#join-sent")).to_have_text("已收到。请携带身份证到现场工作人员处核对，完成入会。")
    expect(phone.locator("#join-form")).to_be_hidden()  # nothing left to send twice
    screenshot(phone, "qr-page-phone")
    assert not Member.objects.exists()

    # The clerk: the submission waits on the entry page; one key confirms it.
    log_in(page, "jiangcheng_clerk", reverse("drive_entry", args=[drive.pk]))
    row = page.locator("#qr-waiting li")
    expect(row).to_contain_text("黄建国")
    row.locator("a.confirm").click()
    expect(page.locator("#confirming")).to_contain_text("黄建国")
    entry_ready(page)
    expect(page.locator("#id_id_number")).to_have_value(WORKER)
    expect(page.locator("#id_id_number")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#recent-list li").first).to_contain_text("黄建国")
    expect(page.locator("#qr-waiting")).to_have_count(0)
    member = Member.objects.get()
    assert member.drive == drive and member.is_migrant_worker
    assert Application.objects.get().member == member


def test_qr_page_refuses_when_closed_and_when_throttled(phone, settings, drive, qr_page, tree):
    from playwright.sync_api import expect

    settings.QR_LIMIT_PER_ADDRESS = 2
    enrol_directly(tree.factory, OTHER, name="林秀英")
    answers = []
    for number, name in ((OTHER, "林秀英"), (WORKER, "黄建国")):  # registered, and not
        open_on_phone(phone, qr_page)
        fill_in(phone, number, name)
        expect(phone.locator("#join-sent")).to_be_visible()
        answers.append(phone.locator("#join-sent").inner_text())
    assert answers[0] == answers[1]  # the same answer for both
    open_on_phone(phone, qr_page)
    fill_in(phone, rid("44170219950101015"), "陈三")
    expect(phone.locator("#join-status")).to_have_text(
        "此网络提交次数过多，请稍后再试，或直接到现场工作人员处登记。")
    assert Application.objects.count() == 2

    self_enrolment.close_page(drive)
    phone.goto(join_url(qr_page))
    expect(phone.locator("#join-refusal")).to_have_text("本次活动的扫码登记已由工作人员关闭。")
    expect(phone.locator("#join-form")).to_have_count(0)


def test_qr_page_keeps_the_details_while_offline(phone, screenshot, drive, qr_page):
    from playwright.sync_api import expect

    open_on_phone(phone, qr_page)
    phone.locator("#id_id_number").fill(WORKER)
    expect(phone.locator("#id-check")).to_contain_text("✓")
    phone.context.set_offline(True)
    phone.locator("#id_name").fill("黄建国")
    phone.locator("#id_consent").check()
    phone.locator("#join-send").click()
    expect(phone.locator("#queue")).to_be_visible()
    assert not Application.objects.exists()
    screenshot(phone, "qr-page-phone-offline")
    phone.context.set_offline(False)
    expect(phone.locator("#join-sent")).to_have_text(re.compile("已收到"))
    phone.wait_for_function("() => localStorage.getItem('unionreg.queue.self-enrolment') === null")
    assert Application.objects.get().name == "黄建国"
