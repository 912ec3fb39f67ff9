"""The provincial collection forms as export layouts (``?layout=provincial``): the member
form (会员信息采集表) and the union organisation form (工会组织信息采集表), their columns
in the order of ``fixtures/official_forms.csv`` (copied from the forms), with 序号, the
title rows (the form's name, 填表单位) and the headers' hints, so an office hands the
file on as it is; each imports back unchanged (the importer reads the hints, takes the
member form's 会籍变化 columns and its 填表单位, and matches the organisation form's
unions by credit code or name).

Headers are the forms' own words: data of the format, not interface text."""

import csv
from functools import cache
from pathlib import Path

from members.models import MembershipEvent
from members.spreadsheets import columns as cols
from organizations.models import Employer, Organization

PROVINCIAL = "provincial"
FORMS_FILE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "official_forms.csv"
MEMBER_FORM = "会员信息采集表"
UNION_FORM = "工会组织信息采集表"
FORM_OF_KIND = {cols.MEMBERS: MEMBER_FORM, cols.UNIONS: UNION_FORM}
LINE_BREAK_NOTE = "line break before the hint"


@cache
def form_headers(form):
    """The form's headers in order, as the form writes them: a hint the form puts on a
    new line (证件号码 / (填写18位身份证), 是否农民工会员 / 填写“是”或“否”) after a line
    break."""
    headers = []
    with FORMS_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["form"] != form:
                continue
            header, note = row["header"], row["note"]
            if LINE_BREAK_NOTE in note:
                if "(" in header:
                    name, hint = header.split("(", 1)
                    header = f"{name}\n({hint}"
                else:
                    header = f"{header}\n{note.split(';')[0].strip()}"
            headers.append(header)
    return tuple(headers)


def titles(kind, union):
    """The title rows above the header: the form's name and 填表单位（盖章）."""
    return [FORM_OF_KIND[kind], f"填表单位（盖章）：{union.name if union else ''}"]


# Our member row (``exporting.MEMBER_HEADERS`` order) → the member form's columns after
# 序号, with the 会籍变化 columns (from the latest event) and 是否农民工会员 in between.
_OURS = {header: index for index, header in enumerate((
    "姓名", "性别", "民族", "证件类型", "身份证号码", "出生日期", "手机号码", "户籍类型", "学历",
    "政治面貌", "就业状况", "技术等级", "籍贯", "户籍所在地", "工作单位", "单位统一社会信用代码",
    "所属工会", "工会编码", "入会日期", "会员证号", "会员类型", "人员类别", "状态", "状态变更日期",
    "备注",
))}
_MEMBER_FORM_SOURCE = (
    "姓名", "性别", "出生日期", "民族", "就业状况", "证件类型", "身份证号码", "学历", "技术等级",
    "手机号码", "户籍类型", "户籍所在地", "change_type", "change_date", "change_reason",
    "政治面貌", "工作单位", "籍贯", "is_migrant",
)
MIGRANT = cols.CATEGORY_NAMES[next(iter(cols.CATEGORY_NAMES))]  # 农民工


def member_form_rows(rows, ids, start):
    """Our member rows (with their members' ``ids``) as member-form rows, numbered from
    ``start``: each person's latest 会籍变化 (type, date, reason) read in one query."""
    latest = {
        member_id: (MembershipEvent.REGISTER_TYPE[kind], day, reason)
        for member_id, kind, day, reason in MembershipEvent.objects.filter(
            member_id__in=ids, valid_until=None).values_list("member_id", "kind", "date", "reason")
    }
    out = []
    for number, (pk, row) in enumerate(zip(ids, rows), start=start):
        change_type, change_date, reason = latest.get(pk, ("", None, ""))
        extra = {"change_type": change_type, "change_date": change_date,
                 "change_reason": reason,
                 "is_migrant": "是" if MIGRANT in row[_OURS["人员类别"]].split("、") else "否"}
        out.append([number] + [extra[name] if name in extra else row[_OURS[name]]
                               for name in _MEMBER_FORM_SOURCE])
    return out


UNION_FIELDS = ("id", "name", "kind", "credit_code", "founded_on", "chair")
EMPLOYER_FIELDS = ("union_id", "name", "credit_code", "nature", "economic_type", "industry",
                   "employees", "women_employees", "migrant_employees")


def union_form_rows(unions, start):
    """Unions (``UNION_FIELDS`` dicts) as organisation-form rows, numbered from
    ``start``: one row per covered employer (a joint union repeats its own columns), a
    union without employers on one row of its own."""
    covered = {}
    for values in (Employer.objects.filter(union_id__in=[u["id"] for u in unions])
                   .order_by("union_id", "name", "pk").values_list(*EMPLOYER_FIELDS)):
        covered.setdefault(values[0], []).append(list(values[1:]))
    out = []
    empty = [""] * (len(EMPLOYER_FIELDS) - 1)
    for union in unions:
        own = [union["name"], Organization.REGISTER_TYPE.get(union["kind"], ""),
               union["credit_code"], union["founded_on"], union["chair"]]
        for employer in covered.get(union["id"], [empty]):
            out.append([start + len(out)] + own + employer)
    return out
