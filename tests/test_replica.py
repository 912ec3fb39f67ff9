"""A read replica (``DATABASE_REPLICA_URL``, unionreg/routers.py): the statistics and the
exports read from it; everything else, every write included, goes to the primary, so
a clerk's own pages show what the clerk has just saved. Without a replica everything
goes to the primary.

The replica in these tests is a second connection to the test database, as settings.py
sets one up under test (``TEST: {"MIRROR": "default"}``), added for each test by the
``replica`` fixture (settings are read once, at start). Being a second connection, it
sees only what is committed: the tests are transactional."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import ExportLog, Member, MembershipTally
from members.spreadsheets.exporting import Export, write_xlsx_file
from members.statistics import breakdown, members_on
from tests.test_settings_env import load_settings
from unionreg.routers import REPLICA, replica_reads

DAY = date(2018, 10, 31)
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The ``replica`` alias, mirroring the test database."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {
        **primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


with_replica = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


def statements(queries):
    return [query["sql"] for query in queries]


def reads_members(sql):
    """A read of member rows, by the ORM (quoted) or by the export's own SQL."""
    return 'FROM "members_member"' in sql or "FROM members_member m" in sql


def writes(queries):
    return [sql for sql in statements(queries) if sql.lstrip().upper().startswith(WRITES)]


@with_replica
def test_statistics_read_the_replica_and_store_tallies_on_the_primary(replica, world):
    city = world.tree.city
    expected = members_on(city, DAY)  # read on the primary
    assert expected > 0
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(replica) as read:
        report = breakdown(city, DAY)
    assert report.total.members == expected
    assert not writes(read)
    assert any("membershiptally" in sql for sql in writes(primary))
    assert MembershipTally.objects.exists()  # stored, and committed

    # With the tallies stored, a statistic does not touch the primary at all.
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(replica) as read:
        again = breakdown(city, DAY)
    assert again.total.members == expected
    assert statements(primary) == []
    assert any("membershiptally" in sql for sql in statements(read))


@with_replica
def test_an_export_reads_the_replica_and_logs_on_the_primary(replica, world, people, tmp_path):
    export = Export("members", people.superuser)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(replica) as read:
        # .xlsx: its rows come through Django's cursor, which the capture sees (the .csv's
        # COPY goes through the same connection, member_sql._reader, but psycopg2's own).
        rows = write_xlsx_file(export, export.queryset(), {}, tmp_path / "members.xlsx")
    assert rows == Member.objects.count() > 0
    assert any(reads_members(sql) for sql in statements(read))
    assert not [sql for sql in statements(primary) if reads_members(sql)]
    assert not writes(read)
    assert ExportLog.objects.get().rows == rows


@with_replica
def test_a_clerks_pages_read_the_primary(replica, world, people, client):
    client.force_login(people.city_admin)
    with CaptureQueriesContext(replica) as read:
        response = client.get(reverse("member_list"))
    assert response.status_code == 200
    assert "会员1" in response.content.decode()
    assert statements(read) == []


def test_without_a_replica_every_read_goes_to_the_primary(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    with replica_reads():
        assert router.db_for_read(Member) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Member) == DEFAULT_DB_ALIAS


def test_database_replica_url_adds_a_mirrored_replica(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db1:5432/unionreg")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@db2:5432/unionreg")
    monkeypatch.setenv("DEBUG", "1")
    settings = load_settings()
    assert settings.DATABASES["replica"]["HOST"] == "db2"
    assert settings.DATABASES["replica"]["USER"] == "reader"
    assert settings.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    assert settings.DATABASE_ROUTERS == ["unionreg.routers.ReplicaRouter"]
    monkeypatch.delenv("DATABASE_REPLICA_URL")
    assert "replica" not in load_settings().DATABASES


def test_a_malformed_replica_url_names_its_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "mysql://reader@db2/unionreg")
    with pytest.raises(ImproperlyConfigured, match="^DATABASE_REPLICA_URL="):
        load_settings()
