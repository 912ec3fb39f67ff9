"""``python -m bench [--members 1000000] [--runs 3] [--json out.json]``;
``python -m bench --reuse --db-name NAME --load``: the load benchmark (``bench/load.py``).

Builds a dedicated PostgreSQL database (``unionreg_bench``, dropped at the end unless
``--keep``) with the demo generator (``members.demo.build_demo``, as ``seed_demo``), then
times each operation of issue 7 ``--runs`` times and prints min / median / max against the target,
as a table and as JSON, with the dataset size and versions.

The server is the one in ``DATABASE_URL`` (postgres://…); SQLite is refused — the
figures are about PostgreSQL. Pages are timed through Django's test ``Client`` against
the real database (no HTTP server in between); exports and imports run in a child
process (``bench.child``) whose peak memory is read from ``wait4``'s rusage.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.harness import Result  # noqa: E402
BENCH_DB = os.environ.get("BENCH_DB", "unionreg_bench")  # --db-name overrides


def parse_args():
    global BENCH_DB
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000,
                        help="members on 2018-10-31 (about 5%% more rows are generated)")
    parser.add_argument("--unions", type=int, default=None,
                        help="base unions (default: 6%% of --members, i.e. 60,000 at 1M: "
                             "~100,000 organisations and employers)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true",
                        help="use an existing bench database of the same size (skip the build)")
    parser.add_argument("--only", help="comma-separated operation names (substring match)")
    parser.add_argument("--replica-url",
                        help="a streaming replica of the bench database "
                             "(postgres://…/<db-name>): the statistics and exports read from "
                             "it, as with DATABASE_REPLICA_URL; adds the replica lag")
    parser.add_argument("--partition-events", choices=("none", "date", "union"),
                        help="first rebuild the event table of the bench database as a "
                             "partitioned table, by year of date or by hash of union, or "
                             "back as a plain one (bench/partition.py; default: as it is)")
    parser.add_argument("--db-name", default=BENCH_DB,
                        help="name of the bench database on that server (default: %(default)s)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="PostgreSQL server to use (default: $DATABASE_URL)")
    load.add_arguments(parser)
    args = parser.parse_args()
    if args.load and not args.reuse:
        parser.error("--load runs on an existing bench database: add --reuse (and --db-name)")
    BENCH_DB = args.db_name
    return args


def bench_url(url):
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(
            "The benchmarks run on PostgreSQL only: set DATABASE_URL=postgres://user@host:5432/db "
            "(the database named there is left alone; the bench creates its own "
            f"{BENCH_DB!r} on that server)."
        )
    return parts, urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def admin_connection(parts):
    import psycopg2

    connection = psycopg2.connect(
        host=parts.hostname or "localhost", port=parts.port or 5432, user=parts.username,
        password=parts.password, dbname="postgres",
    )
    connection.autocommit = True
    return connection


def recreate_database(parts):
    connection = admin_connection(parts)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    connection.close()


def drop_database(parts):
    from django.db import connections

    connections.close_all()
    connection = admin_connection(parts)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
    connection.close()


def machine():
    def run(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    return {
        "nproc": run("nproc"),
        "memory": run("free", "-h").splitlines()[1].split()[1] if run("free", "-h") else "",
        "cpu": next((line.split(":", 1)[1].strip() for line in
                     Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                    ""),
        "load_before": os.getloadavg()[0],
    }


def versions():
    import django
    import import_export
    import openpyxl
    import xlsxwriter
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "python": platform.python_version(), "django": django.get_version(),
        "postgresql": server, "django-import-export": import_export.__version__,
        "openpyxl": openpyxl.__version__, "xlsxwriter": xlsxwriter.__version__,
    }


def print_table(results, header):
    print()
    print(header)
    print(f"{'operation':58} {'min':>9} {'median':>9} {'max':>9} {'target':>8}  notes")
    for result in results:
        s = result.summary()
        if "skipped" in s:
            print(f"{s['name']:58} {'':>9} {'':>9} {'':>9} {'':>8}  {s['skipped']}")
            continue
        target = f"{s['target']:.2f}" if s["target"] is not None else ""
        mark = "" if s["target"] is None else ("ok" if s["meets_target"] else "MISSED")
        extra = ", ".join(f"{k}={v}" for k, v in s.items() if k not in (
            "name", "runs", "min", "median", "max", "target", "meets_target", "note"))
        note = " ".join(x for x in (mark, extra, s.get("note", "")) if x)
        print(f"{s['name']:58} {s['min']:9.3f} {s['median']:9.3f} {s['max']:9.3f} {target:>8}  {note}")


def main():
    args = parse_args()
    parts, url = bench_url(args.database_url)
    unions = args.unions or max(60, round(args.members * 0.06))
    if not args.reuse:
        recreate_database(parts)
    os.environ["DATABASE_URL"] = url
    if args.replica_url:
        os.environ["DATABASE_REPLICA_URL"] = args.replica_url
    os.environ.setdefault("DEBUG", "1")  # settings without SECRET_KEY; DEBUG is off below
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreg.settings")
    import django

    django.setup()
    if args.load:
        load.main(args, url)  # its own server, settings and tables; the database stays
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False  # no query log in the timed code
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client
    # Pages render with the production static storage, whose manifest collectstatic
    # writes (as on a server).
    call_command("collectstatic", interactive=False, verbosity=0)
    info = {"date": date.today().isoformat(), "machine": machine()}
    results = []
    try:
        from bench import operations, partition

        if not args.reuse:
            call_command("migrate", verbosity=0)
            result = Result("dataset: seed_demo build (COPY, indexes rebuilt)", target=180)
            started = time.perf_counter()
            summary = operations.build(args.members, unions)
            result.times.append(time.perf_counter() - started)
            result.extra = {"rows": summary["members"] + summary["events"]}
            info["dataset"] = summary
            results.append(result)
        else:
            info["dataset"] = operations.dataset_size()
        if args.partition_events:
            result = Result(f"dataset: event table rebuilt, partitioned by {args.partition_events}")
            result.times.append(partition.convert(args.partition_events))
            results.append(result)
        with connection.cursor() as cursor:
            info["partition_events"] = partition.current_kind(cursor)
        info["versions"] = versions()
        print(f"dataset: {json.dumps(info['dataset'], ensure_ascii=False)}", flush=True)
        context = operations.Context(args.runs)
        for name, function in operations.OPERATIONS:
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            print(f"… {name}", file=sys.stderr, flush=True)
            try:
                results.extend(function(context))
            except Exception as error:  # report and carry on: one broken page is a finding
                failed = Result(name)
                failed.skipped = f"FAILED: {type(error).__name__}: {str(error)[:200]}"
                results.append(failed)
        if results and results[0].name.startswith("dataset") and context.copy_seconds:
            results[0].extra["raw_copy_s"] = round(context.copy_seconds, 1)
            results[0].extra["x_copy"] = round(results[0].times[0] / context.copy_seconds, 2)
    finally:
        if not args.keep:
            drop_database(parts)
    header = (f"unionreg benchmarks {info['date']} — {info['dataset'].get('members', '?'):,} member rows, "
              f"{info['machine']['nproc']} CPUs, {info['machine']['memory']} RAM, "
              f"PostgreSQL {info['versions']['postgresql']}, Django {info['versions']['django']}, "
              f"events partitioned by: {info['partition_events']}"
              + (", statistics and exports read from a replica" if args.replica_url else ""))
    print_table(results, header)
    output = {**info, "results": [r.summary() for r in results]}
    text = json.dumps(output, ensure_ascii=False, indent=2, default=str)
    print()
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
