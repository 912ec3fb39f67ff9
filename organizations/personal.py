"""Personal data: which roles see it in full and how everyone else sees it masked.

The access policy (``organizations.access``) says *which records* a user sees; this
module says *how much of a person* they see. It names no model: an app declares which of
its fields are personal and of what kind (``members.models.Member.PERSONAL_FIELDS``,
field name → kind), and every surface that shows a person — pages, admin change,
read-only, history and version pages, autocomplete labels, JSON answers, exports, error
workbooks, logs — renders those fields through ``presenter`` or ``mask``.

Rules:

- Roles with ``view_personal`` (administrators, clerks, superusers) see the full values,
  but only on one person's own page (and in exports, which are logged); every on-screen
  list masks for every role, so a list is never a way to read full numbers in bulk.
- Everyone else sees the masks below. The masks are built so that what one page shows a
  viewer about a person (masked ID and mobile, birth *year*, gender, the union and hence
  its county) leaves at least 1,000 ID numbers that fit: see the README, "Personal data",
  and tests/test_personal_data.py, which counts them.

Masks (each takes a stored value and returns text; empty stays empty):

- ``document``: only the last two characters, ``****************3X``. Of a resident ID
  those are the last digit of the sequence number (whose parity the gender already
  tells) and the check character. Neither the address code nor the birth date nor the
  rest of the sequence is shown: with the county and birth year known, about 365 dates ×
  100 sequence numbers ÷ 11 check characters ≈ 3,300 numbers remain per address code.
- ``mobile``: only the last four digits, ``*******8000``: the 7 hidden digits (a
  prefix 13x–19x and four more) leave some 700,000 numbers.
- ``birth_date``: the year only (``1985``).
- ``place`` (native place, household registration place): the first two characters,
  about the province (``广东***``).
"""

from datetime import date

from organizations.policy import can

STARS = "*"


def mask_document(number):
    """``****************3X``: the last two characters, the rest hidden (any document:
    a passport ``E1234567`` becomes ``******67``; five characters or fewer, all hidden)."""
    if not number:
        return ""
    if len(number) <= 5:
        return STARS * len(number)
    return STARS * (len(number) - 2) + number[-2:]


def mask_mobile(number):
    """``*******8000``: the last four digits."""
    if not number:
        return ""
    return STARS * max(len(number) - 4, 0) + number[-4:]


def mask_birth_date(value):
    """The year only: a ``date`` or an ISO text (``1985-05-17``) becomes ``1985``."""
    if not value:
        return ""
    if isinstance(value, date):
        return str(value.year)
    return str(value)[:4]


def mask_place(text):
    """The first two characters, about the province: ``广东省阳江市江城区`` → ``广东***``."""
    if not text:
        return ""
    return text[:2] + STARS * 3


MASKS = {
    "document": mask_document,
    "mobile": mask_mobile,
    "birth_date": mask_birth_date,
    "place": mask_place,
}

# The same masks in SQL (PostgreSQL), for exports whose rows the database builds
# (members.spreadsheets.member_sql); ``{0}`` is the column. Held to the functions above
# by tests/test_export_sql.py.
SQL_MASKS = {
    "document": "CASE WHEN length({0}) <= 5 THEN repeat('*', length({0})) "
                "ELSE repeat('*', length({0}) - 2) || right({0}, 2) END",
    "mobile": "repeat('*', greatest(length({0}) - 4, 0)) || right({0}, 4)",
    "birth_date": "extract(year FROM {0})::int::text",
    "place": "CASE WHEN {0} = '' THEN '' ELSE left({0}, 2) || '***' END",
}


def sees_in_full(user):
    """May ``user`` see personal data unmasked (on a person's own page, in exports)?"""
    return can(user, "view_personal")


def mask(kind, value):
    return MASKS[kind](value)


def _unchanged(value):
    return value


def presenter(user, kind):
    """A function value → what ``user`` may see of a value of ``kind``."""
    return _unchanged if sees_in_full(user) else MASKS[kind]


def presenters(user, personal_fields):
    """``presenter`` for each of an app's personal fields (field name → kind)."""
    return {name: presenter(user, kind) for name, kind in personal_fields.items()}


def masked_value(personal_fields, name, value):
    """``value`` of field ``name`` as a list shows it to everyone: masked when the field
    is personal, unchanged otherwise."""
    kind = personal_fields.get(name)
    return value if kind is None else MASKS[kind](value)
