"""The one import path for members, employers and unions: the admin, the /sheets/ pages
and ``manage.py import_data`` all call ``run_import``.

The flow is validate everything, then write everything. Every row is built into an
unsaved model instance and checked by the model's own rules (``full_clean``, which runs
``Member.clean`` — the same rules as the forms); unions and employers are looked up in
dictionaries built from one ``visible_to(user)`` query each, never per row. Any error
anywhere means nothing is written (all-or-nothing): the preview lists every error as
"row N 「header」: message", with N the row number the clerk sees in Excel.

Why not django-import-export's Resource pipeline: it saves row by row with a query or
more per row and its own field widgets — a second validation path, and about ten times
slower than the bulk writes here (issue 7's target is 100,000 rows in under 40 s).
"""

import functools
import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _, gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from members.forms import existing_membership_message
from members.identity import DocumentType, looks_mangled_by_excel, parse_document
from members.models import COUNTED_FIELDS, Category, Member, MembershipEvent
from members.services import STATUS_AFTER
from members.spreadsheets import columns as cols
from members.spreadsheets.bulk import NEW_MEMBER_FIELDS, MemberWriter
from members.spreadsheets.reading import (
    HEADER_SEARCH_ROWS,
    CellError,
    SpreadsheetError,
    cell_text,
    check_upload,
    normalize_header,
    parse_bool,
    parse_date,
    parse_int,
    read_sheets,
)
from organizations.access import is_unrestricted, scope_root
from organizations.models import Division, Employer, Organization
from organizations.policy import outside_scope
from organizations.validators import to_half_width

BATCH = 2000  # rows per INSERT/UPDATE statement and per IN (...) lookup
CHUNK_ROWS = 10_000  # member rows validated and written at a time
_WHITESPACE = re.compile(r"\s+")
# Labels for duplicates, translated only when a duplicate turns up.
THIS_PERSON = gettext_lazy("This person")
THIS_CARD_NUMBER = gettext_lazy("This card number")
MIN_HEADER_MATCHES = 3


@dataclass
class RowError:
    row: int  # as the clerk sees it in the spreadsheet (1-based)
    column: str  # the header as written in the file, or "" for the row as a whole
    message: str
    key: str = ""  # the column's key, so the model's own check of it is not repeated

    def __str__(self):
        if self.column:
            return _("Row %(row)d 「%(column)s」: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    committed: bool = False
    file_error: str = ""
    sheet: str = ""
    header_row: int = 0
    headers: dict = field(default_factory=dict)  # column index → key
    ignored_headers: list = field(default_factory=list)
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    scope_rows: list = field(default_factory=list)  # rows naming something outside the scope

    @property
    def ok(self):
        return not self.file_error and not self.errors

    @property
    def error_rows(self):
        return len({error.row for error in self.errors})

    def errors_by_row(self):
        by_row = {}
        for error in self.errors:
            by_row.setdefault(error.row, []).append(error)
        return by_row

    def summary(self):
        if self.file_error:
            return self.file_error
        return _(
            "%(rows)d rows: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, "
            "%(errors)d with errors."
        ) % {"rows": self.rows, "new": self.new, "updated": self.updated,
             "unchanged": self.unchanged, "errors": self.error_rows}


def run_import(kind, data, user, *, commit=False):
    """Read ``data`` (the uploaded bytes) as a roster of ``kind`` and validate it as
    ``user`` would enter it. With ``commit`` and no error at all, write it in one
    transaction. Returns an ``ImportResult``; never raises for bad files."""
    result = ImportResult(kind=kind)
    importer = IMPORTERS[kind](user, result)
    importer.writing = commit  # a dry run keeps no planned rows, only their count
    try:
        file_format = check_upload(data)
        sheet, header_index, rows = find_table(read_sheets(data, file_format), kind)
        result.sheet = sheet
        result.header_row = header_index + 1
        result.headers, result.ignored_headers = map_headers(rows[header_index], kind)
        records = data_rows(rows, header_index, result.headers)
        del rows  # the records keep only the known columns' cells
    except SpreadsheetError as error:
        result.file_error = str(error)
        return result
    result.rows = len(records)
    if commit:
        with transaction.atomic():
            importer.run(records)
            if result.ok:
                result.committed = True
            else:  # rows written before a later row's error are taken back
                transaction.set_rollback(True)
    else:
        importer.run(records)
    return result


def find_table(sheets, kind):
    """The first sheet whose first rows contain a header row for ``kind``: the first row
    among the top ten that matches enough known headers (title rows above it, such as
    "XX工会会员花名册", are skipped)."""
    lookup = header_lookup(kind)
    required = [column for column in cols.COLUMNS[kind] if column.required]
    best_missing = None
    for name, rows in sheets:
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            keys = {lookup.get(normalize_header(cell)) for cell in row} - {None}
            if len(keys) >= min(MIN_HEADER_MATCHES, len(required) + 1):
                missing = [column.header for column in required if column.key not in keys]
                if not missing:
                    return name, index, rows
                best_missing = best_missing or missing
    if best_missing:
        raise SpreadsheetError(
            _("The sheet lacks required columns: %(columns)s.") % {"columns": "、".join(best_missing)}
        )
    raise SpreadsheetError(
        _("No header row found in the first %(count)d rows. The header row needs columns "
          "such as %(columns)s; download the template to see them all.")
        % {"count": HEADER_SEARCH_ROWS,
           "columns": "、".join(column.header for column in cols.COLUMNS[kind][:5])}
    )


def header_lookup(kind):
    lookup = {}
    for column in cols.COLUMNS[kind]:
        for name in column.names:
            lookup.setdefault(normalize_header(name), column.key)
    return lookup


def map_headers(header_row, kind):
    """Column index → key for the known headers (the first of two columns with the same
    meaning wins); the other non-empty headers are ignored and reported."""
    lookup = header_lookup(kind)
    mapped, seen, ignored = {}, set(), []
    for index, cell in enumerate(header_row):
        key = lookup.get(normalize_header(cell))
        if key and key not in seen:
            mapped[index] = key
            seen.add(key)
        elif normalize_header(cell) and normalize_header(cell) not in (
            cols.RESULT_HEADER, cols.REASON_HEADER
        ):
            ignored.append(cell_text(cell))
    return mapped, ignored


def data_rows(rows, header_index, headers):
    """The non-empty rows below the header as ``Records``: each row's known cells,
    trimmed, with our exports' formula guard taken off."""
    header_row = rows[header_index]
    names = {key: cell_text(header_row[index]).replace("\n", "") for index, key in headers.items()}
    indexes = list(headers)
    kept = []
    limit = settings.IMPORT_MAX_ROWS
    for number, row in enumerate(itertools.islice(rows, header_index + 1, None),
                                 start=header_index + 2):
        width = len(row)
        cells = []
        empty = True
        for index in indexes:
            value = row[index] if index < width else ""
            if isinstance(value, str):
                value = value.strip()
                if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                    value = value[1:]  # our exports' formula guard (writing.neutralise)
            if value is not None and value != "":
                empty = False
            cells.append(value)
        if empty:
            continue
        if len(kept) >= limit:
            raise SpreadsheetError(
                _("The sheet has more than %(limit)d rows. Split it into several files.")
                % {"limit": limit}
            )
        kept.append((number, tuple(cells)))
    return Records([headers[index] for index in indexes], names, kept)


class Records:
    """The data rows of a sheet. Iterating yields ``(row number, {key: value} of the
    non-empty cells, {key: header text})``; the dictionaries are made as the rows are
    used, so a file of 100,000 rows is held as 100,000 small tuples, not dictionaries."""

    def __init__(self, keys, names, rows):
        self.keys = keys
        self.names = names
        self.rows = rows  # (row number, cells in ``keys`` order)

    def __len__(self):
        return len(self.rows)

    def chunks(self, size):
        for start in range(0, len(self.rows), size):
            yield Records(self.keys, self.names, self.rows[start:start + size])

    def __iter__(self):
        keys, names = self.keys, self.names
        for number, cells in self.rows:
            yield number, {key: value for key, value in zip(keys, cells)
                           if value is not None and value != ""}, names


# --- shared lookups ------------------------------------------------------------------


class Importer:
    model = None
    writing = True  # run_import turns it off for a dry run

    def __init__(self, user, result):
        self.user = user
        self.result = result
        self.names = {}

    def run(self, records):
        """Validate ``records`` and, when writing and no row has an error, write them,
        inside the caller's transaction (which ``run_import`` rolls back on an error)."""
        plan = self.validate(records)
        if self.writing and self.result.ok:
            self.write(plan)

    def error(self, row, key, message):
        header = self.names.get(key) or (self.field_label(key) if key else "")
        self.result.errors.append(RowError(row, header, str(message), key or ""))

    def field_label(self, key):
        try:
            return str(self.model._meta.get_field(key).verbose_name)
        except Exception:
            return "" if key == "__all__" else key

    def model_errors(self, row, error, key_for_field=None, skip=()):
        for field_name, messages in error.message_dict.items():
            if field_name in skip:
                continue
            key = (key_for_field or {}).get(field_name, field_name)
            for message in messages:
                self.error(row, None if key == "__all__" else key, message)

    def text(self, values, key):
        return cell_text(values.get(key, ""))

    def code(self, row, values, key, allowed, aliases=None):
        """A coded column: one of the register's values (a few common short forms
        accepted); an error names the allowed values."""
        text = self.text(values, key)
        if not text:
            return ""
        lookup = _code_lookup(allowed)
        if text in lookup:
            return lookup[text]
        text = _WHITESPACE.sub("", text)
        for candidate in (text, (aliases or {}).get(text), text + "族", text + "户口"):
            if candidate and candidate in lookup:
                return lookup[candidate]
        shown = "、".join(allowed[:20]) + ("…" if len(allowed) > 20 else "")
        self.error(row, key, _("\"%(value)s\" is not allowed here; use one of: %(values)s.")
                   % {"value": text, "values": shown})
        return None

    def date(self, row, values, key):
        try:
            return parse_date(values.get(key))
        except CellError as error:
            self.error(row, key, error)
            return None

    def integer(self, row, values, key):
        try:
            return parse_int(values.get(key))
        except CellError as error:
            self.error(row, key, error)
            return None

    def boolean(self, row, values, key):
        try:
            return parse_bool(values.get(key, ""))
        except CellError as error:
            self.error(row, key, error)
            return None

    def load_unions(self):
        """Unions the user may use, by code, credit code and name (one query)."""
        self.unions_by_id, self.unions_by_code, self.unions_by_name = {}, {}, {}
        for union in Organization.objects.visible_to(self.user):
            self.unions_by_id[union.pk] = union
            self.unions_by_code[union.code] = union
            if union.credit_code:
                self.unions_by_code[union.credit_code] = union
            self.unions_by_name.setdefault(union.name, []).append(union)
        self.unresolved_unions = {}  # text → rows, checked against the whole register later

    def resolve_union(self, row, values, name_key, code_key=None, extra=None):
        """A union named by code, credit code or exact name, among those visible to the
        user (and ``extra``, unions created earlier in the same file)."""
        code = re.sub(r"\s+", "", self.text(values, code_key)).upper() if code_key else ""
        text = self.text(values, name_key)
        key = code_key if code else name_key
        for candidate in filter(None, (code, text, text.upper())):
            if extra and candidate in extra:
                return extra[candidate]
            union = self.unions_by_code.get(candidate)
            if union is not None:
                return union
        if not code and text in self.unions_by_name:
            matches = self.unions_by_name[text]
            if len(matches) == 1:
                return matches[0]
            self.error(row, key, _("Several unions are called \"%(name)s\"; give the union "
                                   "code instead.") % {"name": text})
            return None
        looked_for = code or text
        if looked_for:
            self.unresolved_unions.setdefault(looked_for, []).append((row, key))
        return None

    def report_unresolved_unions(self):
        """Unions that were not found among the visible ones: outside the user's scope
        (the import is refused and the rows named) or not on the register at all."""
        if not self.unresolved_unions:
            return
        texts = list(self.unresolved_unions)
        outside = set()
        for start in range(0, len(texts), BATCH):
            chunk = texts[start:start + BATCH]
            for code, credit, name in Organization.objects.filter(
                Q(code__in=chunk) | Q(credit_code__in=chunk) | Q(name__in=chunk)
            ).values_list("code", "credit_code", "name"):
                outside.update({code, credit, name})
        for text, places in self.unresolved_unions.items():
            for row, key in places:
                if text in outside:
                    self.mark_outside(row)
                    self.error(row, key, _("The union \"%(union)s\" lies outside your area; "
                                           "you cannot import into it.") % {"union": text})
                else:
                    self.error(row, key, _("No union \"%(union)s\" on the register.")
                               % {"union": text})

    def mark_outside(self, row):
        """Note a row that names something outside the user's scope (once per row)."""
        if row not in self.result.scope_rows:
            self.result.scope_rows.append(row)

    def load_divisions(self):
        """Divisions by code and name; those outside the user's area
        (``policy.outside_scope``) are known, so a row naming one is told so, not that
        the division does not exist."""
        self.divisions = {}
        for division in Division.objects.all():
            self.divisions[division.code] = self.divisions[division.name] = division
        self.divisions_outside = outside_scope(self.user, Division,
                                               {d.pk for d in self.divisions.values()})

    def resolve_division(self, row, values, key):
        text = re.sub(r"\s+", "", self.text(values, key))
        division = self.divisions.get(text)
        if division is None and text:
            self.error(row, key, _("No town, county or district \"%(value)s\" in Yangjiang.")
                       % {"value": text})
        elif division is not None and division.pk in self.divisions_outside:
            self.mark_outside(row)
            self.error(row, key, _("%(names)s lies outside your area.") % {"names": division.name})
            return None
        return division

    def duplicate(self, seen, key, row, column, label):
        """Catch the same person, employer or union twice in one file (both rows named)."""
        first = seen.get(key)
        if first is None:
            seen[key] = row
            return False
        self.error(row, column, _("%(what)s also appears on row %(row)d.")
                   % {"what": label, "row": first})
        self.error(first, column, _("%(what)s also appears on row %(row)d.")
                   % {"what": label, "row": row})
        return True

    def changed_fields(self, instance, original, fields):
        """The fields whose values differ (foreign keys compared by id: no query)."""
        meta = self.model._meta
        return [
            name for name in fields
            if getattr(instance, meta.get_field(name).attname)
            != getattr(original, meta.get_field(name).attname)
        ]


@functools.lru_cache(maxsize=64)
def _code_lookup(allowed):
    """Allowed value → itself, and its half-width, space-free spelling → it: cells are read
    through ``cell_text`` (half-width), while code values such as 职业资格四级（中级） or
    待（下）岗 keep their full-width brackets, so an exported file imports back."""
    lookup = {re.sub(r"\s+", "", to_half_width(value)): value for value in allowed}
    lookup.update((value, value) for value in allowed)
    return lookup


def stored_user(user):
    """The user to record as author: None for anonymous users and for the management
    commands' built-in superuser, which is not a stored user."""
    return user if user is not None and getattr(user, "pk", None) else None


def _copy(instance):
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = {key: value for key, value in instance.__dict__.items() if key != "_state"}
    clone._state = instance._state.__class__()
    clone._state.adding = instance._state.adding
    clone._state.db = instance._state.db
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone


# --- members -------------------------------------------------------------------------

Kind = MembershipEvent.Kind
MEMBER_TEXT_FIELDS = ("name", "native_place", "household_place", "notes")
MEMBER_CODE_FIELDS = {
    name: cols.column(cols.MEMBERS, name).codes
    for name in ("gender", "ethnicity", "household_type", "education", "political_status",
                 "employment_status", "skill_grade")
}
CODE_ALIASES = {
    "党员": "中共党员", "预备党员": "中共预备党员", "团员": "共青团员", "农业": "农业户口",
    "非农业": "非农业户口", "城镇": "非农业户口", "农村": "农业户口", "中专/中技": "中专",
    "小学": "小学及以下", "研究生": "硕士", "大学本科": "本科", "大学专科": "大专",
}
# Fields an import may change on an existing member. The membership state (union,
# status, join date) changes only through members.services, so that history stays right.
MEMBER_UPDATE_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "native_place", "household_place",
    "household_type", "education", "political_status", "employment_status", "skill_grade",
    "mobile", "employer", "card_number", "member_type", "notes",
    *(category.field for category in Category),
)
FIELD_TO_KEY = {"employer": "employer", "union": "union", "is_migrant_worker": "categories"}


class MemberImporter(Importer):
    model = Member

    def run(self, records):
        """Validate and write ``CHUNK_ROWS`` rows at a time, so that memory holds a
        chunk's planned members rather than the whole file's (a 100,000-row commit
        peaked over 500 MB). Checks across the file (the same person or card twice,
        unknown unions) keep their state from chunk to chunk; once any row has an error
        nothing more is written, the rest is still checked so every error is reported,
        and ``run_import`` rolls back what the earlier chunks wrote.

        Each chunk's new members are written (``MemberWriter``: in the background on
        PostgreSQL) while the next chunk is built, after its lookups: building queries
        nothing, so the database writes while Python validates."""
        self.prepare()
        if not self.writing:
            for chunk in records.chunks(CHUNK_ROWS):
                self.build(chunk, self.look_up(chunk))
            self.report_unresolved_unions()
            return
        writer = MemberWriter(self._creator())
        try:
            planned = None  # the chunk before, to write
            for chunk in records.chunks(CHUNK_ROWS):
                found = self.look_up(chunk)
                if planned and self.result.ok:
                    self.write(planned, writer)
                planned = self.build(chunk, found)
                writer.wait()
            if planned and self.result.ok:
                self.write(planned, writer)
        finally:
            writer.close()  # before the transaction ends, however it ends
        self.report_unresolved_unions()

    def prepare(self):
        """The lookups every chunk uses: unions, employers, and what is seen so far."""
        self.load_unions()
        employers = Employer.objects.visible_to(self.user).only("id", "name", "credit_code", "union_id")
        self.employers_by_id, self.employers_by_code, self.employers_by_name = {}, {}, {}
        for employer in employers:
            self.employers_by_id[employer.pk] = employer
            if employer.union_id in self.unions_by_id:
                # Member.clean names the covering union: give it the object we hold.
                employer.union = self.unions_by_id[employer.union_id]
            if employer.credit_code:
                self.employers_by_code[employer.credit_code] = employer
            self.employers_by_name.setdefault(employer.name, []).append(employer)
        self.seen_documents, self.seen_cards = {}, {}
        # A new member is kept as its column values (``NEW_MEMBER_FIELDS``), a tenth of the
        # memory of a model instance; a dry run keeps none at all.
        self.prototype = Member(created_by=self._creator())

    def look_up(self, records):
        """The first pass over a chunk: its document and card numbers, checked, and the
        members already registered with them, loaded in bulk (for ``build``)."""
        parsed = []
        seen_documents, seen_cards = self.seen_documents, self.seen_cards
        for row, values, names in records:
            self.names = names
            id_type = self.code(row, values, "id_type", cols.column(cols.MEMBERS, "id_type").codes) or ""
            raw = values.get("id_number", "")
            number = None
            if id_type is not None:
                try:
                    number = parse_document(id_type or DocumentType.RESIDENT_ID, raw).number
                except ValidationError as error:
                    if looks_mangled_by_excel(raw):
                        self.error(row, "id_number", _(
                            "Excel has already turned this ID number into a number (%(value)s) "
                            "and its last digits are lost; it cannot be repaired. Format the "
                            "column as text and type the number again."
                        ) % {"value": cell_text(raw)})
                    else:
                        for message in error.messages:
                            self.error(row, "id_number", message)
            if number:
                self.duplicate(seen_documents, (id_type or DocumentType.RESIDENT_ID, number),
                               row, "id_number", THIS_PERSON)
            card = re.sub(r"\s+", "", self.text(values, "card_number"))
            if card:
                self.duplicate(seen_cards, card, row, "card_number", THIS_CARD_NUMBER)
            parsed.append((id_type or DocumentType.RESIDENT_ID, number, card))

        existing = self._existing([p[1] for p in parsed if p[1]])
        card_holders = self._card_holders([p[2] for p in parsed if p[2]])
        first_pass_errors = {error.row for error in self.result.errors}
        return parsed, existing, card_holders, first_pass_errors

    def build(self, records, found):
        """The second pass over a chunk (after ``look_up``, which found ``found``): each
        row built into a member and checked, ``(new, updated)`` members to write."""
        parsed, existing, card_holders, first_pass_errors = found
        new, updated = [], []
        for (row, values, names), (id_type, number, card) in zip(records, parsed):
            self.names = names
            current = existing.get((id_type, number)) if number else None
            if card and card in card_holders and card_holders[card] != (id_type, number):
                self.error(row, "card_number", _("This card number belongs to another member."))
            planned = self._build(row, values, id_type, current, number)
            if planned is None or row in first_pass_errors:
                continue
            member, events = planned
            if current is None:
                self.result.new += 1
                if self.writing:
                    new.append((tuple([getattr(member, name) for name in NEW_MEMBER_FIELDS]),
                                events))
                continue
            changed = self.changed_fields(member, current, MEMBER_UPDATE_FIELDS)
            if changed:
                self.result.updated += 1
                if self.writing:
                    updated.append((member, changed))
            else:
                self.result.unchanged += 1
        return new, updated

    def _existing(self, numbers):
        found = {}
        for start in range(0, len(numbers), BATCH):
            for member in Member.objects.filter(id_number__in=numbers[start:start + BATCH]):
                if member.employer_id in self.employers_by_id:
                    # Member.clean reads the employer's union: no query per row.
                    member.employer = self.employers_by_id[member.employer_id]
                found[(member.id_type, member.id_number)] = member
        return found

    def _card_holders(self, cards):
        holders = {}
        for start in range(0, len(cards), BATCH):
            for card, id_type, number in Member.objects.filter(
                card_number__in=cards[start:start + BATCH]
            ).values_list("card_number", "id_type", "id_number"):
                holders[card] = (id_type, number)
        return holders

    def _build(self, row, values, id_type, current, number):
        errors_before = len(self.result.errors)
        if current is not None and current.union_id not in self.unions_by_id:
            self.mark_outside(row)
            self.error(row, "id_number", existing_membership_message(current, self.user))
            return None
        # A copy of one blank member: the same defaults as Member(), without running
        # Model.__init__ for every row.
        member = _copy(current if current is not None else self.prototype)
        member.id_type = id_type
        member.id_number = self.text(values, "id_number")
        for name in MEMBER_TEXT_FIELDS:
            if name in values:
                setattr(member, name, self.text(values, name))
        for name, allowed in MEMBER_CODE_FIELDS.items():
            value = self.code(row, values, name, allowed, CODE_ALIASES)
            if value:
                setattr(member, name, value)
        for name in ("birth_date", "joined_on"):
            value = self.date(row, values, name)
            if value:
                setattr(member, name, value)
        if "mobile" in values:
            member.mobile = re.sub(r"[\s-]+", "", self.text(values, "mobile"))
        if "card_number" in values:
            member.card_number = re.sub(r"\s+", "", self.text(values, "card_number")) or None
        member_type = self.code(row, values, "member_type", tuple(cols.MEMBER_TYPE_WORDS))
        if member_type:
            member.member_type = cols.MEMBER_TYPE_WORDS[member_type]
        self._categories(row, values, member)

        union = self.resolve_union(row, values, "union", "union_code")
        if union is not None:
            if current is not None and union.pk != current.union_id:
                self.error(row, "union", _(
                    "The register has this member in %(union)s; record a transfer on the "
                    "member's page instead of changing the union by import."
                ) % {"union": self.unions_by_id[current.union_id].name})
            else:
                member.union = union  # Member.clean checks that it takes members
        elif current is None and "union" not in values and "union_code" not in values:
            self.error(row, "union", _("Enter the base union."))
        employer = self._employer(
            row, values, self.unions_by_id.get(member.union_id) if member.union_id else union
        )
        if employer is not None:
            member.employer = employer

        status_event, status_date = self._status(row, values, member, current)
        if current is not None and member.joined_on != current.joined_on:
            self.error(row, "joined_on", _(
                "The register has the join date %(date)s; change it on the member's page."
            ) % {"date": current.joined_on.isoformat()})
        if not member.union_id:
            return None  # the missing or unknown union is reported already or below
        try:
            member.full_clean(
                exclude=["union", "employer", "drive", "created_by"],
                validate_unique=False, validate_constraints=False,
            )
        except ValidationError as error:
            # Cells that failed to parse (and a bad document number, reported by the
            # first pass) are not reported a second time by the model's checks.
            skip = {e.key for e in self.result.errors[errors_before:]}
            self.model_errors(row, error, FIELD_TO_KEY,
                              skip=skip if number else skip | {"id_number"})
        if len(self.result.errors) > errors_before or not number:
            return None
        # The events are (kind, date) pairs here; write() makes the rows, so a dry run
        # builds no event instances at all.
        events = []
        if current is None:
            events.append((Kind.JOIN, member.joined_on))
            member.status = Member.Status.ACTIVE
            if status_event:
                if status_date < member.joined_on:
                    self.error(row, "status_date", _("The date lies before the join date."))
                    return None
                events.append((status_event, status_date))
                member.status = STATUS_AFTER[status_event]
                if status_event != Kind.RETAIN:
                    member.left_on = status_date
        return member, events

    def _creator(self):
        return stored_user(self.user)

    def _categories(self, row, values, member):
        if "categories" not in values and "is_migrant" not in values:
            return
        chosen = set()
        text = self.text(values, "categories")
        by_name = {name: category for category, name in cols.CATEGORY_NAMES.items()}
        by_name.update(cols.CATEGORY_SYNONYMS)
        for part in filter(None, re.split(r"[、,，;；/\s]+", text)):
            category = by_name.get(part)
            if category is None:
                self.error(row, "categories", _("\"%(value)s\" is not a category; use: %(values)s.")
                           % {"value": part, "values": "、".join(cols.CATEGORY_NAMES.values())})
            else:
                chosen.add(category)
        if "is_migrant" in values and self.boolean(row, values, "is_migrant"):
            chosen.add(Category.MIGRANT_WORKER)
        if "categories" in values:
            for category in Category:
                setattr(member, category.field, category in chosen)
        elif chosen:
            member.is_migrant_worker = True

    def _employer(self, row, values, union):
        code = re.sub(r"\s+", "", self.text(values, "employer_code")).upper()
        name = self.text(values, "employer")
        if code:
            employer = self.employers_by_code.get(code)
            if employer is None:
                self.error(row, "employer_code", _("No employer with this credit code in your "
                                                   "area; import the employer first."))
            return employer
        if not name:
            return None
        matches = self.employers_by_name.get(name, [])
        if len(matches) > 1 and union is not None:
            matches = [e for e in matches if e.union_id in (union.pk, None)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            self.error(row, "employer", _("Several employers are called \"%(name)s\"; add the "
                                          "employer's credit code.") % {"name": name})
        else:
            self.error(row, "employer", _("No employer \"%(name)s\" in your area; import the "
                                          "employer first or leave the cell empty.")
                       % {"name": name})
        return None

    def _status(self, row, values, member, current):
        """状态: 在册 (or empty) is an active member; 保留, 转出, 除名, 退会 and 死亡 add that
        event on 状态变更日期 after the join. An existing member's status must agree with
        the register: changes go through the member's page (members.services)."""
        text = re.sub(r"\s+", "", self.text(values, "status"))
        date_value = self.date(row, values, "status_date")
        if text in ("",) + cols.ACTIVE_WORDS or text == cols.STATUS_EXPORT["active"]:
            wanted = None
        elif text in cols.STATUS_WORDS:
            wanted = Kind(cols.STATUS_WORDS[text])
        else:
            self.error(row, "status", _("\"%(value)s\" is not a status; use: %(values)s.")
                       % {"value": text, "values": "、".join(cols.column(cols.MEMBERS, "status").codes)})
            return None, None
        if current is not None:
            wanted_status = STATUS_AFTER[wanted] if wanted else Member.Status.ACTIVE
            if "status" in values and wanted_status != current.status:
                self.error(row, "status", _(
                    "The register has this member as %(status)s; record the change on the "
                    "member's page."
                ) % {"status": current.get_status_display()})
            return None, None
        if wanted and date_value is None:
            self.error(row, "status_date", _("Enter the date of the status change."))
        return wanted, date_value

    def write(self, plan, writer):
        """Bulk writes: new members, their history rows and events in a few statements
        (``members.spreadsheets.bulk``: COPY on PostgreSQL) instead of ``services.enrol``
        per row (two queries each, plus the history row). A new member has no earlier
        event, so ``services._record``'s "close the previous event" step has nothing to
        do, and the events are built with their ``valid_until`` already set; the result
        is the same rows enrol() and change_status() would write. The updates first:
        the new members' COPY goes on while the caller builds the next chunk."""
        new, updated = plan
        user = self._creator()
        if updated:
            fields = sorted({name for _member, changed in updated for name in changed})
            bulk_update_with_history(
                [member for member, _changed in updated], Member, fields,
                batch_size=BATCH, default_user=user,
            )
            if set(fields) & set(COUNTED_FIELDS):  # bulk_update bypasses Member.save
                ids = [member.pk for member, changed in updated if set(changed) & set(COUNTED_FIELDS)]
                for start in range(0, len(ids), BATCH):
                    MembershipEvent.objects.filter(
                        member_id__in=ids[start:start + BATCH]
                    ).copy_member_attributes()
        writer.write(new)


# --- employers -----------------------------------------------------------------------

EMPLOYER_UPDATE_FIELDS = (
    "name", "credit_code", "nature", "economic_type", "industry", "division", "employees",
    "women_employees", "migrant_employees", "union", "unionized_on",
)


class EmployerImporter(Importer):
    model = Employer

    def validate(self, records):
        self.load_unions()
        self.load_divisions()
        visible = list(Employer.objects.visible_to(self.user))
        by_code = {e.credit_code: e for e in visible if e.credit_code}
        by_name = {}
        for employer in visible:
            by_name.setdefault(employer.name, []).append(employer)
        codes_in_file = []
        for _row, values, _names in records:
            code = re.sub(r"\s+", "", self.text(values, "credit_code")).upper()
            if code and code not in by_code:
                codes_in_file.append(code)
        elsewhere = set(Employer.objects.filter(credit_code__in=codes_in_file)
                        .values_list("credit_code", flat=True)) if codes_in_file else set()
        root = scope_root(self.user)
        seen = {}
        new, updated = [], []
        for row, values, names in records:
            self.names = names
            errors_before = len(self.result.errors)
            code = re.sub(r"\s+", "", self.text(values, "credit_code")).upper()
            name = self.text(values, "name")
            current = by_code.get(code) if code else None
            if current is None and not code:
                same_name = by_name.get(name, [])
                if len(same_name) == 1:
                    current = same_name[0]
                elif len(same_name) > 1:
                    self.error(row, "name", _("Several employers are called \"%(name)s\"; add "
                                              "the credit code.") % {"name": name})
            if code in elsewhere:
                self.mark_outside(row)
                self.error(row, "credit_code", _("This employer is registered outside your area."))
            self.duplicate(seen, code or name, row, "credit_code" if code else "name",
                           _("This employer"))
            employer = _copy(current) if current is not None else Employer()
            if "name" in values:
                employer.name = name
            if code:
                employer.credit_code = code
            for key in ("nature", "economic_type", "industry"):
                value = self.code(row, values, key, cols.column(cols.EMPLOYERS, key).codes)
                if value:
                    setattr(employer, key, value)
            division = self.resolve_division(row, values, "division")
            if division is not None:
                if division.level != Division.Level.TOWN:
                    self.error(row, "division", _("Give the town or subdistrict."))
                employer.division = division
            for key in ("employees", "women_employees", "migrant_employees"):
                value = self.integer(row, values, key)
                if value is not None:
                    setattr(employer, key, value)
            value = self.date(row, values, "unionized_on")
            if value:
                employer.unionized_on = value
            if "union" in values or "union_code" in values:
                union = self.resolve_union(row, values, "union", "union_code")
                if union is not None:
                    employer.union = union
            elif current is not None and current.union_id in self.unions_by_id:
                employer.union = self.unions_by_id[current.union_id]
            if employer.union_id is None and not is_unrestricted(self.user) and division:
                in_area = root is not None and root.kind in (
                    Organization.Kind.CITY, Organization.Kind.COUNTY, Organization.Kind.TOWN
                ) and division.code.startswith(root.division.prefix)
                if not in_area:
                    self.mark_outside(row)
                    self.error(row, "division", _("An employer without a union must lie in "
                                                  "your area."))
            try:
                employer.full_clean(exclude=["division", "union"], validate_unique=False,
                                    validate_constraints=False)
            except ValidationError as error:
                self.model_errors(row, error, skip={e.key for e in self.result.errors[errors_before:]})
            if len(self.result.errors) > errors_before:
                continue
            if current is None:
                new.append(employer)
            else:
                changed = self.changed_fields(employer, current, EMPLOYER_UPDATE_FIELDS)
                if changed:
                    updated.append((employer, changed))
                else:
                    self.result.unchanged += 1
        self.report_unresolved_unions()
        self.result.new, self.result.updated = len(new), len(updated)
        return new, updated

    def write(self, plan):
        new, updated = plan
        user = stored_user(self.user)
        bulk_create_with_history(new, Employer, batch_size=BATCH, default_user=user)
        if updated:
            fields = sorted({name for _e, changed in updated for name in changed})
            bulk_update_with_history([e for e, _c in updated], Employer, fields,
                                     batch_size=BATCH, default_user=user)


# --- unions --------------------------------------------------------------------------

UNION_UPDATE_FIELDS = (
    "name", "kind", "parent", "division", "credit_code", "founded_on", "chair", "phone",
    "is_non_public", "reported_members",
)


class UnionImporter(Importer):
    """Unions are few (5,375 in the whole city) and each save must keep the tree's paths
    right (``Organization.save``), so they are saved one by one, parents first; a parent
    may be a union created higher up in the same file."""

    model = Organization

    def validate(self, records):
        self.load_unions()
        self.load_divisions()
        codes_in_file = [re.sub(r"\s+", "", self.text(v, "code")).upper() for _r, v, _n in records]
        elsewhere = {
            code: union for code, union in (
                (u.code, u) for u in Organization.objects.filter(code__in=codes_in_file)
            ) if union.pk not in self.unions_by_id
        }
        created = {}
        seen = {}
        plan = []
        for row, values, names in records:
            self.names = names
            errors_before = len(self.result.errors)
            code = re.sub(r"\s+", "", self.text(values, "code")).upper()
            if code in elsewhere:
                self.mark_outside(row)
                self.error(row, "code", _("The union %(code)s lies outside your area.")
                           % {"code": code})
                continue
            self.duplicate(seen, code, row, "code", _("This union code"))
            current = self.unions_by_code.get(code)
            union = _copy(current) if current is not None else Organization(code=code)
            if current is not None and current.code != code:
                current = None  # the code matched another union's credit code
                union = Organization(code=code)
            if "name" in values:
                union.name = self.text(values, "name")
            for key in ("chair", "phone"):
                if key in values:
                    setattr(union, key, self.text(values, key))
            credit = re.sub(r"\s+", "", self.text(values, "credit_code")).upper()
            if credit:
                union.credit_code = credit
            founded = self.date(row, values, "founded_on")
            if founded:
                union.founded_on = founded
            if "is_non_public" in values:
                value = self.boolean(row, values, "is_non_public")
                if value is not None:
                    union.is_non_public = value
            if "reported_members" in values:
                union.reported_members = self.integer(row, values, "reported_members")
            division = self.resolve_division(row, values, "division")
            if division is not None:
                union.division = division
            kind_word = self.code(row, values, "kind", cols.column(cols.UNIONS, "kind").codes + tuple(
                cols.UNION_KIND_WORDS))
            if kind_word == cols.FEDERATION_WORD:
                level = division.level if division else None
                union.kind = {Division.Level.CITY: Organization.Kind.CITY,
                              Division.Level.COUNTY: Organization.Kind.COUNTY,
                              Division.Level.TOWN: Organization.Kind.TOWN}.get(level, union.kind)
            elif kind_word:
                union.kind = cols.UNION_KIND_WORDS[kind_word]
            parent = None
            if "parent" in values:
                parent = self.resolve_union(row, values, "parent", extra=created)
                if parent is not None:
                    union.parent = parent
            try:
                union.full_clean(exclude=["parent", "division", "path"], validate_unique=False,
                                 validate_constraints=False)
            except ValidationError as error:
                self.model_errors(row, error, {"parent": "parent"},
                                  skip={e.key for e in self.result.errors[errors_before:]})
            if len(self.result.errors) > errors_before:
                continue
            if current is None:
                # A stand-in id lets rows below name this union as their parent before it
                # exists; write() saves parents first and re-links the children.
                union.pk = -row
                created[code] = union
                if union.name not in created:
                    created[union.name] = union
                plan.append((union, parent, None))
                self.result.new += 1
            else:
                changed = self.changed_fields(union, current, UNION_UPDATE_FIELDS)
                if changed:
                    plan.append((union, parent, changed))
                    self.result.updated += 1
                else:
                    self.result.unchanged += 1
        self.report_unresolved_unions()
        return plan

    def write(self, plan):
        for union, parent, changed in plan:
            if parent is not None:
                union.parent = parent  # the parent has its real id by now
            if changed is None:
                union.pk = None
                union._state.adding = True
                union.save()
            else:
                union.save()


IMPORTERS = {cols.MEMBERS: MemberImporter, cols.EMPLOYERS: EmployerImporter,
             cols.UNIONS: UnionImporter}
