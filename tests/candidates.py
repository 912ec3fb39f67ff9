"""How many resident ID numbers fit what a page shows a viewer about a person.

``candidate_ids(shown)`` enumerates every 18-character ID number consistent with
``Shown``: the masked number as the page prints it, the birth year (or the full birth
date, if a page shows it), the gender (odd sequence numbers for men, even for women)
and the union's county, whose address codes — today's and the historical ones an ID
keeps from the day it was issued (fixtures/yangjiang_county_code_history.csv, the copy
of the shared data file) — are the ones an attacker tries first. The check character
(GB 11643) is computed here from the standard's weights, not with the code under test.

``shown_on(text, member, county)`` reads a page (or an export read back as text) the
way an attacker would: the most revealing masked form of the member's number on it, and
whether it carries the full birth date anywhere.
"""

import calendar
import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
CITY_CODE = "441700"  # a division code the register accepts on IDs, in every county
# 阳江县 was split in 1988 into 江城区, 阳东县 and 阳西县: its old codes belong to all three.
SPLIT = {"阳江": ("江城", "阳东", "阳西")}


@dataclass(frozen=True)
class Shown:
    mask: str  # 18 characters as printed, "*" where hidden
    county: str  # the union's county code, e.g. "441702"
    birth_year: int
    gender: str | None = None  # "男" / "女"
    birth_date: date | None = None  # only when a page shows the full date


@cache
def county_codes(county):
    """Address codes a person registered in ``county`` plausibly carries: the county's
    code, its predecessors' codes and the city's."""
    with (FIXTURES / "yangjiang_divisions.csv").open(encoding="utf-8") as handle:
        counties = {row["code"]: row["name"] for row in csv.DictReader(handle)
                    if row["level"] == "county"}
    stem = counties[county][:2]
    codes = {county, CITY_CODE}
    with (FIXTURES / "yangjiang_county_code_history.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if "not a residence unit" in row["note"]:
                continue
            old_stem = row["name"][:2]
            if stem in SPLIT.get(old_stem, (old_stem,)):
                codes.add(row["code"])
    return frozenset(codes)


def _fits(text, mask):
    return all(m == "*" or m == c for c, m in zip(text, mask))


def _weighted(digits, start):
    return sum(int(d) * WEIGHTS[start + i] for i, d in enumerate(digits))


def _days(shown):
    if shown.birth_date is not None:
        return [shown.birth_date]
    year = shown.birth_year
    count = 366 if calendar.isleap(year) else 365
    return [date(year, 1, 1) + timedelta(days=n) for n in range(count)]


@cache
def candidate_ids(shown, codes=None):
    """Every ID number that fits ``shown`` (optionally with the address codes given,
    e.g. only the person's true one: the strongest attacker)."""
    mask = shown.mask
    assert len(mask) == 18, mask
    codes = sorted(codes or county_codes(shown.county))
    sequences = [
        f"{n:03d}" for n in range(1000)
        if _fits(f"{n:03d}", mask[14:17])
        and (shown.gender is None or (n % 2 == 1) == (shown.gender == "男"))
    ]
    sequence_sums = [(s, _weighted(s, 14)) for s in sequences]
    found = []
    for code in codes:
        if not _fits(code, mask[:6]):
            continue
        code_sum = _weighted(code, 0)
        for day in _days(shown):
            digits = f"{day:%Y%m%d}"
            if not _fits(digits, mask[6:14]):
                continue
            head = code + digits
            head_sum = code_sum + _weighted(digits, 6)
            for sequence, sequence_sum in sequence_sums:
                check = CHECK[(head_sum + sequence_sum) % 11]
                if mask[17] in ("*", check):
                    found.append(head + sequence + check)
    return tuple(found)


def _date_forms(day):
    return {
        day.isoformat(), f"{day:%Y/%m/%d}", f"{day:%Y%m%d}", f"{day:%Y.%m.%d}",
        f"{day.year}-{day.month}-{day.day}", f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日", f"{day:%B} {day.day}, {day.year}",
    }


MASK_TOKEN = re.compile(r"(?<![0-9A-Za-z*])[0-9Xx*]{18}(?![0-9A-Za-z*])")


def shown_on(text, member, county):
    """``Shown`` for ``member`` on a page whose text is ``text``, or None when the page
    shows no form of their number. Conservative: the birth year counts as known even
    when the page does not print it; the most revealing mask on the page is taken."""
    number = member.id_number
    masks = [token.upper() for token in MASK_TOKEN.findall(text)
             if _fits(number, token.upper())]
    if not masks:
        return None
    mask = min(masks, key=lambda token: token.count("*"))
    birth = member.birth_date
    dated = any(form in text for form in _date_forms(birth))
    return Shown(mask=mask, county=county, birth_year=birth.year, gender=member.gender,
                 birth_date=birth if dated else None)
