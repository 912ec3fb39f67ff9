"""The import pages: upload → preview → download the file with errors → fix that file →
upload → confirm; and in the admin, with a browser."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Member
from tests.people import PASSWORD
from tests.test_import import member_row, resident_id, xlsx


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(client, data, name="roster.xlsx", **extra):
    return client.post(reverse("spreadsheets:import_members"),
                       {"file": SimpleUploadedFile(name, data), **extra})


@pytest.mark.django_db
def test_preview_error_file_fix_and_confirm(client, tree, people):
    client.force_login(people.jiangcheng_clerk)
    bad = xlsx([member_row(1), member_row(2, 入会日期="明天"), member_row(3)],
               title_rows=["华力五金工会会员花名册"])
    response = upload(client, bad)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.new, result.error_rows) == (2, 1)
    assert "第 4 行「入会日期」" in response.content.decode()
    assert b"confirm-import" not in response.content
    token = response.context["token"]
    errors = client.get(reverse("spreadsheets:import_errors_members"), {"token": token})
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "华力五金工会会员花名册"
    assert rows[1][-2:] == ["是否导入成功", "错误原因"]
    assert rows[3][-2] == "否" and "入会日期" in rows[3][-1]
    assert rows[2][-2:] == [None, None] and rows[2][3] == resident_id(1)  # still text

    # The clerk fixes that very file and uploads it again: the two columns are ignored.
    sheet.cell(row=4, column=11).value = "2016-05-04"
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    response = upload(client, fixed.getvalue())
    result = response.context["result"]
    assert result.ok and result.new == 3 and Member.objects.count() == 0
    token = response.context["token"]
    other = client.post(reverse("spreadsheets:import_confirm_members"), {"token": "nope"})
    assert other.status_code == 302 and Member.objects.count() == 0
    response = client.post(reverse("spreadsheets:import_confirm_members"), {"token": token})
    assert response.status_code == 302 and Member.objects.count() == 3
    # The token is spent; someone else's token is never honoured.
    client.force_login(people.city_admin)
    client.post(reverse("spreadsheets:import_confirm_members"), {"token": token})
    assert Member.objects.count() == 3


@pytest.mark.django_db
def test_pages_refuse_viewers_and_bad_files(client, tree, people, settings):
    client.force_login(people.jiangcheng_viewer)
    assert upload(client, xlsx([member_row(1)])).status_code == 403
    client.force_login(people.jiangcheng_clerk)
    response = upload(client, b"%PDF-1.7 not a roster", name="roster.xlsx")
    assert "不是电子表格" in response.context["result"].file_error
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = upload(client, xlsx([member_row(1)]))
    assert "文件超过" in response.context["result"].file_error


@pytest.mark.django_db
def test_admin_changelist_links_to_the_import(client, tree, people):
    client.force_login(people.jiangcheng_clerk)
    page = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert reverse("spreadsheets:import_members") + "?from=admin" in page
    assert reverse("spreadsheets:export_members") in page
    client.force_login(people.jiangcheng_viewer)
    page = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert reverse("spreadsheets:import_members") not in page


def test_admin_import_in_the_browser(page, live_server, tree, people, tmp_path):
    """Upload a roster in the admin, see the error, upload the fixed file, confirm, see
    the members in the change list."""
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "jiangcheng_clerk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:members_member_changelist"))
    page.click("#spreadsheet-import")
    bad = tmp_path / "roster.xlsx"
    bad.write_bytes(xlsx([member_row(1, name="王小明"), member_row(2, name="李小红", 学历="幼儿园")]))
    page.set_input_files("input[type=file]", str(bad))
    page.click("#upload-button")
    assert "幼儿园" in page.inner_text("#import-errors")
    assert page.locator("#confirm-import").count() == 0
    fixed = tmp_path / "roster-fixed.xlsx"
    fixed.write_bytes(xlsx([member_row(1, name="王小明"), member_row(2, name="李小红")]))
    page.set_input_files("input[type=file]", str(fixed))
    page.click("#upload-button")
    assert page.inner_text("#count-new") == "2"
    page.click("#confirm-import")
    page.wait_for_url("**" + reverse("admin:members_member_changelist"))
    table = page.inner_text("#result_list")
    assert "王小明" in table and "李小红" in table
