"""Statistics read the unions' stored month-end tallies (MembershipTally): they give the
figures the events give, on a month end, within a month and for any period of new
members; every way of writing an event deletes the tallies it changes; and while
another transaction is writing events, nothing is stored and the figures are counted
from the events."""

from datetime import date

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services
from members.models import MembershipEvent, MembershipTally
from members.spreadsheets.importing import run_import
from members.statistics import (
    BY_COUNTY, BY_TOWN, BY_UNION, breakdown, counting, month_end_of, tallies,
)
from organizations.models import Organization
from tests.test_import import member_row, xlsx


def figures(report):
    return {row.key: row.figures for row in report.rows} | {"total": report.total.figures}


def from_events(monkeypatch, root, day, grouping=BY_UNION, since=None):
    """The breakdown counted from the events alone: no tallies there, none stored."""
    MembershipTally.objects.all().delete()
    with monkeypatch.context() as patch:
        patch.setattr(tallies, "store_tallies", lambda *args: False)
        report = breakdown(root, day, grouping, since=since)
    assert not MembershipTally.objects.exists()
    return figures(report)


def from_tallies(monkeypatch, root, day, grouping=BY_UNION, since=None):
    """The breakdown read from the tallies (stored first if need be), never from the
    events' fallback."""
    breakdown(root, day, grouping, since=since)  # stores what is missing

    def not_from_events(*args):
        raise AssertionError("counted from the events, not the tallies")

    with monkeypatch.context() as patch:
        patch.setattr(counting, "event_parts", not_from_events)
        return figures(breakdown(root, day, grouping, since=since))


@pytest.mark.parametrize("day", [date(2018, 1, 1), date(2018, 2, 28), date(2017, 1, 1),
                                 date(2018, 10, 31)], ids=str)
def test_month_end_of(day):
    assert month_end_of(day) == {
        date(2018, 1, 1): date(2017, 12, 31), date(2018, 2, 28): date(2018, 2, 28),
        date(2017, 1, 1): date(2016, 12, 31), date(2018, 10, 31): date(2018, 10, 31),
    }[day]
    assert month_end_of(date(2016, 2, 29)) == date(2016, 2, 29)
    assert month_end_of(date(2016, 3, 15)) == date(2016, 2, 29)


@pytest.mark.parametrize("day, since", [
    (date(2018, 10, 31), None),  # a month end: the tallies alone
    (date(2018, 11, 15), None),  # m4 joined on 5 November: added to October's tallies
    (date(2018, 9, 15), None),  # m3 left on 1 September: taken from August's
    (date(2018, 1, 1), None),  # m2 joined on 1 January: new this year
    (date(2018, 10, 31), date(2018, 3, 17)),  # a period from within a month
    (date(2018, 3, 1), date(2017, 6, 30)),
    (date(2018, 3, 1), date(2018, 10, 31)),  # a period that ends before it starts: none
], ids=str)
def test_tallies_give_the_figures_the_events_give(monkeypatch, people, world, day, since):
    checked = 0
    for root in Organization.objects.exclude(kind__in=Organization.BASE_KINDS):
        for grouping in (BY_UNION, BY_COUNTY, BY_TOWN):
            expected = from_events(monkeypatch, root, day, grouping, since)
            assert from_tallies(monkeypatch, root, day, grouping, since) == expected, (
                root.name, grouping)
            checked += 1
    assert checked >= 9
    city = Organization.objects.get(parent=None)
    assert from_events(monkeypatch, city, day, since=since)["total"]["members"] > 0


@pytest.mark.parametrize("probe_limit", [0, 10_000], ids=["one pass", "per union"])
def test_tallies_counted_in_one_pass_or_per_union_alike(monkeypatch, world, probe_limit):
    """The city's tallies stored after a town's already were: whichever way the missing
    ones are counted, those stored stay and the rest join them."""
    monkeypatch.setattr(tallies, "PROBE_LIMIT", probe_limit)
    day, city = date(2018, 11, 15), world.tree.city
    expected = from_events(monkeypatch, city, day)
    breakdown(world.tree.nanen, day)
    assert from_tallies(monkeypatch, city, day) == expected
    assert MembershipTally.objects.count() == 2 * Organization.objects.count()


def test_tallies_are_stored_once_per_union_and_month_end(world):
    city, day = world.tree.city, date(2018, 11, 15)
    unions = Organization.objects.count()
    breakdown(city, day)
    stored = MembershipTally.objects.filter(month_end=date(2018, 10, 31))
    assert stored.count() == unions
    assert MembershipTally.objects.filter(month_end=date(2017, 12, 31)).count() == unions
    factory = stored.get(union=world.tree.factory)
    # m1 and m2 (m3 left in September, m4 joins in November); joined: all three by then
    assert (factory.members, factory.women_members, factory.joined) == (2, 1, 3)
    with CaptureQueriesContext(connection) as queries:
        breakdown(world.tree.jiangcheng, day)
        breakdown(city, day)
    assert not [q for q in queries if q["sql"].startswith("INSERT")]


def _leave(world, people):
    services.change_status(world.m1, MembershipEvent.Kind.LEAVE, date(2018, 6, 30))


def _category(world, people):
    world.m1.is_truck_driver = True
    world.m1.save()


def _delete_member(world, people):
    world.m1.delete()


def _import(world, people):
    data = xlsx([member_row(1, union=world.tree.factory.name, 入会日期="2018-05-02")])
    result = run_import("members", data, people.superuser, commit=True)
    assert result.committed, [str(error) for error in result.errors]


def _raw_sql(world, people):
    """A writer that knows nothing of tallies: only the triggers can notice it."""
    event = MembershipEvent.objects.filter(member=world.m1).get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_membershipevent SET gender = %s WHERE id = %s",
            ["男" if event.gender == "女" else "女", event.id])


@pytest.mark.parametrize("write", [_leave, _category, _delete_member, _import, _raw_sql],
                         ids=lambda write: write.__name__.strip("_"))
def test_every_write_deletes_the_tallies_it_changes(monkeypatch, people, world, write):
    day, city, factory = date(2018, 10, 31), world.tree.city, world.tree.factory
    breakdown(city, day)
    before = from_tallies(monkeypatch, city, day)
    assert MembershipTally.objects.filter(union=factory, month_end=day).exists()

    write(world, people)

    assert not MembershipTally.objects.filter(union=factory, month_end=day).exists()
    # Others' tallies stay, and so do the factory's before the change.
    assert MembershipTally.objects.filter(union=world.tree.nanen_joint, month_end=day).exists()
    after = from_tallies(monkeypatch, city, day)
    assert after != before
    assert after == from_events(monkeypatch, city, day)


def test_earlier_tallies_stay(world):
    day, factory = date(2018, 10, 31), world.tree.factory
    breakdown(world.tree.city, date(2018, 3, 31))
    breakdown(world.tree.city, day)
    services.change_status(world.m2, MembershipEvent.Kind.LEAVE, date(2018, 7, 1))
    # m2's join (1 January) now ends on 1 July: its union's tallies from then are gone;
    # those before its join are not.
    assert not MembershipTally.objects.filter(union=factory, month_end=day).exists()
    assert MembershipTally.objects.filter(union=factory, month_end=date(2017, 12, 31)).exists()


def test_triggers_exist(db):
    """A migration that rebuilds the event table on SQLite would drop them silently."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = 'members_membershipevent'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                           "AND tgrelid = 'members_membershipevent'::regclass")
        # (Beside them, the figure cache's: tests/test_figure_cache.py.)
        assert {name for (name,) in cursor.fetchall() if name.startswith("members_tally")} == {
            "members_tally_stale_insert", "members_tally_stale_update",
            "members_tally_stale_delete",
        }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_events_are_being_written_nothing_is_stored(postgres_only, people, world):
    """Another transaction has written an event and not committed: its trigger took the
    tallies' lock. A statistic then counts from the events without waiting, and stores
    nothing that the writer's commit would make wrong."""
    day, city = date(2018, 10, 31), world.tree.city
    members = breakdown(city, day).total.members
    MembershipTally.objects.all().delete()
    settings = connection.settings_dict
    writer = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"],
                              host=settings["HOST"], port=settings["PORT"] or 5432,
                              password=settings["PASSWORD"])
    try:
        with writer.cursor() as cursor:
            cursor.execute("UPDATE members_membershipevent SET kind = 'leave' WHERE id = %s",
                           [MembershipEvent.objects.filter(member=world.m1).get().id])
        assert breakdown(city, day).total.members == members  # not committed yet
        assert not MembershipTally.objects.exists()
        writer.commit()
    finally:
        writer.close()
    assert breakdown(city, day).total.members == members - 1
    assert MembershipTally.objects.filter(month_end=day).count() == Organization.objects.count()


# --- A new month end: carried forward from the last one -----------------------------------


@pytest.mark.parametrize("write", [None, _leave, _category, _import],
                         ids=lambda write: write.__name__.strip("_") if write else "no write")
def test_a_month_end_carried_forward_gives_the_figures_the_events_give(
        monkeypatch, people, world, write):
    """At a new month the unions' tallies are the last month end's plus the events
    between (issue 20): the same figures as counting every event, before and after a
    write deletes some of them."""
    monkeypatch.setattr(tallies, "CARRY_MIN", 0)
    city, earlier, day = world.tree.city, date(2018, 9, 30), date(2018, 11, 30)
    carry_forward = tallies.carry_forward
    for grouping in (BY_UNION, BY_COUNTY, BY_TOWN):
        for root in (city, world.tree.jiangcheng):
            breakdown(city, earlier)  # the tallies of 30 September (and of the new year)
            if write:  # deletes the tallies it changes (the first time round)
                write(world, people)
                write = None
            carried = []
            with monkeypatch.context() as patch:
                patch.setattr(tallies, "carry_forward",
                              lambda *args: carried.append(carry_forward(*args)) or carried[-1])
                got = figures(breakdown(root, day, grouping))
            assert got == from_events(monkeypatch, root, day, grouping), (root.name, grouping)
            # 30 November's carried forward (after a write, the unions whose tallies
            # went are counted from their events; so may be the new year's).
            assert 0 < carried[-1] <= Organization.objects.in_subtree(root).count()


def test_carried_forward_equals_counted(monkeypatch, people, world):
    """Tally by tally: carried forward from August is counted from the events."""
    city, day = world.tree.city, date(2018, 11, 30)
    services.change_status(world.m5, MembershipEvent.Kind.RETAIN, date(2018, 9, 20))
    breakdown(city, date(2018, 8, 31))
    assert tallies.carry_forward(city, day) == Organization.objects.count()
    carried = {t.union_id: t for t in MembershipTally.objects.filter(month_end=day)}
    MembershipTally.objects.filter(month_end=day).delete()
    tallies.count_tallies(city, day, probe=False)
    counted = {t.union_id: t for t in MembershipTally.objects.filter(month_end=day)}
    fields = [f.name for f in MembershipTally._meta.fields if f.name not in ("id",)]
    assert {u: [getattr(t, f) for f in fields] for u, t in carried.items()} == \
        {u: [getattr(t, f) for f in fields] for u, t in counted.items()}
    assert sum(t.members for t in counted.values()) > 0


def test_refill_counts_again_what_an_import_deleted(monkeypatch, people, world):
    """The import job's refill: every month end's tallies that the import's events
    deleted are there again, as counted from the events."""
    monkeypatch.setattr(tallies, "CARRY_MIN", 0)
    city, day = world.tree.city, date(2018, 10, 31)
    breakdown(city, day)
    breakdown(city, date(2018, 3, 31))
    stored = set(MembershipTally.objects.values_list("union_id", "month_end"))
    _import(world, people)  # the factory's tallies from 2 May 2018 go
    assert set(MembershipTally.objects.values_list("union_id", "month_end")) < stored
    assert tallies.refill_tallies()
    assert set(MembershipTally.objects.values_list("union_id", "month_end")) == stored
    with CaptureQueriesContext(connection) as queries:
        refilled = figures(breakdown(city, day))
    assert not [q for q in queries if q["sql"].startswith("INSERT")]
    assert refilled == from_events(monkeypatch, city, day)
