"""The statistics' child rows carry their child union (built from plain values when
first read, for speed): the same union with the fields the dashboard's links read, in
the children's order, and the planner settings a breakdown changes on PostgreSQL are
put back."""

from datetime import date

import pytest
from django.db import connection

from members.statistics import BELOW_CITY, BY_COUNTY, BY_TOWN, BY_UNION, PLANNER, breakdown
from organizations.models import Organization


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


@pytest.mark.parametrize("level, changed", [("city", PLANNER), ("nanen", BELOW_CITY)])
def test_planner_settings_are_put_back(tree, level, changed):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL planner settings")
    settings = "SELECT " + ", ".join(f"current_setting('{name}')" for name in BELOW_CITY)
    with connection.cursor() as cursor:
        cursor.execute(settings)
        before = cursor.fetchone()
        breakdown(getattr(tree, level), date(2018, 10, 31), BY_UNION)
        cursor.execute(settings)
        assert cursor.fetchone() == before
        # the test sees a change put back
        assert all(before[list(BELOW_CITY).index(name)] != value
                   for name, value in changed.items())


@pytest.mark.parametrize("day, since", [(date(2018, 10, 31), None),
                                        (date(2018, 3, 1), date(2017, 6, 30))])
def test_a_child_row_is_the_child_s_own_total(people, world, day, since):
    """The city counts per union in one pass over every event, a county or town probes
    its own unions (on PostgreSQL): however a union is reached, its figures agree. Each
    row of a breakdown by child union equals that child's own breakdown, at every level,
    and the county and town groupings add up to the same total."""
    checked = 0
    for root in Organization.objects.exclude(kind__in=Organization.BASE_KINDS):
        report = breakdown(root, day, BY_UNION, since=since)
        for grouping in (BY_COUNTY, BY_TOWN):
            assert breakdown(root, day, grouping, since=since).total.figures == report.total.figures
        for row in report.rows:
            if row.organization is None or row.organization == root:
                continue
            child_total = breakdown(row.organization, day, BY_UNION, since=since).total
            assert row.figures == child_total.figures, (root.name, row.label)
            checked += 1
    assert checked >= 8
    city = Organization.objects.get(parent=None)
    assert breakdown(city, day, BY_UNION, since=since).total.members > 0  # not all zeros
