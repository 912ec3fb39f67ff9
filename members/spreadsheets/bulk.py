"""Writing the new members of an import: each member, its history row (the audit trail
of django-simple-history, history_type "+" by the importing user) and its membership
events (the JOIN and any later status change, built by ``services.opening_events`` as
``enrol`` builds them: this module writes rows, it decides none) — the rows
``bulk_create_with_history`` and ``MembershipEvent.objects.bulk_create`` write, but on
PostgreSQL through COPY.

Why COPY: a 100,000-row import writes 300,000 rows; INSERTs built by the ORM spend
about 40 s on that in Python, COPY about 5. The member ids are taken from the table's
own sequence first (``nextval`` over ``generate_series``), so the history and event rows
can name their member without a round trip. Everything runs inside the caller's
transaction: an error anywhere writes nothing. Other databases (SQLite in development
and tests) take the ORM's bulk path in batches.

Why a thread: the server spends as long on a chunk's COPY (its rows into eleven member
indexes) as Python spends validating the next chunk, and the machine has a core for
each. ``MemberWriter`` sends a chunk's COPY from a background thread, on the
transaction's own connection (psycopg2 lets threads share one and runs one statement at
a time on it; its COPY waits for the server without holding the GIL), while the
importer goes on validating.
"""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from members.models import COUNTED_FIELDS, Member, MembershipEvent
from members.models.names import name_keys

BATCH = 2000  # rows per INSERT on the ORM path
NEW_MEMBER_FIELDS = tuple(field.attname for field in Member._meta.concrete_fields
                          if not field.primary_key)
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


_NAME = NEW_MEMBER_FIELDS.index("name")
_NAME_KEYS = (NEW_MEMBER_FIELDS.index("name_initials"), NEW_MEMBER_FIELDS.index("given_name"))


def with_name_keys(values):
    """A new member's values with the name's search keys (``members.models.names``)
    computed here, whoever built the values: bulk writes bypass ``Member.save``."""
    values = list(values)
    values[_NAME_KEYS[0]], values[_NAME_KEYS[1]] = name_keys(values[_NAME])
    return values


class MemberWriter:
    """Writes an import's new members chunk by chunk (``write``) in the caller's
    transaction; ``close`` waits for the last chunk. On PostgreSQL a chunk's COPY runs in
    a background thread until the next ``write`` or ``wait``: the caller's own queries
    meanwhile wait their turn on the connection, and it must ``close`` the writer before
    its transaction ends, whatever happened."""

    def __init__(self, user):
        self.user = user  # the stored user who imports, or None
        self.copying = connection.vendor == "postgresql"
        self.thread = ThreadPoolExecutor(max_workers=1) if self.copying else None
        self.pending = None

    def write(self, new):
        """``new``: one chunk's (values in ``NEW_MEMBER_FIELDS`` order, [(event kind,
        date, valid_until), …]) pairs, the event rows as ``services.opening_events``
        builds them; its COPY text is held until written."""
        self.wait()
        if not new:
            return
        new = [(with_name_keys(values), events) for values, events in new]
        if not self.copying:
            _create_members(new, self.user)
            return
        statements = _copy_statements(new, self.user)  # built here: they hold the GIL
        connection.ensure_connection()
        self.pending = self.thread.submit(_run_copies, connection.connection, statements)

    def wait(self):
        """Until the chunk sent last is written; its error, if any, is raised here."""
        pending, self.pending = self.pending, None
        if pending is not None:
            with connection.wrap_database_errors:  # as Django's: django.db.DataError, …
                pending.result()

    def close(self):
        try:
            self.wait()
        finally:
            if self.thread is not None:
                self.thread.shutdown()


def _create_members(new, user):
    for start in range(0, len(new), BATCH):
        chunk = new[start:start + BATCH]
        members = [Member(**dict(zip(NEW_MEMBER_FIELDS, values))) for values, _events in chunk]
        bulk_create_with_history(members, Member, batch_size=BATCH, default_user=user)
        MembershipEvent.objects.bulk_create([
            MembershipEvent(member=member, kind=kind, date=day, union_id=member.union_id,
                            recorded_by=user, valid_until=valid_until,
                            **member.counted_attributes())
            for member, (_values, events) in zip(members, chunk)
            for kind, day, valid_until in events
        ], batch_size=BATCH)


def copy_text(value):
    """``value`` in COPY's text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        if _COPY_SPECIAL.search(value):
            return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                    .replace("\r", "\\r"))
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is date or kind is datetime:
        return value.isoformat()
    return str(value)


def _copy(model, columns, lines):
    """A COPY statement for ``_run_copies``: its SQL and its rows' text."""
    quote = connection.ops.quote_name
    sql = (f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           "FROM STDIN")
    return sql, "".join(lines)


def _run_copies(raw_connection, statements):
    with raw_connection.cursor() as cursor:  # psycopg2's own: Django's are per thread
        for sql, text in statements:
            cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)


def copy_rows(model, columns, rows, lines_per_copy=50_000):
    """COPY ``rows`` (Python values in ``columns`` order) into ``model``'s table on
    PostgreSQL, ``lines_per_copy`` at a time so that a million rows never sit in memory
    as one text: the writer the demo generator shares with the import. Returns the
    number of rows. Rows written this way bypass ``save()`` and history."""
    connection.ensure_connection()
    count, lines = 0, []
    for row in rows:
        lines.append("\t".join([copy_text(value) for value in row]) + "\n")
        if len(lines) >= lines_per_copy:
            _run_copies(connection.connection, [_copy(model, columns, lines)])
            count, lines = count + len(lines), []
    if lines:
        _run_copies(connection.connection, [_copy(model, columns, lines)])
        count += len(lines)
    return count


def _copy_statements(new, user):
    """The COPY statements writing ``new`` (see ``MemberWriter.write``): their ids taken
    from the member sequence, the text of the member, history and event rows built."""
    history = Member.history.model
    now = timezone.now()
    user_id = copy_text(getattr(user, "pk", None))
    fields = {field.attname: field.column for field in Member._meta.concrete_fields}
    member_columns = [fields["id"]] + [fields[name] for name in NEW_MEMBER_FIELDS]
    history_columns = member_columns + [
        "history_date", "history_change_reason", "history_type", "history_user_id"]
    # simple-history's bulk_history_create: no change reason (""), type "+", the user.
    history_tail = f"\t{now.isoformat()}\t\t+\t{user_id}\n"
    event_columns = [MembershipEvent._meta.get_field(name).column for name in (
        "member", "kind", "date", "union", "reason", "note", "valid_until", "recorded_by",
        "recorded_at", *COUNTED_FIELDS)]
    event_tail = f"\t{user_id}\t{now.isoformat()}"
    union_index = NEW_MEMBER_FIELDS.index("union_id")
    counted_indexes = [NEW_MEMBER_FIELDS.index(name) for name in COUNTED_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Member._meta.db_table, fields["id"], len(new)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    members, histories, events = [], [], []
    for pk, (values, member_events) in zip(ids, new):
        line = f"{pk}\t" + "\t".join([copy_text(value) for value in values])
        members.append(line + "\n")
        histories.append(line + history_tail)
        union = copy_text(values[union_index])
        counted = "".join(f"\t{copy_text(values[i])}" for i in counted_indexes)
        for kind, day, valid_until in member_events:
            events.append(f"{pk}\t{str(kind)}\t{day.isoformat()}\t{union}"
                          f"\t\t\t{copy_text(valid_until)}{event_tail}{counted}\n")
    statements = [_copy(Member, member_columns, members)]
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):  # as bulk_history_create
        statements.append(_copy(history, history_columns, histories))
    statements.append(_copy(MembershipEvent, event_columns, events))
    return statements
