"""Exports: scope, masking, formula neutralising, streaming CSV, background jobs,
export → import round trips, the statistics workbook against breakdown(), and files read
back by openpyxl and by LibreOffice."""

import csv
import io
import re
import shutil
import subprocess
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import ExportJob, ExportLog, Member
from members.spreadsheets.importing import run_import
from members.spreadsheets.stats import COLUMNS as STAT_COLUMNS, stats_workbook
from members.statistics import BY_COUNTY, BY_TOWN, BY_UNION, breakdown
from organizations.models import Division, Employer
from tests.test_import import member_row, resident_id, xlsx

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}




@pytest.fixture
def register(tree, people):
    """Members in three unions (one left), employers, one with a formula-like name."""
    rows = [member_row(n, 会员证号=f"C{n:03d}") for n in range(1, 4)]
    rows += [member_row(4, union="南恩街道联合工会", 人员类别="货车司机、快递员")]
    rows += [member_row(5, union="春城街道联合工会")]
    rows += [member_row(6, union="春城街道联合工会", 状态="退会") + ["2020-02-02"]]
    header = list(member_row.__globals__["HEADER"]) + ["离会日期"]
    result = run_import("members", xlsx(rows, header=header), people.superuser, commit=True)
    assert result.committed, [str(e) for e in result.errors]
    # openpyxl would store "=1+1" as a formula, so the text goes in directly.
    Member.objects.filter(id_number=resident_id(5)).update(notes="=1+1")
    nanen = Division.objects.get(code="441702001")
    Employer.objects.create(name="=HYPERLINK(\"http://x\")", division=nanen, employees=30,
                            union=tree.nanen_joint)
    Employer.objects.create(name="未建会五金厂", division=nanen, employees=120)
    Employer.objects.create(name="春城商店", division=Division.objects.get(code="441781001"),
                            employees=26, union=tree.chuncheng_joint)
    return result


def login(client, user):
    client.force_login(user)


def read_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_member_export_xlsx_scope_masking_and_log(client, register, people):
    login(client, people.jiangcheng_clerk)
    response = client.get(reverse("spreadsheets:export_members"))
    assert response.status_code == 200
    rows = read_xlsx(b"".join(response.streaming_content))
    header, data = rows[0], rows[1:]
    assert header[:5] == ["姓名", "性别", "民族", "证件类型", "身份证号码"]
    ids = {row[4] for row in data}
    assert ids == {resident_id(n) for n in range(1, 5)}  # text, full, only 江城区's
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.rows, log.masked) == (people.jiangcheng_clerk, "members", 4, False)

    login(client, people.jiangcheng_viewer)
    rows = read_xlsx(b"".join(client.get(reverse("spreadsheets:export_members")).streaming_content))
    id_col, mobile_col = rows[0].index("身份证号码"), rows[0].index("手机号码")
    assert all("*" in row[id_col] and "****" in row[mobile_col] for row in rows[1:])
    assert not any(resident_id(n) in str(rows) for n in range(1, 5))
    assert ExportLog.objects.filter(user=people.jiangcheng_viewer, masked=True).exists()


@pytest.mark.django_db
def test_filters_csv_stream_and_formula_neutralising(client, register, people):
    login(client, people.superuser)
    response = client.get(reverse("spreadsheets:export_members"), {"format": "csv", "status": "left"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0] == "会员6" and "退会" in rows[1]
    notes = read_xlsx(b"".join(client.get(reverse("spreadsheets:export_members"),
                                          {"union": "4417810010001"}).streaming_content))
    assert "'=1+1" in notes[1] + notes[2]
    employers = read_xlsx(b"".join(client.get(reverse("spreadsheets:export_employers")).streaming_content))
    assert "'=HYPERLINK(\"http://x\")" in [row[0] for row in employers]
    bad = client.get(reverse("spreadsheets:export_members"), {"secret__startswith": "x"})
    assert bad.status_code == 400
    login(client, people.jiangcheng_viewer)  # no filtering on ID numbers without the right
    assert client.get(reverse("spreadsheets:export_members"),
                      {"id_number__startswith": "4417"}).status_code == 400


@pytest.mark.django_db
def test_export_import_round_trip_changes_nothing(client, register, people):
    login(client, people.superuser)
    for kind in ("unions", "employers", "members"):
        content = b"".join(client.get(reverse(f"spreadsheets:export_{kind}")).streaming_content)
        result = run_import(kind, content, people.superuser, commit=True)
        assert result.ok, (kind, [str(e) for e in result.errors])
        assert result.new == result.updated == 0 and result.unchanged > 0, kind
    csv_content = b"".join(client.get(reverse("spreadsheets:export_members"),
                                      {"format": "csv"}).streaming_content)
    result = run_import("members", csv_content, people.superuser)
    assert result.ok and result.unchanged == 6, [str(e) for e in result.errors]


@pytest.mark.django_db
def test_big_exports_run_in_the_background(client, register, people, settings):
    settings.TASKS = IMMEDIATE
    settings.EXPORT_INLINE_MAX_ROWS = 2
    settings.MEDIA_ROOT = settings.MEDIA_ROOT.parent / "test-media-exports"
    login(client, people.city_admin)
    response = client.get(reverse("spreadsheets:export_members"))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "spreadsheets:export_job", kwargs={"pk": job.pk})
    page = client.get(response["Location"])
    # The script is served locally under its hashed name, never inline (the CSP forbids it).
    assert re.search(rb"/static/js/export_progress(\.[0-9a-f]+)?\.js", page.content)
    assert b"<script>" not in page.content
    status = client.get(reverse("spreadsheets:export_job_status", kwargs={"pk": job.pk})).json()
    assert status["state"] == "done" and status["done"] == 6 and status["download"]
    rows = read_xlsx(b"".join(client.get(status["download"]).streaming_content))
    assert len(rows) == 7
    login(client, people.jiangcheng_clerk)  # someone else's export is not theirs to fetch
    assert client.get(status["download"]).status_code == 404
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.mark.django_db
def test_statistics_workbook_equals_breakdown(client, register, tree, people, tmp_path):
    day, since = date(2024, 6, 30), date(2015, 12, 31)
    content, reports = stats_workbook(tree.city, day, since)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["按工会", "按县区", "按镇街", "上报数与实名数"]
    for sheet_name, grouping in (("按工会", BY_UNION), ("按县区", BY_COUNTY), ("按镇街", BY_TOWN)):
        sheet = workbook[sheet_name]
        assert sheet.freeze_panes == "B5"
        report = breakdown(tree.city, day, grouping, since=since)
        table = [list(row) for row in sheet.iter_rows(min_row=5, values_only=True)]
        assert len(table) == len(report.rows) + 1
        for row, expected in zip(table, report.rows + [report.total]):
            assert row[0] == str(expected.label)
            for cell, (_header, value, kind) in zip(row[1:], STAT_COLUMNS):
                want = value(expected)
                if kind == "rate" and want is not None:
                    want = pytest.approx(want, rel=1e-12)  # Excel keeps 15 digits
                assert cell == want, (sheet_name, row[0], _header)
    total = breakdown(tree.city, day, BY_UNION, since=since).total
    assert total.members == 5 and total.base_unions == 3  # the left member is not counted
    login(client, people.jiangcheng_clerk)
    response = client.get(reverse("spreadsheets:stats"), {"org": "441702", "as_of": "2024-06-30"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(reverse("spreadsheets:stats"),
                      {"org": "441781", "as_of": "2024-06-30"}).status_code == 404
    output = tmp_path / "stats.xlsx"
    call_command("export_stats", "--org", "441700", "--as-of", "2024-06-30", "--since",
                 "2015-12-31", "-o", str(output))
    sheet = openpyxl.load_workbook(output)["按县区"]
    last = [list(r) for r in sheet.iter_rows(min_row=5, values_only=True)][-1]
    assert last[STAT_COLUMNS.index(next(c for c in STAT_COLUMNS if c[0] == "会员人数")) + 1] == 5


@pytest.mark.django_db
def test_template_download(client, people):
    login(client, people.base_clerk)
    response = client.get(reverse("spreadsheets:template_members"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    assert "身份证号码*" in headers and "性别" in headers
    id_col = headers.index("身份证号码*") + 1
    assert sheet.cell(row=3, column=id_col).number_format == "@"
    assert isinstance(sheet.cell(row=3, column=id_col).value, str)
    ranges = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    gender_col = openpyxl.utils.get_column_letter(headers.index("性别") + 1)
    assert f"{gender_col}3" in ranges and "代码表" in ranges[f"{gender_col}3"]
    assert workbook["代码表"].sheet_state == "hidden"
    for kind in ("employers", "unions"):
        assert client.get(reverse(f"spreadsheets:template_{kind}")).content[:2] == b"PK"


@pytest.mark.django_db
def test_export_members_command(register, tmp_path):
    output = tmp_path / "jiangcheng.xlsx"
    call_command("export_members", "--org", "441702", "-o", str(output))
    rows = [list(r) for r in openpyxl.load_workbook(output).worksheets[0].iter_rows(values_only=True)]
    assert len(rows) == 5 and {r[4] for r in rows[1:]} == {resident_id(n) for n in range(1, 5)}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.django_db
def test_libreoffice_opens_an_export(client, register, people, tmp_path):
    login(client, people.superuser)
    source = tmp_path / "members.xlsx"
    source.write_bytes(b"".join(client.get(reverse("spreadsheets:export_members")).streaming_content))
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
         str(source)],
        check=True, capture_output=True, timeout=120,
    )
    with (tmp_path / "members.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["姓名", "性别"] and len(rows) == 7
    assert {row[4] for row in rows[1:]} == {resident_id(n) for n in range(1, 7)}


def test_statistics_page_starts_from_the_users_union_and_this_year(client, people):
    client.force_login(people.jiangcheng_viewer)
    form = client.get(reverse("spreadsheets:stats")).context["form"]
    today = timezone.localdate()
    assert form["org"].value() == "441702"
    assert form["as_of"].value() == today
    assert form["since"].value() == date(today.year - 1, 12, 31)
