"""What the three importers share: the result (``ImportResult``, ``RowError``: "row N
「header」: message"), the ``Importer`` base with its cell parsers and the union and
division lookups (one query each, scoped to the user), and small helpers."""

import functools
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from members.spreadsheets.reading import CellError, cell_text, parse_bool, parse_date, parse_int
from organizations.models import Division, Organization
from organizations.policy import outside_scope
from organizations.validators import to_half_width

BATCH = 2000  # rows per INSERT/UPDATE statement and per IN (...) lookup
_WHITESPACE = re.compile(r"\s+")


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
    requests: int = 0  # 转入 of people registered outside the area: requests to release
    file_union: object = None  # where rows that name no union go
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


class Importer:
    """One kind of roster: ``validate`` builds and checks every row and returns the plan,
    ``write`` writes it. Errors go to ``result`` with the row and the column's header
    (``names``, the current row's headers as written in the file)."""

    model = None
    writing = True  # run_import turns it off for a dry run
    progress = None  # run_import's progress(done, total), told as chunks are checked

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

    def identifier(self, values, key):
        """A code cell (union code, credit code) as the register spells it: no spaces,
        upper case."""
        return _WHITESPACE.sub("", self.text(values, key)).upper()

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
        code = self.identifier(values, code_key) if code_key else ""
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


def copy_instance(instance):
    """A shallow copy of a model instance that saves as its own: the importers change
    the copy and compare it with the original."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = {key: value for key, value in instance.__dict__.items() if key != "_state"}
    clone._state = instance._state.__class__()
    clone._state.adding = instance._state.adding
    clone._state.db = instance._state.db
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone
