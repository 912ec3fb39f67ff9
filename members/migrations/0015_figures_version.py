"""The figures' version (``members.statistics.cache``): a number that changes with
every committed write to what the dashboard and campaign figures count
(``members.models.FIGURE_TABLES``), read on every request so a cached figure is never
shown after a change, whichever process cached it.

PostgreSQL: a sequence, advanced by a trigger per statement on each table, which also
takes ``FIGURES_LOCK`` shared until the writer commits (the cache stores nothing while a
writer is in flight: the sequence moves before the writer's rows become visible). No
row is locked, so concurrent writers never wait for each other. SQLite: a one-row table
counted up by a trigger per row, in the writer's transaction (SQLite has one writer at a
time). A migration that rebuilds one of these tables on SQLite drops its triggers and
must create them again; tests/test_figure_cache.py fails if any is missing."""

from django.db import migrations

from members.models.events import FIGURE_TABLES, FIGURES_LOCK

VERSION = "members_figures_version"


def figure_tables(apps):
    """The tables of ``FIGURE_TABLES``, with the many-to-many tables they own."""
    tables = []
    for app_label, model_name in FIGURE_TABLES:
        model = apps.get_model(app_label, model_name)
        tables.append(model._meta.db_table)
        tables += [field.remote_field.through._meta.db_table
                   for field in model._meta.local_many_to_many
                   if field.remote_field.through._meta.auto_created]
    return tables


def postgresql(tables):
    yield f"CREATE SEQUENCE {VERSION}"
    yield f"""
    CREATE FUNCTION members_figures_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock_shared({FIGURES_LOCK});
        PERFORM nextval('{VERSION}');
        RETURN NULL;
    END
    $$
    """
    for table in tables:
        yield (f"CREATE TRIGGER members_figures_changed AFTER INSERT OR UPDATE OR DELETE "
               f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
               f"EXECUTE FUNCTION members_figures_changed()")


def sqlite(tables):
    yield f"CREATE TABLE {VERSION} (last_value integer NOT NULL)"
    yield f"INSERT INTO {VERSION} (last_value) VALUES (1)"
    for table in tables:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            yield (f"CREATE TRIGGER members_figures_{operation.lower()}_{table} AFTER "
                   f"{operation} ON {table} BEGIN UPDATE {VERSION} SET last_value = "
                   f"last_value + 1; END")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    make = {"postgresql": postgresql, "sqlite": sqlite}[vendor]
    for statement in make(figure_tables(apps)):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    tables = figure_tables(apps)
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER members_figures_changed ON {table}")
        schema_editor.execute("DROP FUNCTION members_figures_changed()")
        schema_editor.execute(f"DROP SEQUENCE {VERSION}")
    else:
        for table in tables:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER members_figures_{operation}_{table}")
        schema_editor.execute(f"DROP TABLE {VERSION}")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0014_entry_receipts_self_enrolment"),
        ("organizations", "0005_grant_and_site_activity_history"),
    ]

    operations = [migrations.RunPython(create, drop)]
