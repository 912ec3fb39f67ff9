"""Issue 19, items 4, 5 and 7: the statistics workbook carries the report's columns with
every row labelled and adding up to its total; every workbook we write prints (landscape,
one page wide, header rows repeated, title in the page header, gridlines), checked by
LibreOffice's own PDF of it; the statistics form keeps its default dates."""

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

from members.spreadsheets import columns as cols
from members.spreadsheets.exporting import Export, write_xlsx_file
from members.spreadsheets.importing import run_import
from members.spreadsheets.stats import COLUMNS, COUNT, HEADER_ROW, stats_workbook
from members.spreadsheets.writing import error_workbook, template_workbook
from members.statistics import BY_COUNTY, BY_TOWN
from organizations.models import Organization
from tests.people import PASSWORD
from tests.test_export import register  # noqa: F401  (the fixture)
from tests.test_import import member_row, xlsx

REPORT_COLUMNS = ["基层工会数", "覆盖单位数", "职工人数", "其中女职工", "其中农民工", "会员人数",
                  "其中女会员", "其中农民工会员", "入会率", "建会率", "25人以上建会率",
                  "100人以上建会率", "期间新建基层工会", "其中非公企业", "期间新增会员"]


@pytest.fixture
def city_level(register, tree, people):
    """A member of a city-level union (the truck drivers' federation, division 阳江市)."""
    data = xlsx([member_row(40, union=tree.trucks.name)])
    assert run_import("members", data, people.superuser, commit=True).committed


def _sheet_table(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=HEADER_ROW + 2, values_only=True)]


@pytest.mark.django_db
def test_finding4_every_sheet_adds_up_to_its_total_and_every_row_is_labelled(city_level, tree):
    content, _reports = stats_workbook(tree.city, date(2024, 6, 30), date(2015, 12, 31))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    for name in ("按工会", "按县区", "按镇街"):
        sheet = workbook[name]
        headers = [cell.value for cell in sheet[HEADER_ROW + 1]][1:]
        assert all(column in headers for column in REPORT_COLUMNS), name
        *rows, total = _sheet_table(sheet)
        assert rows and all(row[0] for row in rows), f"{name}: an unlabelled row"
        for index, (header, _value, kind) in enumerate(COLUMNS, start=1):
            if kind == COUNT:
                assert sum(row[index] for row in rows) == total[index], (name, header)
    # Members of a city-level union: a row of their own, saying so, by county and town.
    for name in ("按县区", "按镇街"):
        labels = [row[0] for row in _sheet_table(workbook[name])]
        assert "阳江市市直属工会（不属县区）" in labels and "阳江市" not in labels, labels


@pytest.mark.django_db
def test_finding4_new_non_public_base_unions_in_the_period(city_level, tree):
    content, reports = stats_workbook(tree.city, date(2024, 6, 30), date(2015, 12, 31))
    total = reports[BY_COUNTY].total
    # The tree's base unions founded after 2015: 南恩 joint (2016, non-public); 春城 joint
    # was founded in January 2015, before the period.
    assert (total.new_base_unions, total.new_non_public_unions) == (1, 1)
    city_row = next(row for row in reports[BY_COUNTY].rows if "阳江市" in str(row.label))
    assert "阳江市" in str(city_row.label) and str(city_row.label) != "阳江市"


def _pdf_pages(path, tmp_path):
    """Pages of LibreOffice's PDF of the workbook at ``path``."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; ./dev test installs it")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / (path.stem + ".pdf")).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _print_setup(sheet, title_rows):
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth 1 is the default (xlsxwriter leaves it out); fitToHeight 0: as many as needed.
    assert sheet.page_setup.fitToWidth in (None, 1, "1") and sheet.page_setup.fitToHeight in (0, "0")
    assert sheet.print_options.gridLines
    assert sheet.print_title_rows == f"$1:${title_rows}"
    assert sheet.oddHeader.center.text


@pytest.mark.django_db
def test_finding5_a_30_person_roster_prints_on_at_most_2_pages(tree, people, tmp_path):
    rows = [member_row(n) for n in range(1, 31)]
    assert run_import("members", xlsx(rows), people.superuser, commit=True).committed
    export = Export(cols.MEMBERS, people.superuser)
    path = tmp_path / "roster.xlsx"
    write_xlsx_file(export, export.queryset({}), {}, path)
    _print_setup(openpyxl.load_workbook(path).worksheets[0], 1)
    assert _pdf_pages(path, tmp_path) <= 2
    # The provincial layout: its title rows repeat with the header.
    provincial = Export(cols.MEMBERS, people.superuser, layout="provincial")
    path = tmp_path / "form.xlsx"
    write_xlsx_file(provincial, provincial.queryset({}), {"org": tree.factory.code}, path)
    _print_setup(openpyxl.load_workbook(path).worksheets[0], 3)
    assert _pdf_pages(path, tmp_path) <= 2


@pytest.mark.django_db
def test_finding5_statistics_print_by_county_on_one_page_by_town_on_three(db, tmp_path):
    call_command("seed_demo", unions=60, members=500, stdout=io.StringIO(),
                 stderr=io.StringIO())
    city = Organization.objects.get(parent__isnull=True)
    for grouping, most in ((BY_COUNTY, 1), (BY_TOWN, 3)):
        content, _reports = stats_workbook(city, date(2018, 10, 31), groupings=[grouping])
        path = tmp_path / f"stats-{grouping}.xlsx"
        path.write_bytes(content)
        _print_setup(openpyxl.load_workbook(path).worksheets[0], HEADER_ROW + 1)
        assert _pdf_pages(path, tmp_path) <= most, grouping


@pytest.mark.django_db
def test_finding5_template_and_error_workbook_have_page_setup(tree, people):
    _print_setup(openpyxl.load_workbook(io.BytesIO(template_workbook("members"))).worksheets[0], 2)
    data = xlsx([member_row(1, 学历="幼儿园")], title_rows=["花名册"])
    result = run_import("members", data, people.superuser)
    sheet = openpyxl.load_workbook(io.BytesIO(error_workbook(data, result, people.superuser)))
    _print_setup(sheet.worksheets[0], 2)


def test_finding7_statistics_form_keeps_its_dates_and_downloads(page, live_server, tree, people):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "jiangcheng_viewer")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.goto(live_server.url + reverse("spreadsheets:stats"))
    today = timezone.localdate()
    assert page.input_value("#id_as_of") == today.isoformat()
    assert page.input_value("#id_since") == date(today.year - 1, 12, 31).isoformat()
    with page.expect_download() as download:
        page.click("section button[type=submit]")
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(2) == b"PK"
    assert download.value.suggested_filename.startswith("stats-441702-")
