"""``--partition-events``: rebuild the bench database's event table
(``members_membershipevent``) as a declaratively partitioned table, or back as a plain
one, to measure whether partitioning helps (issue 21; bench/SCALE.md has the answer).

Django does not manage partitioned tables, so this converts the bench copy only, in
place, with the same columns, indexes, check and foreign-key constraints and the tally
triggers (statement triggers with transition tables, which PostgreSQL allows on a
partitioned table). What must differ:

- The primary key includes the partition key: ``(id, date)`` or ``(id, union_id)``
  (PostgreSQL requires every unique constraint of a partitioned table to).
- ``id`` takes its default from a sequence owned by the column (``serial`` style):
  PostgreSQL 15 has no identity columns on partitioned tables.

Kinds: ``date``, one RANGE partition per year of the events' dates (and a default one);
``union``, HASH of ``union_id`` into ``UNION_PARTITIONS`` partitions, so each union's
events lie in one partition — the nearest the table has to a subtree key (a county or
city column would have to be copied onto every event and written by the product);
``none``, a plain table again.
"""

import time

from django.db import connection, transaction

TABLE = "members_membershipevent"
OLD = f"{TABLE}_unpartitioned"
SEQUENCE = f"{TABLE}_id_seq"
UNION_PARTITIONS = 8
KINDS = ("none", "date", "union")
KEYS = {"date": "RANGE (date)", "union": "HASH (union_id)"}
PRIMARY_KEYS = {"none": "id", "date": "id, date", "union": "id, union_id"}


def current_kind(cursor):
    cursor.execute("SELECT pg_get_partkeydef(%s::regclass)", [TABLE])
    key = cursor.fetchone()[0]
    return next((kind for kind, text in KEYS.items() if text == key), "none")


def convert(kind):
    """Rebuild the event table as ``kind``; returns the seconds taken (0 if it already
    was)."""
    with connection.cursor() as cursor:
        if current_kind(cursor) == kind:
            return 0.0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        indexes, constraints, triggers = _definitions(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                       + (f" PARTITION BY {KEYS[kind]}" if kind != "none" else ""))
        # The old default's sequence goes with the old table.
        cursor.execute(f"ALTER TABLE {TABLE} ALTER id DROP DEFAULT")
        for statement in _partitions(cursor, kind):
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
        cursor.execute(f"DROP TABLE {OLD}")  # its identity sequence or owned sequence too
        cursor.execute(f"CREATE SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id")
        cursor.execute(f"SELECT setval('{SEQUENCE}', (SELECT COALESCE(MAX(id), 0) + 1 FROM {TABLE}), false)")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER id SET DEFAULT nextval('{SEQUENCE}')")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({PRIMARY_KEYS[kind]})")
        for statement in indexes + constraints + triggers:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    return time.perf_counter() - started


def _definitions(cursor):
    """The table's secondary indexes, foreign keys and triggers, as statements that
    recreate them (check constraints come along with ``LIKE``)."""
    cursor.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index i WHERE indrelid = %s::regclass "
        "AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
        [TABLE])
    indexes = [row[0] for row in cursor.fetchall()]
    if any(" UNIQUE " in index for index in indexes):
        raise SystemExit(f"{TABLE} has a unique index: it would need the partition key")
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'", [TABLE])
    constraints = [f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}'
                   for name, definition in cursor.fetchall()]
    cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass", [TABLE])
    if cursor.fetchone()[0]:
        raise SystemExit(f"a foreign key refers to {TABLE}: a partitioned table cannot take it")
    cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                   "WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
    triggers = [row[0] for row in cursor.fetchall()]
    # The old table keeps these names until it is dropped: drop the indexes now.
    cursor.execute(
        "SELECT indexrelid::regclass::text FROM pg_index i WHERE indrelid = %s::regclass "
        "AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
        [TABLE])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {TABLE}_pkey")
    return indexes, constraints, triggers


def _partitions(cursor, kind):
    if kind == "union":
        return [f"CREATE TABLE {TABLE}_h{r} PARTITION OF {TABLE} "
                f"FOR VALUES WITH (MODULUS {UNION_PARTITIONS}, REMAINDER {r})"
                for r in range(UNION_PARTITIONS)]
    if kind == "date":
        cursor.execute(f"SELECT EXTRACT(YEAR FROM MIN(date))::int, EXTRACT(YEAR FROM MAX(date))::int FROM {OLD}")
        first, last = cursor.fetchone()
        return [f"CREATE TABLE {TABLE}_y{year} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
                for year in range(first, last + 2)] + [
            f"CREATE TABLE {TABLE}_other PARTITION OF {TABLE} DEFAULT"]
    return []
