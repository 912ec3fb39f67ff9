"""The transfers of issues 7 and 21: exporting the city's members and importing 100,000
of them, each beside what PostgreSQL itself does with the same rows — ``COPY … TO`` of
the same columns, joined, for the exports; ``COPY … FROM`` of the same member and event
rows into the real tables (their indexes, triggers and deferred foreign-key checks,
commit included) for the import — and the bench prints the ratio (``x_copy``). The
import is also compared with django-import-export, with its defaults and tuned as an
experienced user would tune it."""

import io
import time

from django.db import connection, transaction

from bench.harness import Result, run_child
from members.models import Member
from organizations.models import Organization

EXPORT_ROWS = 440_871
IMPORT_ROWS = 100_000
RESOURCE_ROWS = 10_000


def _copy_to_seconds(path):
    """COPY of the export's columns, joined (the union's and employer's names and
    codes, the member's own columns as stored), of the same members (the city's first
    EXPORT_ROWS), as CSV into ``path``: the floor an export's query and file can reach."""
    city = Organization.objects.get(code="441700")
    columns = ("m.name, m.gender, m.ethnicity, m.id_type, m.id_number, m.birth_date, m.mobile, "
               "m.household_type, m.education, m.political_status, m.employment_status, "
               "m.skill_grade, m.native_place, m.household_place, e.name, e.credit_code, "
               "u.name, u.code, m.joined_on, m.card_number, m.member_type, m.is_migrant_worker, "
               "m.is_truck_driver, m.is_courier, m.status, m.left_on, m.notes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id FROM members_member m JOIN organizations_organization u ON "
            "u.id = m.union_id WHERE u.path LIKE %s ORDER BY m.id OFFSET %s LIMIT 1",
            [city.path + "%", EXPORT_ROWS - 1])
        last = (cursor.fetchone() or [2 ** 62])[0]
        sql = cursor.mogrify(
            f"COPY (SELECT {columns} FROM members_member m JOIN organizations_organization u "
            "ON u.id = m.union_id LEFT JOIN organizations_employer e ON e.id = m.employer_id "
            "WHERE u.path LIKE %s AND m.id <= %s ORDER BY m.id) TO STDOUT WITH (FORMAT csv)",
            [city.path + "%", last]).decode()
        with open(path, "wb") as handle:
            started = time.perf_counter()
            cursor.cursor.copy_expert(sql, handle)
            return time.perf_counter() - started


def exports(ctx):
    out = []
    copy = Result(f"comparison: COPY (…) TO STDOUT, the same {EXPORT_ROWS:,} members, "
                  "same columns joined, as CSV")
    for _ in range(max(1, min(ctx.runs, 2))):
        copy.times.append(_copy_to_seconds(ctx.tmp / "copy.csv"))
    for file_format, target in (("xlsx", 60), ("csv", 15)):
        result = Result(f"export {EXPORT_ROWS:,} members to .{file_format}", target)
        for _ in range(max(1, min(ctx.runs, 2))):
            seconds, peak, data = run_child("export", file_format, ctx.tmp / f"m.{file_format}", EXPORT_ROWS)
            result.times.append(seconds)
            result.extra = {"rows": data["rows"], "peak_mb": round(peak)}
        result.extra["x_copy"] = round(min(result.times) / min(copy.times), 2)
        result.note = ("bar: ≤ 5× COPY TO" if file_format == "xlsx" else "bar: ≤ 2× COPY TO") + \
            ", peak memory under 150 MB"
        out.append(result)
    out.append(copy)
    result = Result("comparison: openpyxl default (non-streaming) .xlsx, same rows")
    seconds, peak, data = run_child("export_openpyxl", ctx.tmp / "m-openpyxl.xlsx", EXPORT_ROWS)
    result.times.append(seconds)
    result.extra = {"rows": data["rows"], "peak_mb": round(peak)}
    out.append(result)
    return out


# --- imports ----------------------------------------------------------------------------

MEMBER_TABLES = ("members_membershipevent", "members_transfer")
# Rows that keep a member's id after the member is gone (Django sets it to NULL; a raw
# DELETE must do the same): the log of reads of personal data.
MEMBER_REFERENCES = (("members_personaldataread", "member_id"),)


def _delete_members(where, params=()):
    with connection.cursor() as cursor:
        for table in MEMBER_TABLES:
            cursor.execute(
                f"DELETE FROM {table} WHERE member_id IN (SELECT id FROM members_member WHERE {where})",
                params,
            )
        for table, column in MEMBER_REFERENCES:
            cursor.execute(
                f"UPDATE {table} SET {column} = NULL "
                f"WHERE {column} IN (SELECT id FROM members_member WHERE {where})",
                params,
            )
        cursor.execute(f"DELETE FROM members_member WHERE {where}", params)


def imports(ctx):
    """Export the newest 100,000 members, delete them, import them back (dry run, then
    commit), and compare with django-import-export (defaults and tuned) on 10,000 of
    them and with a raw COPY of the same members and events (putting them back)."""
    out = []
    rows = min(IMPORT_ROWS, Member.objects.count() // 2)
    path = ctx.tmp / "import.xlsx"
    run_child("export", "xlsx", path, rows, "newest")
    first = Member.objects.order_by("-pk").values_list("pk", flat=True)[rows - 1]
    fields = [f for f in Member._meta.concrete_fields]
    # Spelled the way import-export's default widgets read them: "YYYY-MM-DD HH:MM:SS"
    # (not "+08") and true/false (not t/f).
    select = ", ".join(
        f"""to_char({f.column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') AS "{f.name}\""""
        if f.get_internal_type() == "DateTimeField" else
        f"""CASE WHEN {f.column} THEN 'true' ELSE 'false' END AS "{f.name}\""""
        if f.get_internal_type() == "BooleanField" else f'{f.column} AS "{f.name}"'
        for f in fields
    )
    resource_csv = ctx.tmp / "resource.csv"
    # Members with a card number: in a CSV an empty card number reads back as "", not
    # NULL, and a second "" would break the unique constraint on card numbers.
    resource_rows = (f"members_member WHERE id >= {first} AND card_number IS NOT NULL "
                     f"ORDER BY id LIMIT {RESOURCE_ROWS}")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with open(resource_csv, "w", encoding="utf-8") as handle:
            raw.copy_expert(
                f"COPY (SELECT {select} FROM {resource_rows}) TO STDOUT WITH CSV HEADER", handle)
    numbers = list(Member.objects.filter(pk__gte=first).values_list("id_number", flat=True))
    # Keep the rows to put back at the end, so the dataset is the same size afterwards.
    saved = {}
    with connection.cursor() as cursor:
        for table, where in (("members_member", f"id >= {first}"),
                             *((t, f"member_id >= {first}") for t in MEMBER_TABLES)):
            saved[table] = io.StringIO()
            cursor.cursor.copy_expert(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT",
                                      saved[table])
    saved_rows = saved["members_member"].getvalue().count("\n")
    saved_events = saved["members_membershipevent"].getvalue().count("\n")
    _delete_members("id >= %s", [first])

    def forget_imported():
        _delete_members("id_number = ANY(%s)", [numbers])

    try:
        dry = Result(f"import {IMPORT_ROWS:,} members: dry run (validated)", 40)
        commit = Result(f"import {IMPORT_ROWS:,} members: commit", 40)
        for _ in range(max(1, min(ctx.runs, 2))):
            seconds, peak, data = run_child("import", path, "dry")
            dry.times.append(seconds)
            dry.extra = {"rows": data["rows"], "peak_mb": round(peak), "errors": data["error_count"]}
            if data["file_error"] or data["error_count"]:
                dry.note = f"first errors: {data['file_error'] or data['errors'][:2]}"
            seconds, peak, data = run_child("import", path, "commit")
            commit.times.append(seconds)
            commit.extra = {"rows": data["rows"], "peak_mb": round(peak), "committed": data["committed"]}
            forget_imported()
        out += [dry, commit]
        ours = commit.extra.get("rows", rows) / min(commit.times) if commit.times else None
        for tuned, label in ((False, "default settings"),
                             (True, "tuned: bulk, no diff, cached rows and foreign keys")):
            resource = Result(f"comparison: django-import-export ModelResource, "
                              f"{RESOURCE_ROWS:,} rows ({label})")
            seconds, peak, data = run_child("import_export", resource_csv, "tuned" if tuned else "")
            resource.times.append(seconds)
            resource.extra = {"rows_per_s": round(RESOURCE_ROWS / seconds), "peak_mb": round(peak),
                              "totals": data["totals"]}
            if data["first_error"]:
                resource.note = f"first error: {data['first_error']}"
            if tuned:
                resource.note = (resource.note + " " if resource.note else "") + \
                    "(members only: no events, no history, no full_clean)"
            forget_imported()
            out.append(resource)
            if ours:
                # The rows the file really held (the export leaves some members out), not the
                # number asked for.
                commit.extra["rows_per_s"] = round(ours)
                key = "x_import_export_tuned" if tuned else "x_import_export"
                commit.extra[key] = round(ours / (RESOURCE_ROWS / seconds), 1)
    except BaseException:
        forget_imported()  # put the dataset back as it was, then say what failed
        with connection.cursor() as cursor, transaction.atomic():
            for table in ("members_member", *MEMBER_TABLES):
                saved[table].seek(0)
                cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", saved[table])
        raise

    # The rows put back are the comparison: the same members and their events, COPY'd
    # into the real tables (indexes, the tally triggers, the deferred foreign-key checks
    # at commit); its rate is per member row, as the import's.
    copy = Result(f"comparison: raw COPY of the same members and their events into the "
                  f"real tables, commit included")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with transaction.atomic():
            for table in ("members_member", *MEMBER_TABLES):
                saved[table].seek(0)
                cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", saved[table])
        copy.times.append(time.perf_counter() - started)
        for table in ("members_member", *MEMBER_TABLES):
            # django-import-export reset the sequence to the table's maximum while the
            # saved rows were out: past them again, or the next insert collides.
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
    copy_rate = saved_rows / copy.times[0]
    copy.extra = {"rows": saved_rows, "rows_per_s": round(copy_rate),
                  "events": saved_events}
    copy.note = "no history rows (the import writes one per member)"
    out.append(copy)
    if ours:
        commit.extra["x_copy"] = round(ours / copy_rate, 2)
        commit.note = "bar: ≥ 0.5 × the raw COPY rate"
    return out


