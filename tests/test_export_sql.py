"""The member export built by PostgreSQL (``members.spreadsheets.member_sql``) writes
what the portable path writes: the same cells for the same members, masked for users
who may not see personal data in full, formulas neutralised, XML escaped."""

import csv
import io
from datetime import date

import openpyxl
import pytest

from members.models import Member
from members.spreadsheets import exporting, member_sql
from organizations import personal

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def awkward(tree):
    """Members whose cells test the guards: formulas, XML's special characters, a
    control character, leading spaces, Excel's _x escapes, a date before 1900."""
    base = dict(union=tree.factory, joined_on=date(2020, 1, 5), id_type="居民身份证")
    values = [
        dict(name="=HYPERLINK(\"http://x\")", notes="+1 & <b>", native_place="广东阳江"),
        dict(name="@SUM(A1)", notes="-2", household_place=" 前后空格 "),
        dict(name="张三", notes="tab\there\x01bell", mobile="13800138000"),
        dict(name="李四", notes="_x0041_ kept", birth_date=date(1899, 5, 1)),
    ]
    members = []
    for index, extra in enumerate(values):
        members.append(Member.objects.create(
            **base, id_number=f"44170219800101{index:03d}X", **extra))
    members[1].status = Member.Status.LEFT
    members[1].left_on = date(2021, 3, 1)
    members[1].save()
    return members


def _portable(export, queryset, monkeypatch, writer, path):
    monkeypatch.setattr(member_sql, "available", lambda export: False)
    writer(export, queryset, {}, path)
    monkeypatch.undo()


@pytest.mark.parametrize("who", ["city_admin", "jiangcheng_viewer"])
def test_csv_is_the_portable_csv(people, awkward, tmp_path, monkeypatch, who):
    user = getattr(people, who)
    export = exporting.Export("members", user)
    assert member_sql.available(export)
    queryset = export.queryset({})
    exporting.write_csv_file(export, queryset, {}, tmp_path / "sql.csv")
    _portable(export, queryset, monkeypatch, exporting.write_csv_file, tmp_path / "py.csv")
    read = lambda name: list(csv.reader(io.StringIO((tmp_path / name).read_text("utf-8-sig"))))
    sql_rows, python_rows = read("sql.csv"), read("py.csv")
    assert sql_rows == python_rows
    names = [row[0] for row in sql_rows]
    assert "'=HYPERLINK(\"http://x\")" in names and "'@SUM(A1)" in names
    assert len(sql_rows) == 1 + len(awkward)
    if not personal.sees_in_full(user):
        assert all(row[4].startswith("*") for row in sql_rows[1:])


@pytest.mark.parametrize("who", ["city_admin", "jiangcheng_viewer"])
def test_xlsx_is_the_portable_xlsx(people, awkward, tmp_path, monkeypatch, who):
    user = getattr(people, who)
    export = exporting.Export("members", user)
    queryset = export.queryset({})
    exporting.write_xlsx_file(export, queryset, {}, tmp_path / "sql.xlsx")
    _portable(export, queryset, monkeypatch, exporting.write_xlsx_file, tmp_path / "py.xlsx")
    read = lambda name: [list(row) for row in openpyxl.load_workbook(
        tmp_path / name).active.iter_rows(values_only=True)]
    sql_rows, python_rows = read("sql.xlsx"), read("py.xlsx")
    assert sql_rows == python_rows
    notes = {row[0]: row[24] for row in sql_rows[1:]}
    assert notes["'=HYPERLINK(\"http://x\")"] == "'+1 & <b>"


def test_sql_masks_are_the_python_masks(db):
    from django.db import connection

    samples = {
        "document": ["", "E1234", "E1234567", "44170219800101001X"],
        "mobile": ["", "123", "13800138000"],
        "place": ["", "广", "广东省阳江市"],
    }
    with connection.cursor() as cursor:
        for kind, values in samples.items():
            for value in values:
                cursor.execute("SELECT " + personal.SQL_MASKS[kind].format("%s::text"),
                               [value] * personal.SQL_MASKS[kind].count("{0}"))
                assert cursor.fetchone()[0] == personal.mask(kind, value), (kind, value)
        cursor.execute("SELECT " + personal.SQL_MASKS["birth_date"].format("%s::date"),
                       [date(1985, 5, 17)])
        assert cursor.fetchone()[0] == personal.mask("birth_date", date(1985, 5, 17))
