"""Issue 15: one personal-data policy (organizations/personal.py) for who sees what,
masks that cannot be reversed, reads logged.

Finding 1: a viewer saw full ID and mobile numbers on the admin's member change and
version pages. Every page, admin page, JSON answer and export a viewer can open is read
here and searched for any full number (the people's known numbers, and any 18-digit
number that passes the GB 11643 check or any 11-digit mobile number).
Finding 2: the mask was reversible. ``tests/candidates.py`` counts the ID numbers that
fit what each page shows a viewer about a person; it must be at least 1,000, and the
search must not tell a viewer whether a number is registered.
Finding 3: reading was not traceable. A person's own page showing full data to a role
that sees it writes one ``PersonalDataRead``; lists mask for every role.
"""

import csv
import io
import json
import re
import shutil
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import Member, PersonalDataRead
from members.spreadsheets.importing import run_import
from members.spreadsheets.writing import error_workbook
from organizations.models import Grant, Role
from organizations.personal import mask_document, mask_mobile
from tests.candidates import Shown, candidate_ids, county_codes, shown_on
from tests.scoped_data import build, resident_id
from tests.test_access_matrix import admin_object, admin_pages, project_urls
from tests.test_settings_env import clean_env, load_settings  # noqa: F401

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JIANGCHENG = "441702"
HOUSEHOLD = "广东省阳江市江城区南恩街道东风路8号"
OLD_MOBILE = "13800138000"
NEW_MOBILE = "13712345678"


@pytest.fixture
def data(tree, people):
    """The scoped data, with a 江城区 member whose mobile and household place were
    corrected: the history page then has a change (old → new) of personal fields."""
    d = build(tree, people)
    for member in Member.objects.all():
        member.clean()  # birth date and gender from the ID number, as every form does
        services.save_correction(member, user=people.superuser)
    d.jc_member.refresh_from_db()
    member = d.jc_member
    member.household_place = HOUSEHOLD
    member.native_place = "广东阳江"
    member.mobile = NEW_MOBILE
    services.save_correction(member, user=people.jiangcheng_clerk)
    d.jc_people = list(Member.objects.filter(union__path__startswith=tree.jiangcheng.path))
    return d


def full_values():
    """Every full personal value the register holds or held (history included)."""
    values = {OLD_MOBILE, HOUSEHOLD}
    for member in Member.objects.all():
        values.update(v for v in (member.id_number, member.mobile, member.household_place) if v)
    values.update(v for v in Member.history.values_list("id_number", flat=True))
    values.update(v for v in Member.history.values_list("mobile", flat=True) if v)
    return values


def body_text(response):
    """What a response shows, as text: spreadsheets are read back cell by cell."""
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    if response.get("Content-Type", "").startswith(XLSX):
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        cells = [cell for sheet in workbook.worksheets
                 for row in sheet.iter_rows(values_only=True) for cell in row]
        return "\n".join(cell.date().isoformat() if hasattr(cell, "date") and callable(cell.date)
                         else str(cell) for cell in cells if cell is not None)
    if response.get("Content-Type", "").startswith("application/json"):
        # As the browser reads it: \uff08 escapes would hide the text around a number.
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode("utf-8", errors="replace")


def _valid_id(number):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(number, weights)) % 11] == number[17]


ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
MOBILE_LIKE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def assert_no_full_numbers(text, where):
    leaked = [value for value in full_values() if value in text]
    assert not leaked, f"{where} shows {leaked}"
    ids = [n for n in ID_LIKE.findall(text) if _valid_id(n)]
    assert not ids, f"{where} shows ID numbers {ids}"
    mobiles = MOBILE_LIKE.findall(text)
    assert not mobiles, f"{where} shows mobile numbers {mobiles}"


def viewer_surfaces(client, data, people, settings):
    """(where, text) of every page, admin page, JSON answer and export the 江城区 viewer
    can open, as a viewer gets them."""
    client.force_login(people.jiangcheng_viewer)
    surfaces = []

    def get(where, url, params=None):
        response = client.get(url, params or {})
        if response.status_code == 200:
            surfaces.append((where, body_text(response)))
        return response

    for route, url, _access in project_urls(data):
        if route.startswith("sheets/template/"):
            continue  # blank templates: their example row (13800138000) is nobody's
        get(f"page {route}", url)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("members", "organizations"):
            continue
        for page, url in admin_pages(model, model_admin, admin_object(model, data, people)).items():
            get(f"admin {model._meta.label} {page}", url)
    member = data.jc_member
    get("page member list, search", reverse("member_list"), {"q": member.name[:1]})
    get("admin member list, search", reverse("admin:members_member_changelist"),
        {"q": member.name[:1]})
    get("admin autocomplete", reverse("admin:autocomplete"), {
        "app_label": "members", "model_name": "transfer", "field_name": "member", "term": "陈"})
    get("export xlsx", reverse("spreadsheets:export_members"))
    get("export csv", reverse("spreadsheets:export_members"), {"format": "csv"})
    # A large export runs in the background worker: the same policy there.
    settings.TASKS = IMMEDIATE
    settings.EXPORT_INLINE_MAX_ROWS = 1
    settings.MEDIA_ROOT = settings.MEDIA_ROOT.parent / "test-media-personal"
    response = client.get(reverse("spreadsheets:export_members"))
    status = client.get(reverse("spreadsheets:export_job_status",
                                kwargs={"pk": response["Location"].rstrip("/").split("/")[-1]}))
    get("background export xlsx", status.json()["download"])
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    return surfaces


# Pages that must show the 江城区 member in some masked form (so the candidate count
# below cannot pass because a page showed nobody).
PERSON_PAGES = (
    "page members/", "page members/<int:pk>/", "admin members.Member changelist",
    "admin members.Member change", "admin members.Member history",
    "admin members.Member version", "export xlsx", "export csv", "background export xlsx",
    "admin autocomplete",
)


def test_finding1_viewer_never_gets_full_numbers(client, data, people, settings):
    surfaces = viewer_surfaces(client, data, people, settings)
    seen = {where for where, _text in surfaces}
    assert set(PERSON_PAGES) <= seen, set(PERSON_PAGES) - seen
    for where, text in surfaces:
        assert_no_full_numbers(text, where)
    # The viewer's own-record pages give the birth year and a masked household place.
    detail = dict(surfaces)["page members/<int:pk>/"]
    assert "1985" in detail and "1985-05-17" not in detail and "广东***" in detail
    change = dict(surfaces)["admin members.Member change"]
    assert data.jc_member.masked_id_number in change and "*******5678" in change
    assert not PersonalDataRead.objects.filter(user=people.jiangcheng_viewer).exists()


def test_finding1_history_changes_are_masked_for_every_role(client, data, people):
    url = reverse("admin:members_member_history", args=[data.jc_member.pk])
    for person in (people.jiangcheng_viewer, people.jiangcheng_clerk, people.superuser):
        client.force_login(person)
        html = client.get(url).content.decode()
        assert mask_mobile(OLD_MOBILE) in html and mask_mobile(NEW_MOBILE) in html, person
        assert OLD_MOBILE not in html and NEW_MOBILE not in html and HOUSEHOLD not in html


def test_finding1_error_workbook_goes_through_the_policy(client, data, people):
    header = ["姓名", "身份证号码", "手机号码", "出生日期", "户籍所在地", "所属工会", "入会日期"]
    number = resident_id("441702", date(1991, 3, 4), 55)
    rows = [["新会员", number, "13612345678", "1991-03-04", HOUSEHOLD, "不存在的工会", "2020-01-01"]]
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = buffer.getvalue()
    result = run_import("members", upload, people.jiangcheng_clerk)
    assert not result.ok
    # The clerk who uploaded the file gets it back as uploaded…
    clerk_text = body_text_of_workbook(error_workbook(upload, result, people.jiangcheng_clerk))
    assert number in clerk_text and "13612345678" in clerk_text
    # …a role that sees masks would get masks (no such role may import today).
    viewer_text = body_text_of_workbook(error_workbook(upload, result, people.jiangcheng_viewer))
    assert number not in viewer_text and "13612345678" not in viewer_text
    assert mask_document(number) in viewer_text and "*******5678" in viewer_text
    assert "1991" in viewer_text and "1991-03-04" not in viewer_text and HOUSEHOLD not in viewer_text
    assert "错误原因" in viewer_text


def body_text_of_workbook(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)


# --- Finding 2: masks that cannot be reversed ----------------------------------------------


def test_finding2_the_old_mask_was_reversible():
    # 4417**********0413 beside the full birth date left a handful of numbers: the
    # counter finds them (and the true one among them).
    number = resident_id("441702", date(1985, 5, 17), 13)
    old = number[:4] + "*" * 10 + number[-4:]
    shown = Shown(mask=old, county=JIANGCHENG, birth_year=1985, gender="男",
                  birth_date=date(1985, 5, 17))
    found = candidate_ids(shown)
    assert number in found and len(found) < 10


def test_finding2_county_codes_include_historic_ones():
    assert county_codes("441702") >= {"441702", "442926", "440726"}
    assert county_codes("441781") >= {"441781", "442927", "440727", "441722", "449027"}
    assert "441701" not in county_codes("441702")  # not a residence unit


def test_finding2_every_page_leaves_1000_candidate_ids(client, data, people, settings):
    surfaces = viewer_surfaces(client, data, people, settings)
    shown_anywhere = set()
    for where, text in surfaces:
        for member in data.jc_people:
            shown = shown_on(text, member, JIANGCHENG)
            if shown is None:
                continue
            shown_anywhere.add(where)
            found = candidate_ids(shown)
            assert member.id_number in found, (where, member.name, shown)
            assert len(found) >= 1000, (where, member.name, shown, len(found))
            # Even an attacker who knows the person's exact address code.
            own_code = candidate_ids(shown, frozenset({member.id_number[:6]}))
            assert len(own_code) >= 1000, (where, member.name, shown, len(own_code))
    assert set(PERSON_PAGES) <= shown_anywhere, set(PERSON_PAGES) - shown_anywhere


def test_finding2_viewer_search_is_no_oracle(client, data, people):
    member = data.jc_member
    client.force_login(people.jiangcheng_viewer)
    for term in (member.id_number, member.mobile, member.id_number[:6] + member.id_number[8:17]):
        html = client.get(reverse("member_list"), {"q": term}).content.decode()
        assert member.name not in html, term
        html = client.get(reverse("admin:members_member_changelist"), {"q": term}).content.decode()
        assert member.name not in html, term
        rows = client.get(reverse("spreadsheets:export_members"), {"format": "csv", "q": term})
        assert len(list(csv.reader(io.StringIO(body_text(rows).lstrip("\ufeff"))))) == 1, term
    # Names still work; filters on personal fields are refused, not answered.
    assert member.name in client.get(reverse("member_list"), {"q": member.name}).content.decode()
    for lookup in ({"id_number": member.id_number}, {"mobile__startswith": "137"},
                   {"birth_date__month": "5"}):
        assert client.get(reverse("admin:members_member_changelist"), lookup).status_code == 400
        assert client.get(reverse("spreadsheets:export_members"), lookup).status_code == 400
    # A clerk, who sees the numbers anyway, searches by them.
    client.force_login(people.jiangcheng_clerk)
    for term in (member.id_number, member.mobile):
        assert member.name in client.get(reverse("member_list"), {"q": term}).content.decode()
        html = client.get(reverse("admin:members_member_changelist"), {"q": term}).content.decode()
        assert member.name in html


# --- Finding 3: reads logged -----------------------------------------------------------------


def test_finding3_a_full_read_is_logged_once_per_page(client, data, people):
    member = data.jc_member
    PersonalDataRead.objects.all().delete()
    client.force_login(people.jiangcheng_clerk)
    html = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert member.id_number in html and member.mobile in html and HOUSEHOLD in html
    assert "1985-05-17" in html
    read = PersonalDataRead.objects.get()
    assert (read.user, read.member, read.page) == (
        people.jiangcheng_clerk, member, PersonalDataRead.Page.MEMBER_PAGE)
    assert timezone.now() - read.at < timedelta(minutes=1)

    client.get(reverse("admin:members_member_change", args=[member.pk]))
    version = member.history.first().history_id
    client.get(reverse("admin:members_member_simple_history", args=[member.pk, version]))
    client.get(reverse("drive_entry_edit", args=[data.jc_drive.pk, member.pk]))
    assert list(PersonalDataRead.objects.order_by("at", "id").values_list("page", flat=True)) == [
        "member_page", "admin_change", "admin_version", "drive_entry"]

    # Lists show masks to every role and log nothing.
    for url in (reverse("member_list"), reverse("admin:members_member_changelist"),
                reverse("admin:members_member_history", args=[member.pk]),
                reverse("drive_entry", args=[data.jc_drive.pk])):
        html = client.get(url).content.decode()
        assert member.id_number not in html and member.mobile not in html, url
    assert PersonalDataRead.objects.count() == 4
    # A viewer's page shows masks: nothing to log.
    client.force_login(people.jiangcheng_viewer)
    client.get(reverse("member_detail", args=[member.pk]))
    client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert PersonalDataRead.objects.count() == 4


def test_finding3_drive_entry_rows_are_masked_for_clerks(client, data, people):
    client.force_login(people.jiangcheng_clerk)
    number = resident_id("441702", date(1995, 7, 7), 71)
    response = client.post(reverse("drive_entry", args=[data.jc_drive.pk]), {
        "name": "林新入", "id_type": "居民身份证", "id_number": number, "mobile": "13598765432",
        "joined_on": "2024-03-02", "member_type": "ordinary", "ethnicity": "汉族",
        "employment_status": "在岗",
    }, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content.decode()
    answer = response.content.decode()
    assert number not in answer and "13598765432" not in answer
    assert mask_document(number) in response.json()["row"]


def test_finding3_administrators_read_the_log_of_their_subtree(client, data, people):
    url = reverse("admin:members_personaldataread_changelist")
    yangchun_admin = Member._meta.get_field("created_by").related_model.objects.create_user(
        "yangchun_admin", is_staff=True)
    Grant.objects.create(user=yangchun_admin, organization=data.tree.yangchun, role=Role.ADMIN)
    PersonalDataRead.objects.create(user=people.yangchun_clerk, member=data.yc_member,
                                    page=PersonalDataRead.Page.MEMBER_PAGE)
    jc_change = reverse("admin:members_personaldataread_change", args=[data.jc_read.pk])

    client.force_login(people.city_admin)
    html = client.get(url).content.decode()
    assert data.jc_member.name in html and data.yc_member.name in html
    client.force_login(yangchun_admin)
    html = client.get(url).content.decode()
    assert data.yc_member.name in html and data.jc_member.name not in html
    assert client.get(jc_change).status_code == 404
    for person in (people.jiangcheng_clerk, people.jiangcheng_viewer):
        client.force_login(person)
        assert client.get(url).status_code == 403


def test_finding3_the_read_log_is_pruned_after_the_retention(data, people, settings):
    settings.PERSONAL_DATA_READ_RETENTION_DAYS = 30
    old = PersonalDataRead.objects.create(user=people.jiangcheng_clerk, member=data.jc_member,
                                          page=PersonalDataRead.Page.MEMBER_PAGE)
    PersonalDataRead.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    recent = data.jc_read
    out = io.StringIO()
    call_command("prune_read_log", stdout=out)
    assert "Deleted 1" in out.getvalue()
    assert list(PersonalDataRead.objects.all()) == [recent]
    # Writing prunes too, so the retention holds without the command.
    PersonalDataRead.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=40))
    PersonalDataRead.record(people.jiangcheng_clerk, data.jc_member,
                            PersonalDataRead.Page.ADMIN_CHANGE)
    assert list(PersonalDataRead.objects.values_list("page", flat=True)) == ["admin_change"]


def test_finding3_retention_comes_from_the_environment(clean_env):
    clean_env.setenv("DEBUG", "1")
    assert load_settings().PERSONAL_DATA_READ_RETENTION_DAYS == 365
    clean_env.setenv("PERSONAL_DATA_READ_RETENTION_DAYS", "30")
    assert load_settings().PERSONAL_DATA_READ_RETENTION_DAYS == 30
    for bad in ("0", "a year"):
        clean_env.setenv("PERSONAL_DATA_READ_RETENTION_DAYS", bad)
        with pytest.raises(ImproperlyConfigured, match="PERSONAL_DATA_READ_RETENTION_DAYS"):
            load_settings()
