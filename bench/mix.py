"""The load benchmark's mix and the little rules its users follow, apart from locust
(which patches the standard library with gevent when imported), so the tests can check
them without a server: ``bench/locustfile.py`` uses them, ``bench/load.py`` prepares
the accounts and ID numbers they need.

The mix (issue 20): 2 clerks for every official, each with an account of their own.

- A clerk (town or base-union administrator or clerk) saves people on a drive's entry
  page (40 %), searches the register by ID number (30 %), opens the member list (30 %).
- An official (city, county or town viewer or administrator) opens the dashboard
  (40 %), a list (30 %: the member list, the member list filtered by a union below
  theirs, the drive list, in turn), the campaign page (20 %) and downloads the
  statistics workbook (10 %).
"""

import re
from datetime import date

from members.identity import check_character

CLERK_SHARE = 2  # clerks per official
CLERK_TASKS = {"entry save": 40, "ID search": 30, "member list": 30}
OFFICIAL_TASKS = {"dashboard": 40, "lists": 30, "campaign": 20, "statistics workbook": 10}
OFFICIAL_LISTS = ("member list", "member list, filter union", "drive list")
THINK_SECONDS = (1, 3)
# The statistics workbook an official sends: the month end the demo data is built
# around, new members since the year's start.
STATS_AS_OF = "2018-10-31"
STATS_SINCE = "2017-12-31"

# Entry saves and the import enrol people under this address code (Dongcheng, Beijing: a
# valid province, outside Yangjiang, where the demo data lives), born in the years below,
# so every number is new to the register and easy to find again for the cleanup.
ADDRESS_CODE = "110101"
FIRST_BIRTH_DAY = date(1970, 1, 1)


def id_numbers(start, count):
    """``count`` resident ID numbers with valid check characters, the ``start``-th on:
    one birth day per 500 numbers (sequences 001, 003, … odd: men; 000, 002 … even:
    women), so disjoint ranges never share a number."""
    numbers = []
    for index in range(start, start + count):
        day = date.fromordinal(FIRST_BIRTH_DAY.toordinal() + index // 500)
        first17 = f"{ADDRESS_CODE}{day:%Y%m%d}{index % 500:03d}"
        numbers.append(first17 + check_character(first17))
    return numbers


def gender(number):
    return "男" if int(number[16]) % 2 else "女"


def entry_form(number, serial, today, csrf):
    """What the entry page's script sends for one person (``bench.operations.entry_save``
    sends the same)."""
    return {
        "csrfmiddlewaretoken": csrf, "id_number": number, "id_type": "居民身份证",
        "name": f"压测{serial % 10000:04d}", "mobile": f"139{serial % 10**8:08d}",
        "ethnicity": "汉族", "household_type": "农业户口", "joined_on": today.isoformat(),
        "card_number": "", "notes": "", "gender": gender(number),
    }


def import_csv(numbers, union_code, joined_on):
    """A member roster as a clerk uploads it (UTF-8 CSV with the template's headers)."""
    lines = ["姓名,性别,民族,身份证号码,手机号码,户籍类型,工会编码,入会日期"]
    for serial, number in enumerate(numbers):
        lines.append(f"导入{serial % 10000:04d},{gender(number)},汉族,{number},"
                     f"138{serial:08d},农业户口,{union_code},{joined_on}")
    return ("\n".join(lines) + "\n").encode("utf-8")


_HIDDEN = re.compile(r'<input[^>]*name="(?P<name>csrfmiddlewaretoken|token)"[^>]*value="(?P<value>[^"]+)"')


def hidden_value(html, name):
    """The value of a form's hidden ``csrfmiddlewaretoken`` or ``token`` field, or ""."""
    for match in _HIDDEN.finditer(html):
        if match["name"] == name:
            return match["value"]
    return ""


def official_list(turn):
    """The list an official opens on their ``turn``-th visit to the lists."""
    return OFFICIAL_LISTS[turn % len(OFFICIAL_LISTS)]
