"""Importing rosters: real workbooks (openpyxl, LibreOffice), GB18030 CSV with title rows,
synonyms and messy values; refusals; all-or-nothing; scope; re-import changes nothing."""

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings

from members.models import Member, MembershipEvent
from members.spreadsheets.importing import run_import
from organizations.models import Employer, Organization
from tests.people import people, tree  # noqa: F401

HEADER = ["姓名", "性别", "民族", "身份证号码", "手机号码", "户籍类型", "学历", "政治面貌",
          "工作单位", "所属工会", "入会日期", "会员证号", "人员类别", "状态"]


def resident_id(serial, born="19900101", county="441702"):
    """A valid 18-digit ID: ``serial`` 0–999 (odd men, even women)."""
    from members.identity import check_character

    first17 = f"{county}{born}{serial:03d}"
    return first17 + check_character(first17)


def member_row(serial, name=None, union="阳江市华力五金制品有限公司工会", **overrides):
    row = {
        "姓名": name or f"会员{serial}", "性别": "男" if serial % 2 else "女", "民族": "汉族",
        "身份证号码": resident_id(serial), "手机号码": f"138{serial:08d}", "户籍类型": "农业户口",
        "学历": "高中", "政治面貌": "群众", "工作单位": "", "所属工会": union,
        "入会日期": "2016-05-03", "会员证号": "", "人员类别": "农民工", "状态": "在册",
    }
    row.update(overrides)
    return [row.get(h, "") for h in HEADER]


def xlsx(rows, header=HEADER, title_rows=(), sheet_title="花名册"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for title in title_rows:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_openpyxl_roster_imports_and_reimport_changes_nothing(tree, people):
    data = xlsx([member_row(n) for n in range(1, 6)], title_rows=["华力五金工会会员花名册", ""])
    result = run_import("members", data, people.superuser)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.new, result.updated, result.unchanged) == (5, 0, 0)
    assert Member.objects.count() == 0  # dry run
    result = run_import("members", data, people.superuser, commit=True)
    assert result.committed
    assert Member.objects.count() == 5
    assert MembershipEvent.objects.filter(kind="join", valid_until=None).count() == 5
    member = Member.objects.get(id_number=resident_id(1))
    assert member.is_migrant_worker and member.gender == "男" and member.birth_date == date(1990, 1, 1)
    assert member.union == tree.factory and member.created_by == people.superuser
    again = run_import("members", data, people.superuser, commit=True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
