"""The streaming .xlsx writer of the big exports (members.spreadsheets.xlsx): what
openpyxl and calamine read back from it, awkward text, sheet rollover, and the member
list's columns (a retained member's status date) surviving export → import."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from members.models import Member
from members.spreadsheets import xlsx as streaming
from members.spreadsheets.exporting import csv_cells
from members.spreadsheets.importing import run_import
from tests.test_import import HEADER, member_row, resident_id, xlsx




AWKWARD = ["a & b <c>", " leading and trailing ", "bell\x07here", "_x0041_", "多行\n文本",
           "'=1+1", "emoji 🙂"]


def test_writer_cells_styles_and_frozen_header(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [["张三", date(2016, 5, 3), 12, 3.5, True, None, "", *AWKWARD],
            ["李四", date(1990, 1, 1), 0, -1.25, False, "x", "y", *AWKWARD]]
    headers = [f"列{n}" for n in range(len(rows[0]))]
    with streaming.StreamingWorkbook(path, "会员名册", headers, [22] * len(headers)) as book:
        book.write_rows(rows)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["会员名册"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width == 22
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == headers
    assert values[1][:7] == ["张三", datetime(2016, 5, 3), 12, 3.5, "是", None, None]
    assert values[2][:7] == ["李四", datetime(1990, 1, 1), 0, -1.25, "否", "x", "y"]
    assert sheet["B2"].number_format == "yyyy\\-mm\\-dd"
    # calamine (the import's reader) undoes Excel's _xHHHH_ escapes as Excel does.
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert read[1][7:] == AWKWARD and read[2][1] == date(1990, 1, 1)


def test_writer_continues_on_a_new_sheet_at_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "MAX_ROWS", 3)  # header + 2 rows per sheet
    path = tmp_path / "out.xlsx"
    with streaming.StreamingWorkbook(path, "花名册", ["n"]) as book:
        book.write_rows([[n] for n in range(5)])
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["花名册", "花名册 (2)", "花名册 (3)"]
    assert [[row[0] for row in sheet.iter_rows(values_only=True)] for sheet in workbook] == [
        ["n", 0, 1], ["n", 2, 3], ["n", 4]]


def test_empty_list_still_has_its_header(tmp_path):
    path = tmp_path / "out.xlsx"
    with streaming.StreamingWorkbook(path, "S", ["a", "b"]) as book:
        book.write_rows([])
    assert list(openpyxl.load_workbook(path).active.iter_rows(values_only=True)) == [("a", "b")]


def test_csv_cells_neutralise_and_format():
    assert list(csv_cells([["=cmd", "+1", date(2020, 1, 2), None, 5, "ok"]])) == [
        ["'=cmd", "'+1", "2020-01-02", "", 5, "ok"]]


@pytest.mark.django_db
def test_retained_member_exports_its_status_date_and_imports_back(client, tree, people):
    header = HEADER + ["状态变更日期", "技术等级"]
    rows = [member_row(1, 状态="保留") + ["2021-06-30", "职业资格四级（中级）"],
            member_row(2, 状态="退会") + ["2022-01-31", ""], member_row(3) + ["", ""]]
    assert run_import("members", xlsx(rows, header=header), people.superuser, commit=True).committed
    client.force_login(people.superuser)
    content = b"".join(client.get(reverse("spreadsheets:export_members")).streaming_content)
    table = [list(row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(
        values_only=True)]
    by_id = {row[4]: dict(zip(table[0], row)) for row in table[1:]}
    assert by_id[resident_id(1)]["状态"] == "保留"
    assert by_id[resident_id(1)]["状态变更日期"] == datetime(2021, 6, 30)
    assert by_id[resident_id(2)]["状态变更日期"] == datetime(2022, 1, 31)
    assert by_id[resident_id(3)]["状态变更日期"] is None
    again = run_import("members", content, people.superuser)
    assert again.ok and again.unchanged == 3, [str(e) for e in again.errors]
    assert Member.objects.get(id_number=resident_id(1)).status == "retained"
