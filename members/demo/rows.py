"""Loading the demo's rows in bulk: COPY on PostgreSQL, one executemany per batch on
SQLite, with the big tables' indexes rebuilt once after the load.

The demo builds every row with its primary key already assigned, so nothing needs a
round trip per row. Rows loaded this way bypass ``save()``, signals and
django-simple-history: for demo data that is fine (the history starts with the first
real edit). On PostgreSQL the rows go through the import's own COPY writer
(``members.spreadsheets.bulk.copy_rows``).
"""

from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection

from members.spreadsheets.bulk import copy_rows


def next_id(model):
    """The first free primary key of ``model``'s table."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def insert_rows(model, columns, rows, batch_size=5000):
    """Insert ``rows`` (sequences of Python values in ``columns`` order, primary keys
    included) into ``model``'s table as fast as the database allows. Returns the number
    of rows."""
    if connection.vendor == "postgresql":
        return copy_rows(model, columns, rows, batch_size * 10)
    return _execute_many(model, columns, rows, batch_size)


def _execute_many(model, columns, rows, batch_size):
    fields = [model._meta.get_field(c[:-3] if c.endswith("_id") and c != "id" else c)
              for c in columns]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, row)])
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


@contextmanager
def indexes_deferred(*models):
    """Load big tables the way PostgreSQL's manual recommends: drop their secondary
    indexes, unique and foreign-key constraints, load, then rebuild them — one sort per
    index and one join per foreign key instead of a B-tree insert and a queued trigger
    per row (about three times faster for a million members). The rebuilt definitions
    come from the catalog, so indexes other apps add are kept too. Runs inside the
    caller's transaction; use it on tables that nothing else is writing. A no-op on
    SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses tables with queued foreign-key checks: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        saved = [_drop_indexes(cursor, model) for model in models]
    yield
    with connection.cursor() as cursor:
        for table, constraints, indexes in saved:
            for _, definition in indexes:
                cursor.execute(definition)
            # Unique constraints before foreign keys (ORDER BY contype DESC below).
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                )


def _drop_indexes(cursor, model):
    """Drop ``model``'s secondary indexes and its unique and foreign-key constraints;
    returns (quoted table, constraints, indexes) with the definitions to rebuild them."""
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
        [model._meta.db_table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [model._meta.db_table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return table, constraints, indexes


def reset_sequences(*models):
    """After inserting rows with explicit ids, move PostgreSQL's id sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
