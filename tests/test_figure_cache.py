"""The figure cache (members.statistics.cache): the dashboard's and the campaign page's
figures are counted once per version of what they count, shown from the cache after
that, equal to the figures counted afresh; any change to what they count (an event, a
member's category, an import, an employer, a drive) shows at once; and a user never
reads figures cached for another scope.

The tests commit what they write (``transaction=True``): on PostgreSQL the cache
stores nothing in a transaction that has written, since those rows are not yet
everyone's."""

from datetime import date

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from members import campaign, dashboard, services, statistics
from members.models import FIGURE_TABLES, EnrolmentDrive, MembershipEvent
from members.spreadsheets.importing import run_import
from organizations.models import Division, Employer
from tests.dashboard_data import AS_OF
from tests.test_import import member_row, xlsx

DASHBOARD, CAMPAIGN = reverse("dashboard"), reverse("campaign")
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def figure_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-figures"}}


@pytest.fixture
def counted(monkeypatch):
    """The pages' figures counted (not read from the cache), by page."""
    calls = {"dashboard": 0, "campaign": 0}
    for name, module in (("dashboard", dashboard), ("campaign", campaign)):
        def count(*args, _name=name, _figures=module._figures):
            calls[_name] += 1
            return _figures(*args)
        monkeypatch.setattr(module, "_figures", count)
    return calls


def view(client, user, url=DASHBOARD, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context


def fresh(world, day=AS_OF, root=None):
    return statistics.breakdown(root or world.tree.city, day).total.figures


@COMMITTED
def test_counted_once_then_read_and_equal(client, people, world, figure_cache, counted):
    first = view(client, people.city_admin, as_of=AS_OF.isoformat())
    second = view(client, people.city_admin, as_of=AS_OF.isoformat())
    assert counted["dashboard"] == 1
    assert second["total"].figures == first["total"].figures == fresh(world)
    assert second["members_today"] == statistics.members_on(world.tree.city, date.today())
    assert second["group_table"] == first["group_table"]
    view(client, people.city_admin, CAMPAIGN)
    view(client, people.city_admin, CAMPAIGN)
    assert counted["campaign"] == 1


def _leave(world, people):
    services.change_status(world.m1, MembershipEvent.Kind.LEAVE, date(2018, 6, 30))


def _category(world, people):
    world.m7.is_truck_driver = True
    world.m7.save()


def _import(world, people):
    data = xlsx([member_row(1, union=world.tree.factory.name, 入会日期="2018-05-02")])
    result = run_import("members", data, people.superuser, commit=True)
    assert result.committed, [str(error) for error in result.errors]


def _employer(world, people):
    Employer.objects.create(name="新厂", division=Division.objects.get(code="441702001"),
                            employees=500)


def _drive(world, people):
    EnrolmentDrive.objects.create(
        name="新行动", organizer=world.tree.city, kind=EnrolmentDrive.Kind.OTHER,
        starts_on=date(2018, 1, 1), target_group="courier", target_count=10)


@COMMITTED
@pytest.mark.parametrize("write", [_leave, _category, _import, _employer, _drive],
                         ids=lambda write: write.__name__.strip("_"))
def test_a_change_shows_at_once(client, people, world, figure_cache, counted, write):
    before = view(client, people.city_admin, as_of=AS_OF.isoformat())
    before_campaign = view(client, people.city_admin, CAMPAIGN)

    write(world, people)

    after = view(client, people.city_admin, as_of=AS_OF.isoformat())
    after_campaign = view(client, people.city_admin, CAMPAIGN)
    assert counted == {"dashboard": 2, "campaign": 2}
    assert after["total"].figures == fresh(world)
    changed = {
        _leave: after["total"].members != before["total"].members,
        _category: after["total"].truck_driver_members == before["total"].truck_driver_members + 1,
        _import: after["total"].members == before["total"].members + 1,
        _employer: after_campaign["bands"]["band_100"] == before_campaign["bands"]["band_100"] + 1,
        _drive: len(after_campaign["drives"]) == len(before_campaign["drives"]) + 1,
    }
    assert changed[write]


@COMMITTED
def test_each_scope_reads_its_own_figures(client, people, world, figure_cache, counted):
    city = view(client, people.city_admin)
    county = view(client, people.jiangcheng_clerk)
    assert counted["dashboard"] == 2
    assert county["organization"] == world.tree.jiangcheng
    assert county["total"].figures == fresh(world, date.today(), world.tree.jiangcheng)
    assert county["total"].members < city["total"].members
    # The city's administrator looking at the county: the same figures, not the clerk's
    # cached page (another scope), and never the city's.
    looked = view(client, people.city_admin, org=world.tree.jiangcheng.code)
    assert looked["total"].figures == county["total"].figures
    assert counted["dashboard"] == 3


def test_every_figure_table_bumps_the_version(db):
    """A migration that rebuilds one of these tables on SQLite would drop its triggers
    silently (and a figure cached before a change would be shown after it)."""
    from django.apps import apps

    tables = [apps.get_model(*name)._meta.db_table for name in FIGURE_TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'members_figures_%'")
            found = {}
            for table, _name in cursor.fetchall():
                found[table] = found.get(table, 0) + 1
            assert all(found.get(table) == 3 for table in tables), found
        else:
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger "
                           "WHERE tgname = 'members_figures_changed'")
            found = {table for (table,) in cursor.fetchall()}
            assert set(tables) <= found, set(tables) - found


@COMMITTED
def test_while_a_writer_is_in_flight_nothing_is_stored(
        postgres_only, client, people, world, figure_cache, counted):
    """Another transaction has written and not committed: its statement moved the
    version on already. Figures counted now (without its rows) are shown but not
    stored; after its commit the page counts again and shows its change."""
    settings = connection.settings_dict
    writer = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"],
                              host=settings["HOST"], port=settings["PORT"] or 5432,
                              password=settings["PASSWORD"])
    try:
        with writer.cursor() as cursor:
            cursor.execute("UPDATE members_membershipevent SET kind = 'leave' WHERE id = %s",
                           [MembershipEvent.objects.filter(member=world.m1).get().id])
        during = view(client, people.city_admin, as_of=AS_OF.isoformat())
        view(client, people.city_admin, as_of=AS_OF.isoformat())
        assert counted["dashboard"] == 2  # not stored
        writer.commit()
    finally:
        writer.close()
    after = view(client, people.city_admin, as_of=AS_OF.isoformat())
    assert after["total"].members == during["total"].members - 1
    assert after["total"].figures == fresh(world)
