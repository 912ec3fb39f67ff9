"""The statistics' child rows carry their child union (built from plain values for
speed): the same union with the fields the dashboard's links read, in the children's
order, and the planner settings a breakdown changes on PostgreSQL are put back."""

from datetime import date

import pytest
from django.db import connection

from members.statistics import BY_UNION, breakdown
from organizations.models import Organization
from tests.people import people, tree  # noqa: F401


def test_child_rows_carry_their_unions(tree):
    report = breakdown(tree.city, date(2018, 10, 31), BY_UNION)
    children = list(Organization.objects.filter(parent=tree.city).order_by("kind", "name"))
    by_child = [row for row in report.rows if row.organization != tree.city]
    assert sorted(row.key for row in by_child) == sorted(child.path for child in children)
    for row in by_child:
        child = next(child for child in children if child.path == row.key)
        assert row.organization == child
        assert (row.organization.code, row.organization.name, row.organization.path,
                row.organization.kind) == (child.code, child.name, child.path, child.kind)
        assert row.label == child.name


def test_planner_settings_are_put_back(tree):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL planner settings")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashagg'), current_setting('jit')")
        before = cursor.fetchone()
        breakdown(tree.city, date(2018, 10, 31), BY_UNION)
        cursor.execute("SELECT current_setting('enable_hashagg'), current_setting('jit')")
        assert cursor.fetchone() == before
