"""Stored month-end tallies (``MembershipTally``): a statistic reads each union's member
figures at the month end on or before its day, plus the events dated since; tallies
missing are counted from the events once and stored.

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
"""

from datetime import timedelta

from django.db.models import Count, F, Max, Q

from members.models import TALLY_LOCK, MembershipEvent, MembershipTally
from members.statistics import sql
from members.statistics.counting import Part, in_subtree, joins, member_figures
from members.statistics.rows import MEMBER_FIGURES
from organizations.models import Organization

# Below this many missing tallies, each union counts its own events (LATERAL, on
# PostgreSQL: a town's unions in a fraction of a second); above, one pass over the
# subtree's events, since probing each union costs as much as the pass well before the
# city's tens of thousands of unions (bench/RESULTS.md).
PROBE_LIMIT = 10_000
# Above this many missing tallies, those whose union has one at an earlier month end are
# carried forward from it (``carry_forward``): its passes read the city's events of the
# months between, which costs more than probing a few unions' whole histories.
CARRY_MIN = 1_000


def month_end_of(day):
    """The last month end on or before ``day``: ``day`` itself at the end of a month."""
    if (day + timedelta(days=1)).day == 1:
        return day
    return day.replace(day=1) - timedelta(days=1)


def tally_parts(day, since):
    """The member figures and the new members from the tallies of the month ends on or
    before ``day`` and ``since``, and the events dated between each month end and its
    day: those that began (added) and those that ended (taken away)."""
    month_end = month_end_of(day)
    tallies = MembershipTally.objects.all()
    figures = {name: F(name) for name in MEMBER_FIGURES}
    new_members = since < day  # a period that ends before it begins has none
    if new_members:
        figures["new_members"] = F("joined")
    parts = [Part(tallies.filter(month_end=month_end), figures, complete=True)]
    if new_members:
        since_end = month_end_of(since)
        parts.append(Part(tallies.filter(month_end=since_end), {"new_members": F("joined")},
                          sign=-1, complete=True))
        if since > since_end:
            parts.append(joins(since_end, since)._replace(sign=-1, dated=True))
    if day > month_end:
        events = MembershipEvent.objects.all()
        parts += [
            Part(events.members_on(day).filter(date__gt=month_end), member_figures(),
                 dated=True),
            # Members at the month end whose event ended by the day (written as a range
            # of valid_until: event_closed_idx).
            Part(events.filter(kind__in=MembershipEvent.MEMBER_KINDS, date__lte=month_end,
                               valid_until__gt=month_end, valid_until__lte=day),
                 member_figures(), sign=-1, dated=True),
        ]
        if new_members:
            parts.append(joins(month_end, day)._replace(dated=True))
    return parts


def store_tallies(root, month_ends, missing):
    """Count and store the missing tallies of ``root``'s subtree at ``month_ends``
    (about ``missing`` unions lack one; when many or None, counted again for each). False when they cannot be stored now, because another
    transaction is writing events (the statistic is then counted from the events rather
    than wait for it).

    Each union that has a tally at the latest earlier month end carries it forward (that
    tally and the events between: at a new month, one month's events rather than the
    whole history); the rest are counted from their events.

    Event writers take ``TALLY_LOCK`` shared in the triggers, until they commit; the
    tallies are counted holding it exclusively until this transaction ends. So they
    count every committed event, and no event is committed meanwhile whose trigger
    found nothing yet to delete. (SQLite has one writer at a time: no lock.)"""
    if not sql.try_tally_lock(TALLY_LOCK):
        return False
    stored = 0
    for month_end in sorted(set(month_ends)):
        left = missing
        if missing is None or missing > CARRY_MIN:  # few: counted as they are
            left = missing_tallies(root, month_end)
            if left > CARRY_MIN:
                carried = carry_forward(root, month_end)
                stored, left = stored + carried, left - carried
        if left:
            count_tallies(root, month_end, probe=left <= PROBE_LIMIT)
            stored += left
    if stored > PROBE_LIMIT:
        # Tens of thousands of new rows: without fresh statistics on them (autovacuum
        # comes within minutes) the planner reads every tally for a town's few.
        sql.analyze(MembershipTally)
    return True


def refill_tallies():
    """Count again the tallies a bulk write deleted (an import's events): at every month
    end that has tallies still, those of the unions without one, the earliest month end
    first, so that each later one is carried forward from it. The import job runs it
    before it reports done, so the first statistic after an import reads them. False
    when another transaction is writing events (the statistics then count them)."""
    month_ends = sorted(MembershipTally.objects.values_list("month_end", flat=True)
                        .distinct().order_by())
    for root in Organization.objects.filter(parent=None) if month_ends else ():
        with sql.planner_for(root):
            if not store_tallies(root, month_ends, None):
                return False
    return True


def missing_tallies(root, month_end):
    """How many unions of ``root``'s subtree have no tally at ``month_end``."""
    unions = Organization.objects.in_subtree(root)
    return unions.count() - MembershipTally.objects.filter(
        in_subtree(root), month_end=month_end).count()


def count_tallies(root, month_end, probe):
    """Store the tallies at ``month_end`` of the unions of ``root``'s subtree without
    one, counted from the events (``sql.insert_tallies``)."""
    figures = {
        **member_figures(MembershipEvent.objects.members_on_q(month_end)),
        "joined": Count("date", filter=Q(kind=MembershipEvent.Kind.JOIN)),
    }
    sql.insert_tallies(root, month_end, MembershipEvent.objects.filter(date__lte=month_end),
                       figures, probe)


def carry_forward(root, month_end):
    """Store the missing tallies at ``month_end`` of the unions of ``root``'s subtree that
    have one at the latest earlier month end that has any: that tally, plus the members
    whose event began since and is in effect at ``month_end``, less those whose event in
    effect then has ended by it, plus the joins between. The events between are read by
    date (``event_validity_idx``, ``event_closed_idx``), for the whole city at once.
    Returns how many tallies were stored."""
    earlier = (MembershipTally.objects.filter(month_end__lt=month_end)
               .aggregate(latest=Max("month_end"))["latest"])
    if earlier is None:
        return 0
    events = MembershipEvent.objects.all()
    joined = Q(kind=MembershipEvent.Kind.JOIN)
    parts = [
        Part(MembershipTally.objects.filter(month_end=earlier),
             {**{name: F(name) for name in MEMBER_FIGURES}, "joined": F("joined")},
             complete=True),
        Part(events.members_on(month_end).filter(date__gt=earlier), member_figures(),
             dated=True),
        Part(events.filter(kind__in=MembershipEvent.MEMBER_KINDS, date__lte=earlier,
                           valid_until__gt=earlier, valid_until__lte=month_end),
             member_figures(), sign=-1, dated=True),
        Part(events.filter(joined, date__gt=earlier, date__lte=month_end),
             {"joined": Count("date")}, dated=True),
    ]
    return sql.insert_tallies_forward(root, month_end, parts)
