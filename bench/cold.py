"""The first statistic when its tallies are gone (issue 20: "no cold cliff", target 1 s
at 1M): at a new month start (the latest month end's tallies missing, earlier ones
there), and right after an import of 100 or 100,000 members, whose events' triggers
delete the tallies of the unions they land in from their dates on.

An import is stood in for by what it does to the tallies: the events of the newest
members are copied out, deleted and copied back in (COPY, as the import writes them),
so every union they belong to loses the tallies from their dates on, and the register
is the same afterwards. The full import is timed in ``bench.operations.imports``; a
background import job also counts the tallies again before it reports done
(``refill_tallies``), timed here apart."""

import io
from datetime import date, timedelta

from django.db import connection

from bench.harness import Result, timed
from members.models import MembershipTally
from members.statistics import BY_COUNTY, breakdown, month_end_of, refill_tallies

AS_OF = date(2018, 10, 31)
COLD_TARGET = 1.0


def _rewrite_events_of_newest(members):
    """Copy out, delete and copy back the events of the newest ``members`` members."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM (SELECT id FROM members_member "
                       "ORDER BY id DESC LIMIT %s) newest", [members])
        first = cursor.fetchone()[0]
        where = f"member_id >= {int(first)}"
        saved = io.StringIO()
        cursor.cursor.copy_expert(
            f"COPY (SELECT * FROM members_membershipevent WHERE {where}) TO STDOUT", saved)
        cursor.execute(f"DELETE FROM members_membershipevent WHERE {where}")
        saved.seek(0)
        cursor.cursor.copy_expert("COPY members_membershipevent FROM STDIN", saved)


def _with_tallies(*days):
    """The tallies of the whole city for ``days`` (and their new year), all there."""
    for day in days:
        breakdown(_city(), day, BY_COUNTY)


def _city():
    from organizations.models import Organization

    return Organization.objects.get(parent=None)


def cold_statistics(ctx):
    city = _city()
    previous = month_end_of(AS_OF.replace(day=1) - timedelta(days=1))  # 2018-09-30
    out = []

    def new_month():
        _with_tallies(previous, AS_OF)
        MembershipTally.objects.filter(month_end=AS_OF).delete()

    out.append(timed(
        Result(f"first city statistic at a new month ({AS_OF}: its tallies gone, "
               f"{previous}'s there)", COLD_TARGET),
        ctx.runs, lambda: breakdown(city, AS_OF, BY_COUNTY), before=new_month))
    for members in (100, 100_000):
        def imported(members=members):
            _with_tallies(previous, AS_OF)
            _rewrite_events_of_newest(members)

        result = timed(
            Result(f"first city statistic after an import of {members:,} members "
                   f"(their unions' tallies gone)", COLD_TARGET),
            max(1, min(ctx.runs, 2)), lambda: breakdown(city, AS_OF, BY_COUNTY),
            before=imported)
        out.append(result)
    # A background import job counts the tallies again before it reports done.
    refill = Result("import job of 100,000 members: its tallies counted again (refill_tallies)")
    after = Result("first city statistic after an import job of 100,000 members", COLD_TARGET)
    for _ in range(max(1, min(ctx.runs, 2))):
        _with_tallies(previous, AS_OF)
        _rewrite_events_of_newest(100_000)
        timed(refill, 1, refill_tallies)
        timed(after, 1, lambda: breakdown(city, AS_OF, BY_COUNTY))
    return out + [refill, after]
