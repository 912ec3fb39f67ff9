"""Identity documents and phone numbers: the one place where they are validated.

The resident ID number (居民身份证号, GB 11643-1999) is the key of the national
real-name register: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for
men, even for women) and a check character. Forms, imports and the entry page's live
check all call ``parse_document``.
"""

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import mul
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from organizations.validators import to_half_width

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

# Province-level codes (first two digits of an address code), including Hong Kong (81),
# Macao (82) and Taiwan (83) used by residence permits.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 "
    "63 64 65 71 81 82 83".split()
)
LOCAL_PREFIX = "4417"  # Yangjiang: here every address code must be one we know
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class DocumentType:
    """Values as the register writes them (有效证件类别); data, not interface text."""

    RESIDENT_ID = "居民身份证"
    HK_MACAO_RESIDENCE = "港澳居民居住证"
    TAIWAN_RESIDENCE = "台湾居民居住证"
    FOREIGNER_PERMANENT = "外国人永久居留身份证"
    HK_MACAO_PERMIT = "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "台湾居民来往大陆通行证"
    PASSPORT = "护照"

    CHOICES = [
        (value, value)
        for value in (
            RESIDENT_ID, HK_MACAO_RESIDENCE, TAIWAN_RESIDENCE, FOREIGNER_PERMANENT,
            HK_MACAO_PERMIT, TAIWAN_PERMIT, PASSPORT,
        )
    ]


@dataclass(frozen=True)
class Document:
    number: str
    birth_date: date | None = None
    gender: str | None = None  # "男" / "女", as the register's code list spells them


@cache
def known_local_codes():
    """Yangjiang address codes valid on ID cards: today's divisions and the historical
    county codes (an ID keeps the code in force when it was issued)."""
    codes = set()
    with (FIXTURES / "yangjiang_divisions.csv").open(encoding="utf-8") as handle:
        codes.update(row["code"] for row in csv.DictReader(handle) if len(row["code"]) == 6)
    with (FIXTURES / "yangjiang_county_code_history.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if "not a residence unit" not in row["note"]:
                codes.add(row["code"])
    return frozenset(codes)


def check_character(first17):
    # map() rather than a generator: this runs twice per row of a 100,000-row import.
    return CHECK_CHARACTERS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def clean_text(value):
    """Half-width, no spaces, upper case: what people type and spreadsheets hold."""
    return re.sub(r"\s+", "", to_half_width(str(value or ""))).upper()


def _birth_date(number):
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(digits)s) is not a real date.")
            % {"digits": number[6:14]},
            code="id_birth_date",
        ) from None
    if born > date.today() or born.year < 1900:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is impossible.")
            % {"date": born.isoformat()},
            code="id_birth_date",
        )
    return born


def _parse_18(number, allowed_prefixes=None):
    """Shared by resident IDs and the residence permits that follow the same layout."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a digit or X at the end."),
            code="id_format",
        )
    province = number[:2]
    if allowed_prefixes is not None:
        if not number.startswith(allowed_prefixes):
            raise ValidationError(
                _("This document's number starts with %(prefixes)s.")
                % {"prefixes": " / ".join(allowed_prefixes)},
                code="id_prefix",
            )
    elif province not in PROVINCE_CODES or province in ("81", "82", "83"):
        raise ValidationError(
            _("The address code %(code)s is not a province of mainland China.")
            % {"code": number[:6]},
            code="id_address",
        )
    elif number.startswith(LOCAL_PREFIX) and number[:6] not in known_local_codes():
        raise ValidationError(
            _("The address code %(code)s is not a Yangjiang division code, now or in the past.")
            % {"code": number[:6]},
            code="id_address",
        )
    return _dated_and_checked(number)


def _dated_and_checked(number):
    """The GB 11643 layout's common part: birth date, check character, and the gender
    the sequence number encodes (odd for men)."""
    born = _birth_date(number)
    # The message does not name the character that would fit: a clerk told "should be
    # 7" changes the last character, while the mistyped one is usually elsewhere, and
    # the number that results is somebody else's (or nobody's).
    if number[17] != check_character(number[:17]):
        raise ValidationError(
            _("This number does not add up: a character was mistyped. Read the whole number "
              "from the card again."),
            code="id_checksum",
        )
    return Document(number, born, "男" if int(number[16]) % 2 else "女")


def parse_resident_id(value):
    """Validate and normalise a resident ID number; 15-digit numbers become 18."""
    number = clean_text(value)
    if re.fullmatch(r"\d{15}", number):
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters (or 15 for the old cards); this one has %(count)d.")
            % {"count": len(number)},
            code="id_length",
        )
    return _parse_18(number)


def parse_document(document_type, value):
    """Validate ``value`` as a document of ``document_type``; return a ``Document`` with the
    normalised number and, where the number encodes them, birth date and gender."""
    if document_type in (None, "", DocumentType.RESIDENT_ID):
        return parse_resident_id(value)
    number = clean_text(value)
    if document_type == DocumentType.HK_MACAO_RESIDENCE:
        return _parse_18(number, ("810000", "820000"))
    if document_type == DocumentType.TAIWAN_RESIDENCE:
        return _parse_18(number, ("830000",))
    if document_type == DocumentType.FOREIGNER_PERMANENT:
        if re.fullmatch(r"[A-Z]{3}\d{12}", number):  # the 2004 card
            return Document(number, None, None)
        if re.fullmatch(r"9\d{16}[\dX]", number):  # the 2023 card, GB 11643 layout
            return _dated_and_checked(number)
        raise ValidationError(
            _("A foreigner's permanent residence ID has 3 letters and 12 digits, "
              "or 18 characters starting with 9."),
            code="id_format",
        )
    if document_type == DocumentType.HK_MACAO_PERMIT:
        if re.fullmatch(r"[HM]\d{8}(\d{2})?", number):
            return Document(number)
        raise ValidationError(
            _("A Home Return Permit number is H or M followed by 8 or 10 digits."),
            code="id_format",
        )
    if document_type == DocumentType.TAIWAN_PERMIT:
        if re.fullmatch(r"\d{8}(\d{2})?", number):
            return Document(number)
        raise ValidationError(
            _("A Taiwan compatriot permit number has 8 or 10 digits."), code="id_format"
        )
    if document_type == DocumentType.PASSPORT:
        if re.fullmatch(r"[A-Z0-9]{5,17}", number):
            return Document(number)
        raise ValidationError(
            _("A passport number has 5 to 17 letters and digits."), code="id_format"
        )
    raise ValidationError(_("Unknown document type."), code="id_type")


def looks_mangled_by_excel(raw):
    """True for an ID number that a spreadsheet already stored as a number: a numeric
    cell, scientific notation (4.41702E+17), or 18 digits whose last three were zeroed by
    floating-point precision and whose check character no longer fits. Such a number
    cannot be repaired; the row has to be re-entered as text. Ask only after the
    number failed ``parse_document``."""
    if isinstance(raw, float):
        return True
    text = clean_text(raw)
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
        return True
    return bool(re.fullmatch(r"\d{15}000", text)) and check_character(text[:17]) != text[17]


def normalize_mobile(value):
    number = clean_text(value)
    if number.startswith("+86"):
        number = number[3:]
    if not re.fullmatch(r"1[3-9]\d{9}", number):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13 to 19."), code="mobile"
        )
    return number

