"""``breakdown``: the statistics of a union's subtree on a day, one row per child union,
county or town, with a total. It reads the tallies (``tallies``), falls back on the
events (``counting``), and has each part counted per union in one statement (``sql``).

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
"""

from datetime import date
from operator import itemgetter

from django.db import transaction
from django.utils.translation import gettext as _

from members.statistics import counting, sql, tallies
from members.statistics.rows import BY_UNION, FIGURES, Keys, Report, Row
from organizations.models import Division
from unionreg.routers import primary_reads, replica_reads


def breakdown(root, day, grouping=BY_UNION, since=None):
    """The statistics of ``root``'s subtree on ``day``, one row per child union, county or
    town, with a total. ``since`` opens the period for new members and new base unions
    (exclusive); it defaults to the last day of the previous year, so "new this year"
    includes 1 January. Read from the read replica when one is configured
    (``unionreg.routers``); missing tallies are stored on the primary."""
    since = since or date(day.year - 1, 12, 31)
    with replica_reads():
        return _breakdown(root, day, grouping, since)


def _breakdown(root, day, grouping, since):
    divisions = {d.code: d for d in Division.objects.all()}
    keys = Keys(root, grouping, divisions.values())
    rows = {}

    def add(key, values):
        """Add one group's figures, ``(name, value)`` pairs (never NULL: the sums
        default to 0), to its row."""
        row = rows.get(key)
        if row is None:  # as it is: a town's thousands of child unions come once each
            rows[key] = keys.row(key, divisions, values)
            return
        for name, value in values:
            row.figures[name] += value

    with sql.planner_for(root):
        employers_per_union, employers = counting.employer_figures(root, day, keys)
        for group, values in _per_union_figures(root, day, since, keys, employers_per_union):
            add(keys.key(group), values)
        for group, values in employers:
            add(keys.employer_key(group), values.items())

    if grouping == BY_UNION:  # every child union has a row, with nothing counted too
        for path in keys.children:
            if path not in rows:
                rows[path] = keys.row(path, divisions)

    ordered = sorted(rows.values(), key=lambda row: (row.key != root.path, row.key))
    return Report(root, day, since, grouping, ordered, _total(root, ordered))


def _per_union_figures(root, day, since, keys, employers_per_union):
    """The figures counted per union (``sql.per_union``), grouped: from the tallies;
    those missing are counted and stored, then read; from the events if they cannot be
    stored now, or went again meanwhile."""
    employer_parts = [employers_per_union] if employers_per_union else []
    parts = tallies.tally_parts(day, since) + employer_parts
    results, missing = sql.per_union(root, day, since, keys, parts)
    if missing and _store_tallies(root, day, since, missing):
        # Read where they were just stored: a replica may not have them yet.
        with primary_reads(), sql.planner_for(root):
            results, missing = sql.per_union(root, day, since, keys, parts)
    if missing:
        live = counting.event_parts(day, since) + employer_parts
        results = sql.per_union(root, day, since, keys, live)[0]
    return results


def _store_tallies(root, day, since, missing):
    """Store the missing tallies on the primary, in a transaction of its own there (the
    statistic may be reading a replica): the events are written there, and the lock that
    keeps the tallies in step with them is held until it commits."""
    with transaction.atomic(using=sql.tally_database()):
        return tallies.store_tallies(
            root, [tallies.month_end_of(day), tallies.month_end_of(since)], missing)


def _total(root, rows):
    """The total row: the column sums of ``rows``, their figures transposed by zip (a
    town has thousands of rows)."""
    total = Row("", _("Total"), organization=root)
    figures_of = itemgetter(*FIGURES)
    for name, column in zip(FIGURES, zip(*(figures_of(row.figures) for row in rows))):
        total.figures[name] = sum(column)
    return total
