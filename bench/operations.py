"""The operations of issue 7, one small function each. A function takes the shared
``Context`` and returns a list of ``Result``; an operation whose code does not exist
yet returns a result marked "n/a (not built yet)"."""

import io
import tempfile
import time
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench import cold, pages
from bench.harness import Result, get_ok, timed
from bench.transfers import _delete_members, exports, imports
from members.models import EnrolmentDrive, Member, MembershipEvent
from organizations.models import Grant, Organization, Role

AS_OF = date(2018, 10, 31)
EXPORT_ROWS = 440_871
IMPORT_ROWS = 100_000
RESOURCE_ROWS = 10_000


def build(members, unions):
    from members.demo import build_demo

    summary = build_demo(members=members, unions=unions, seed=2018)
    # What autovacuum does within a minute of a bulk load on a live server: set the
    # visibility map, without which no index-only scan (the statistics) skips the heap.
    with connection.cursor() as cursor:
        for table in ("members_membershipevent", "members_member", "organizations_organization",
                      "organizations_employer"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return summary


def dataset_size():
    return {"members": Member.objects.count(), "events": MembershipEvent.objects.count(),
            "unions": Organization.objects.count()}


class Context:
    def __init__(self, runs):
        self.runs = runs
        self.tmp = Path(tempfile.mkdtemp(prefix="unionreg-bench-"))
        self.copy_seconds = None
        User = get_user_model()
        self.superuser = User.objects.filter(username="bench").first() or \
            User.objects.create_superuser("bench", password="bench-only")
        self.city = Organization.objects.get(code="441700")
        self.town = Organization.objects.filter(kind=Organization.Kind.TOWN).order_by("code").first()
        self.county = Organization.objects.get(code="441781")
        admin = User.objects.filter(username="bench_city").first()
        if admin is None:
            admin = User.objects.create_user("bench_city", password="bench-only", is_staff=True)
            Grant.objects.create(user=admin, organization=self.city, role=Role.ADMIN)
        self.city_admin = admin
        self.admin_client = Client()
        self.admin_client.force_login(self.superuser)
        self.client = Client()
        self.client.force_login(self.city_admin)
        # Sample people to search for: spread over the id range.
        ids = list(Member.objects.order_by("pk").values_list("pk", flat=True)[::max(1, Member.objects.count() // 50)])
        self.sample = list(Member.objects.filter(pk__in=ids).exclude(card_number=None)
                           .values("pk", "id_number", "mobile", "card_number", "name",
                                   "name_initials", "given_name"))
        self.low_id = ids[1] if len(ids) > 1 else ids[0]


def _cycle(items):
    state = {"i": 0}

    def next_item():
        state["i"] += 1
        return items[state["i"] % len(items)]

    return next_item


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def na(name, why="n/a (not built yet)"):
    result = Result(name)
    result.skipped = why
    return [result]


# --- the dataset's physical limit ---------------------------------------------------------

def raw_copy(ctx):
    """COPY the generated members and events into clone tables with the same indexes:
    what the database needs at least to take these rows."""
    result = Result("dataset: raw COPY of the same rows (comparison)")
    started_total = 0.0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in ("members_member", "members_membershipevent"):
            buffer = io.StringIO()
            raw.copy_expert(f"COPY {table} TO STDOUT", buffer)
            cursor.execute(f"DROP TABLE IF EXISTS bench_{table}")
            cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            buffer.seek(0)
            started = time.perf_counter()
            raw.copy_expert(f"COPY bench_{table} FROM STDIN", buffer)
            started_total += time.perf_counter() - started
            cursor.execute(f"DROP TABLE bench_{table}")
    result.times.append(started_total)
    result.note = "COPY into tables with the same indexes, no foreign keys"
    ctx.copy_seconds = started_total
    return [result]


# --- statistics ---------------------------------------------------------------------------

def stats(ctx):
    from members.models import MembershipTally
    from members.statistics import BY_COUNTY, BY_TOWN, BY_UNION, breakdown

    def forget_tallies():
        MembershipTally.objects.all().delete()

    out = []
    cases = (
        ("whole city by county", ctx.city, BY_COUNTY, 0.5),
        ("whole city by town", ctx.city, BY_TOWN, 0.5),
        ("whole city by child union", ctx.city, BY_UNION, 0.5),
        (f"one town ({ctx.town.name}) by union", ctx.town, BY_UNION, 0.1),
    )
    # The first statistic once the tallies are gone (as after a bulk import into every
    # union): it counts and stores its unions' tallies at two month ends. No target.
    for name, root, grouping, _ in cases:
        out.append(timed(
            Result(f"statistics 2018-10-31, {name}: tallies counted first"), ctx.runs,
            lambda: breakdown(root, AS_OF, grouping), before=forget_tallies,
        ))
    breakdown(ctx.city, AS_OF)  # the tallies every statistic below reads
    for name, root, grouping, target in cases:
        out.append(timed(Result(f"statistics 2018-10-31, {name}", target), ctx.runs,
                         lambda: breakdown(root, AS_OF, grouping)))
    # Within a month: the month end's tallies and the events since.
    within = date(2018, 11, 15)
    for name, root, grouping, target in cases:
        out.append(timed(Result(f"statistics {within}, {name}", target), ctx.runs,
                         lambda: breakdown(root, within, grouping)))
    return out


# --- lists ----------------------------------------------------------------------------------

def member_list(ctx):
    url = _url("member_list")
    if url is None:
        return na("member list /members/")
    out = []
    for name, query in (
        ("member list (own page): first page", ""),
        ("member list (own page): first page, filter county", f"?union={ctx.county.code}"),
        ("member list (own page): first page, filter truck drivers", "?category=truck_driver"),
        ("member list (own page): first page, filter status left", "?status=left"),
        ("member list (own page): deep page (keyset ?after=)", f"?after={ctx.low_id}"),
        ("member list (own page): deep page, filter county", f"?union={ctx.county.code}&after={ctx.low_id}"),
    ):
        out.append(timed(Result(name, 0.2), ctx.runs, get_ok(ctx.client, url + query)))
    return out


def admin_list(ctx):
    url = "/admin/members/member/"
    out = []
    from organizations.admin_scoping import CappedCountPaginator

    total = Member.objects.count()
    # The deepest page the admin offers: its paginator counts at most CAP rows (the
    # middle of a million-row list, p=10550, is no longer a page).
    deep = max(2, min(total, CappedCountPaginator.CAP) // 50)
    for name, query in (
        ("admin changelist: first page", ""),
        ("admin changelist: first page, filter status left", "?status__exact=left"),
        ("admin changelist: first page, filter county", f"?county={ctx.county.division.code}"),
        (f"admin changelist: deep page (p={deep}, OFFSET)", f"?p={deep}"),
    ):
        out.append(timed(Result(name, 0.2), ctx.runs, get_ok(ctx.admin_client, url + query)))
    return out


def search(ctx):
    url = _url("member_list")
    if url is None:
        return na("search")
    out = []
    for name, field, target in (
        ("search by ID number (/members/?q=)", "id_number", 0.05),
        ("search by mobile (/members/?q=)", "mobile", 0.05),
        ("search by card number (/members/?q=)", "card_number", 0.05),
        ("search by name prefix (/members/?q=)", "name", 0.2),
    ):
        values = [s[field] for s in ctx.sample if s[field]]
        pick = _cycle(values)
        out.append(timed(Result(name, target), ctx.runs,
                         lambda: get_ok(ctx.client, f"{url}?q={pick()}")()))
    # As Chinese clerks search (issue 17): the pinyin initials (cxy → 陈秀英) and the
    # given name without the surname, beside the name prefix above.
    for name, field, target in (
        ("search by pinyin initials (/members/?q=cxy)", "name_initials", 0.2),
        ("search by given name (/members/?q=秀英)", "given_name", 0.2),
    ):
        values = [s[field] for s in ctx.sample if len(s[field]) >= 2]
        if not values:
            continue
        pick = _cycle(values)
        out.append(timed(Result(name, target), ctx.runs,
                         lambda pick=pick: get_ok(ctx.client, f"{url}?q={pick()}")()))
    values = [s["id_number"] for s in ctx.sample]
    pick = _cycle(values)
    out.append(timed(Result("admin search by ID number", 0.05), ctx.runs,
                     lambda: get_ok(ctx.admin_client, f"/admin/members/member/?q={pick()}")()))
    return out


def change_page(ctx):
    pick = _cycle([s["pk"] for s in ctx.sample])
    return [timed(Result("admin member change page", 0.2), ctx.runs,
                  lambda: get_ok(ctx.admin_client, f"/admin/members/member/{pick()}/change/")())]


def entry_save(ctx):
    drive = EnrolmentDrive.objects.exclude(default_union=None).order_by("pk").first()
    url = _url("drive_entry", drive.pk) if drive else None
    if url is None:
        return na("entry page save")
    from members.identity import check_character

    # Fresh ID numbers, checked against the register before the clock starts.
    numbers = []
    day = date(1990, 3, 1)
    while len(numbers) < ctx.runs:
        first17 = f"441702{day:%Y%m%d}{997 - 2 * len(numbers):03d}"
        number = first17 + check_character(first17)
        if not Member.objects.filter(id_number=number).exists():
            numbers.append(number)
        day = day.replace(day=day.day % 28 + 1)
    counter = {"n": 0}
    today = date.today()

    def save():
        number = numbers[counter["n"]]
        first17 = number[:17]
        counter["n"] += 1
        response = ctx.client.post(url, {
            "id_number": number, "id_type": "居民身份证", "name": f"测试{counter['n']}",
            "mobile": f"139{counter['n']:08d}", "ethnicity": "汉族", "household_type": "农业户口",
            "joined_on": today.isoformat(), "card_number": "", "notes": "",
            "gender": "男" if int(first17[16]) % 2 else "女",
        }, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content[:500]

    result = timed(Result("entry page: save one member", 0.1), ctx.runs, save)
    _delete_members("id_number = ANY(%s)", [numbers])
    return [result]


# --- read replica ------------------------------------------------------------------------

def replica_lag(ctx):
    """With ``--replica-url``: how long a committed write on the primary takes to be
    replayed on the replica (the statistics above read from it; unionreg/routers.py)."""
    from django.db import connections

    from unionreg.routers import REPLICA

    if REPLICA not in connections.settings:
        return na("replica lag", "n/a (no --replica-url)")

    def write_and_wait():
        with connection.cursor() as cursor:  # autocommit: committed when it returns
            cursor.execute("UPDATE organizations_organization SET name = name WHERE id = %s",
                           [ctx.city.pk])
            cursor.execute("SELECT pg_current_wal_lsn()")
            lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.001)

    return [timed(Result("replica: a committed write replayed on the replica"), ctx.runs * 3,
                  write_and_wait)]


OPERATIONS = [
    ("raw copy", raw_copy),
    ("statistics", stats),
    ("member list", member_list),
    ("admin list", admin_list),
    ("search", search),
    ("change page", change_page),
    ("entry save", entry_save),
    ("pages", pages.pages),
    ("cold statistics", cold.cold_statistics),
    ("exports", exports),
    ("imports", imports),
    ("replica lag", replica_lag),
]
