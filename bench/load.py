"""``python -m bench --load``: the production setup under a fixed mix of people (issue 20).

gunicorn with ``unionreg/gunicorn.conf.py`` (DEBUG off, the collected static files
served by WhiteNoise) and the background worker (``manage.py db_worker``) run against
the bench database; locust (``bench/locustfile.py``, the mix in ``bench/mix.py``) sends
the requests, pinned to one CPU with ``taskset`` where it exists. Two variants by default:

- ``think``: ``--load-users`` people (30: 20 clerks, 10 officials) with 1–3 s between
  pages, what an office does;
- ``no-think``: ``--saturation-users`` people with no pause, the most the server serves.

During each, one background export and one background import run through their pages.
Accounts (``load_…``, with grants spread over the tree) and one open drive per clerk are
made once and kept; the people entered and imported are deleted afterwards.
"""

import csv
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "load-bench-only-2026"
NUMBERS_PER_CLERK = 3000  # more than one clerk saves in a 2-minute run without pauses
IMPORT_ROWS = 20_000  # about 1.2 MB: above IMPORT_INLINE_MAX_BYTES, so a background job
IMPORT_NUMBERS_START = 5_000_000  # disjoint from the clerks' numbers (bench.mix.id_numbers)
JOB_WAIT_SECONDS = 600  # for the export and import to end before their rows are removed


def add_arguments(parser):
    group = parser.add_argument_group("load benchmark (--load)")
    group.add_argument("--load", action="store_true",
                       help="run the load benchmark against gunicorn (needs --reuse)")
    group.add_argument("--load-users", type=int, default=30,
                       help="people in the think-time variant (default: %(default)s)")
    group.add_argument("--saturation-users", type=int, default=12,
                       help="people in the no-think variant (default: %(default)s)")
    group.add_argument("--load-duration", type=int, default=60,
                       help="seconds of each variant (default: %(default)s)")
    variant = group.add_mutually_exclusive_group()
    variant.add_argument("--think", action="store_true", help="only the think-time variant")
    variant.add_argument("--no-think", action="store_true", help="only the no-think variant")
    group.add_argument("--clerks-only", action="store_true",
                       help="clerks (and the jobs) only: the server's ceiling without the "
                            "officials' pages")
    group.add_argument("--workers", type=int, help="gunicorn processes (GUNICORN_WORKERS)")
    group.add_argument("--threads", type=int, help="threads per process (GUNICORN_THREADS)")


def variants(args):
    chosen = []
    if not args.no_think:
        chosen.append(("think", args.load_users, True))
    if not args.think:
        chosen.append(("no-think", args.saturation_users, False))
    return chosen


def main(args, database_url):
    """Run the chosen variants on the bench database at ``database_url`` (Django is set
    up on it) and print one table per variant."""
    from bench import accounts

    chosen = variants(args)
    run_dir = OUT / f"load-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    most = max(users for _name, users, _think in chosen)
    env = server_env(database_url, args)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    tables = []
    with Server(env, free_port()) as server:
        for index, (name, users, think) in enumerate(chosen):
            # The same accounts in every variant, new ID numbers and a new roster each time.
            clerks = most if args.clerks_only else math.ceil(most * 2 / 3)
            plan = accounts.prepare(clerks=clerks + 1,
                                    officials=math.ceil(most / 3) + 1,
                                    numbers_start=index * (most + 2) * NUMBERS_PER_CLERK,
                                    numbers_per_clerk=NUMBERS_PER_CLERK)
            plan.update(password=PASSWORD, import_file=str(run_dir / f"roster-{name}.csv"))
            accounts.write_roster(plan, IMPORT_NUMBERS_START + index * IMPORT_ROWS, IMPORT_ROWS)
            plan_path = run_dir / f"plan-{name}.json"
            plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
            started = time.time()
            table = run_locust(run_dir / name, plan_path, server, users, args.load_duration, think,
                               mix="clerks" if args.clerks_only else "all")
            table.update(name=name, users=users, think=think, server=server.describe(),
                         mix="clerks only" if args.clerks_only else "clerks and officials")
            table["jobs"] = accounts.wait_for_jobs(plan["jobs"]["username"], started,
                                                   JOB_WAIT_SECONDS)
            tables.append(table)
            accounts.remove_people(plan)
            accounts.forget_jobs(plan["jobs"]["username"])
    for table in tables:
        print_table(table)
    (run_dir / "results.json").write_text(json.dumps(tables, ensure_ascii=False, indent=2))
    print(f"\nCSV, plans and logs: {run_dir}")


def server_env(database_url, args):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-load-not-secret",
           "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "LOG_LEVEL": "WARNING"}
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn (the repository's config) and the background worker, started for the
    run and stopped (SIGTERM, then SIGKILL after 20 s) at its end."""

    def __init__(self, env, port):
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.port = port
        self.processes = []

    def __enter__(self):
        log = (OUT / "server.log").open("ab")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "unionreg/gunicorn.conf.py",
             "--no-control-socket"],  # several servers may run on one machine
            cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.processes = [self.web, self.worker]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start: see {OUT / 'server.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def describe(self):
        """The settings the server ran with, as its config file reads them."""
        from django.conf import settings

        script = ("import runpy; c = runpy.run_path('unionreg/gunicorn.conf.py'); "
                  "print(c['workers'], c['threads'], c['worker_class'], c['preload_app'])")
        workers, threads, kind, preload = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=self.env, capture_output=True,
            text=True, check=True).stdout.split()
        database = settings.DATABASES["default"]
        return (f"gunicorn {workers} workers × {threads} threads ({kind}, preload_app={preload}), "
                f"CONN_MAX_AGE={database['CONN_MAX_AGE']}, "
                f"CONN_HEALTH_CHECKS={database['CONN_HEALTH_CHECKS']}, DEBUG=0")


def run_locust(prefix, plan_path, server, users, duration, think, mix="all"):
    """Run locust headless (all users log in first, then ``duration`` seconds are
    counted); the per-page rows of its CSV and the CPU each process used meanwhile."""
    mark = prefix.parent / f"{prefix.name}.measuring"
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
               "--headless", "-u", str(users + 1), "-r", "5", "-t", f"{duration + 600}s",
               "--host", f"http://127.0.0.1:{server.port}", "--csv", str(prefix),
               "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    cpu = os.cpu_count() or 1
    pinned = shutil.which("taskset") and cpu > 1
    if pinned:
        command = ["taskset", "-c", str(cpu - 1), *command]
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_THINK": "1" if think else "0",
           "LOAD_USERS": str(users + 1), "LOAD_DURATION": str(duration),
           "LOAD_MARK": str(mark), "LOAD_MIX": mix, "PYTHONPATH": str(ROOT)}
    with (prefix.parent / f"{prefix.name}-locust.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        while not mark.exists() and process.poll() is None:
            time.sleep(0.2)
        before = cpu_seconds(server)
        locust_before = _process_cpu(process.pid)
        started = time.perf_counter()
        _pid, _status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    used = {key: value - before.get(key, 0.0) for key, value in cpu_seconds(server).items()}
    used["locust"] = usage.ru_utime + usage.ru_stime - locust_before
    return {
        "rows": read_stats(Path(f"{prefix}_stats.csv")),
        "failures": read_failures(Path(f"{prefix}_failures.csv")),
        "cpu_s": {key: round(value, 1) for key, value in used.items()}, "wall_s": round(wall, 1),
        "locust_pinned": f"CPU {cpu - 1} (taskset)" if pinned else "not pinned",
        "duration": duration,
    }


TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid):
    """CPU seconds (user + system) of ``pid`` so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_seconds(server):
    """CPU seconds so far of the web server (master and workers), the background
    worker, the PostgreSQL backends serving the bench database, and of all CPUs
    (whoever's work: the machine may be shared). A backend that starts in between is
    counted from zero, one that ends in between is lost (connections are kept, so few)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        backends = [row[0] for row in cursor.fetchall()]
    children = Path(f"/proc/{server.web.pid}/task/{server.web.pid}/children")
    web = [server.web.pid, *map(int, children.read_text().split())] if children.exists() else []
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return {
        "web": sum(_process_cpu(pid) for pid in web),
        "worker": _process_cpu(server.worker.pid),
        "postgres": sum(_process_cpu(pid) for pid in backends),
        "capacity": sum(fields) / TICKS,
        "busy": (sum(fields) - fields[3] - fields[4]) / TICKS,
    }


def read_stats(path):
    rows = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append({
                "name": row["Name"], "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                "p50": _seconds(row["50%"]), "p95": _seconds(row["95%"]),
                "p99": _seconds(row["99%"]),
            })
    return rows


def read_failures(path):
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [f"{row['Occurrences']}× {row['Name']}: {row['Error'][:160]}"
                for row in csv.DictReader(handle)]


def _seconds(milliseconds):
    return None if milliseconds in ("", "N/A") else float(milliseconds) / 1000


def print_table(table):
    think = "1–3 s think time" if table["think"] else "no think time (saturation)"
    print(f"\nload: {table['users']} people ({table['mix']}) + 1 job runner, {think}, "
          f"{table['duration']} s — "
          f"{table['server']}")
    print(f"{'page':34} {'requests':>9} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}")
    for row in table["rows"]:
        if not row["requests"]:
            continue  # the logins: before the window
        cells = [f"{row[key]:7.3f}" if row[key] is not None else f"{'':>7}"
                 for key in ("p50", "p95", "p99")]
        name = "all requests" if row["name"] == "Aggregated" else row["name"]
        # Over the whole window (locust's own figure ends at the last request it saw).
        rps = row["requests"] / table["duration"]
        print(f"{name:34} {row['requests']:9d} {rps:7.2f} {' '.join(cells)} "
              f"{row['failures']:7d}")
    cpu, wall = table["cpu_s"], table["wall_s"]
    served = next((row["requests"] for row in table["rows"] if row["name"] == "Aggregated"), 0)
    print(f"load generator: {cpu['locust']} s CPU in {wall} s ({cpu['locust'] / wall:.0%} of "
          f"one CPU), {table['locust_pinned']}")
    print(f"CPU in the window: web {cpu['web']} s ({1000 * cpu['web'] / max(1, served):.0f} ms "
          f"per request), PostgreSQL {cpu['postgres']} s, worker {cpu['worker']} s; all CPUs "
          f"{cpu['busy'] / max(cpu['capacity'], 1):.0%} busy, others' work included")
    for job in table["jobs"]:
        print(f"background job: {job}")
    for failure in table["failures"][:8]:
        print(f"error: {failure}")
