"""The member list's export rows as PostgreSQL builds them: joined, masked, neutralised
and formatted in one query per primary-key batch, so that Python does next to nothing
per row. The .csv export is PostgreSQL's own ``COPY … TO STDOUT (FORMAT csv)`` of that
query; the .xlsx export fetches the same cells as text (dates as Excel serial numbers)
and writes each row with one string format (``xlsx.StreamingWorkbook.write_text_rows``).
Measured at 440,871 members: csv within 2×, xlsx within 5× of a plain ``COPY TO`` of
the same rows (bench "exports").

The cells are those of ``Export._member_batches`` (the portable path, which SQLite and
the provincial layout take): the same columns, status words, categories, the date of a
retained member's current event, the masks of ``organizations.personal`` (its
``SQL_MASKS``) for users who may not see personal data in full, and the formula guard
of ``writing.neutralise`` on every text cell. tests/test_export_sql.py holds the two
paths to the same output.
"""

from django.db import connection, connections

from members.models import Member
from members.spreadsheets import columns as cols
from organizations import personal
from unionreg.routers import read_database

BATCH = 20_000
# writing.FORMULA_TRIGGERS as SQL: a text cell starting with one of them gets a quote.
TRIGGERS = "('=', '+', '-', '@', E'\\t', E'\\r')"
# The status date: left_on, else (保留 sets none) the date of the current event, read
# only for members who are not active and have no left_on.
STATUS_DATE = "COALESCE(m.left_on, s.date)"
FROM = (
    "FROM members_member m JOIN organizations_organization u ON u.id = m.union_id "
    "LEFT JOIN organizations_employer e ON e.id = m.employer_id "
    "LEFT JOIN LATERAL (SELECT ev.date FROM members_membershipevent ev "
    "WHERE m.left_on IS NULL AND m.status <> 'active' AND ev.member_id = m.id "
    "AND ev.valid_until IS NULL ORDER BY ev.id DESC LIMIT 1) s ON true"
)


def available(export):
    """Whether ``export`` takes this path: the member list in our own layout, on
    PostgreSQL."""
    return (connection.vendor == "postgresql" and export.kind == cols.MEMBERS
            and not export.layout)


def _reader():
    """The connection an export reads from: the read replica when one is configured
    (``unionreg.routers``), as the Python path's reads."""
    return connections[read_database()]


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def _words(column, words):
    """A coded column as the words exports write (``{value: word}``), '' otherwise."""
    cases = " ".join(f"WHEN {_literal(value)} THEN {_literal(word)}"
                     for value, word in words.items())
    return f"CASE {column} {cases} ELSE '' END"


def _categories():  # the register's own words: nothing to neutralise
    flags = ", ".join(f"CASE WHEN m.{category.field} THEN {_literal(name)} END"
                      for category, name in cols.CATEGORY_NAMES.items())
    return f"concat_ws('、', {flags})"


def _text(expression):
    """A text cell with the formula guard, '' for NULL."""
    return (f"CASE WHEN left({expression}, 1) IN {TRIGGERS} THEN '''' || {expression} "
            f"ELSE COALESCE({expression}, '') END")


def _date(expression, serial):
    """A date cell: ISO text for .csv; for .xlsx Excel's serial number (with its
    29 February 1900), ISO text before 1900, which Excel cannot hold as a date."""
    if not serial:
        return f"COALESCE(to_char({expression}, 'YYYY-MM-DD'), '')"
    return (f"CASE WHEN {expression} IS NULL THEN '' "
            f"WHEN {expression} >= DATE '1900-03-01' THEN ({expression} - DATE '1899-12-30')::text "
            f"WHEN {expression} >= DATE '1900-01-01' THEN ({expression} - DATE '1899-12-31')::text "
            f"ELSE to_char({expression}, 'YYYY-MM-DD') END")


def cells(user, serial):
    """``(SQL of each cell in MEMBER_HEADERS order, indexes of the date cells)`` over
    m (the member), u (its union) and e (its employer)."""
    in_full = personal.sees_in_full(user)

    def personal_cell(field):
        column = f"m.{field}"
        if in_full:
            return _date(column, serial) if field == "birth_date" else _text(column)
        masked = personal.SQL_MASKS[Member.PERSONAL_FIELDS[field]].format(column)
        return _text(masked)

    out = [
        _text("m.name"), _text("m.gender"), _text("m.ethnicity"), _text("m.id_type"),
        personal_cell("id_number"), personal_cell("birth_date"), personal_cell("mobile"),
        _text("m.household_type"), _text("m.education"), _text("m.political_status"),
        _text("m.employment_status"), _text("m.skill_grade"), personal_cell("native_place"),
        personal_cell("household_place"), _text("e.name"), _text("e.credit_code"),
        _text("u.name"), _text("u.code"), _date("m.joined_on", serial),
        _text("m.card_number"), _words("m.member_type", cols.MEMBER_TYPE_EXPORT),
        _categories(), _words("m.status", cols.STATUS_EXPORT),
        _date(STATUS_DATE, serial), _text("m.notes"),
    ]
    dates = {18, 23} | ({5} if in_full else set())
    return out, dates


def batch_queries(queryset, user, serial, empty="", size=BATCH):
    """``(SQL, params)`` of each primary-key batch of ``queryset`` (``size`` members), in
    order: the rows' cells (``cells``), as text; an empty cell as ``empty`` ('' or None:
    COPY writes NULL unquoted and '' as "", the csv module both as nothing)."""
    select, _dates = cells(user, serial)
    if empty is None:
        select = [f"NULLIF({cell}, '')" for cell in select]
    members = queryset.order_by()
    last = 0
    while True:
        bound = list(members.filter(pk__gt=last).order_by("pk").using(read_database())
                     .values_list("pk", flat=True)[size - 1:size])
        batch = members.filter(pk__gt=last)
        bounds = f"m.id > {int(last)}"  # on m too: the planner then walks the primary key
        if bound:
            batch = batch.filter(pk__lte=bound[0])
            bounds += f" AND m.id <= {int(bound[0])}"
        ids, params = batch.values("pk").query.sql_with_params()
        yield (f"SELECT {', '.join(select)} {FROM} WHERE {bounds} AND m.id IN ({ids}) "
               "ORDER BY m.id", params)
        if not bound:
            return
        last = bound[0]


def csv_batches(queryset, user):
    """The CSV text of each batch (PostgreSQL's COPY) and its number of rows."""
    with _reader().cursor() as cursor:
        raw = cursor.cursor
        for sql, params in batch_queries(queryset, user, serial=False, empty=None):
            parts = []
            raw.copy_expert(f"COPY ({raw.mogrify(sql, params).decode()}) TO STDOUT "
                            "WITH (FORMAT csv)", _Collect(parts))
            yield b"".join(parts).decode(), raw.rowcount


class _Collect:
    """A file for psycopg2's COPY TO: keeps what it is sent (bytes)."""

    def __init__(self, parts):
        self.write = parts.append


def text_batches(queryset, user):
    """The rows of each batch as tuples of text (``cells(serial=True)``) and the indexes
    of the date cells."""
    _select, dates = cells(user, serial=True)
    with _reader().cursor() as cursor:
        # Smaller batches: these rows are held as Python strings, not as COPY text.
        for sql, params in batch_queries(queryset, user, serial=True, size=BATCH // 4):
            cursor.execute(sql, params)
            yield cursor.fetchall(), dates
