"""The official code lists of the national member real-name register.

Values come from `fixtures/register_code_lists.csv` (copied from the provincial
collection forms). They are stored exactly as the register spells them, so a roster
exported from the national system imports here unchanged and ours imports there. They
are data, not interface text, so they are not passed through gettext.
"""

import csv
from functools import cache
from pathlib import Path

CODE_LIST_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "register_code_lists.csv"

GENDER = "性别"
EDUCATION = "学历"
EMPLOYMENT = "就业状况"
SKILL_GRADE = "技术等级"
CHANGE_REASON = "会籍变化原因"
POLITICAL_STATUS = "政治面貌"
MIGRANT_WORKER = "是否农民工会员"
HOUSEHOLD_TYPE = "户籍类型"
ETHNICITY = "民族"
EMPLOYER_NATURE = "单位性质类别"
ECONOMIC_TYPE = "经济类型"
INDUSTRY = "单位所属行业"
BASE_UNION_TYPE = "基层工会类型"


@cache
def _lists():
    lists = {}
    with CODE_LIST_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lists.setdefault(row["list"], []).append(row["value"])
    return lists


def values(name):
    """The values of one code list, in the register's order."""
    return list(_lists()[name])


def choices(name):
    return [(value, value) for value in _lists()[name]]
