"""Stored month-end tallies (``MembershipTally``): a statistic reads each union's member
figures at the month end on or before its day, plus the events dated since; tallies
missing are counted from the events once and stored.

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
"""

from datetime import timedelta

from django.db.models import Count, F, Q

from members.models import TALLY_LOCK, MembershipEvent, MembershipTally
from members.statistics import sql
from members.statistics.counting import Part, joins, member_figures
from members.statistics.rows import MEMBER_FIGURES

# Below this many missing tallies, each union counts its own events (LATERAL, on
# PostgreSQL: a town's unions in a fraction of a second); above, one pass over the
# subtree's events, since probing each union costs as much as the pass well before the
# city's tens of thousands of unions (bench/RESULTS.md).
PROBE_LIMIT = 10_000


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
    """Count and store the missing tallies of ``root``'s subtree at ``month_ends`` (about
    ``missing`` unions lack one). False when they cannot be stored now, because another
    transaction is writing events (the statistic is then counted from the events rather
    than wait for it).

    Event writers take ``TALLY_LOCK`` shared in the triggers, until they commit; the
    tallies are counted holding it exclusively until this transaction ends. So they
    count every committed event, and no event is committed meanwhile whose trigger
    found nothing yet to delete. (SQLite has one writer at a time: no lock.)"""
    if not sql.try_tally_lock(TALLY_LOCK):
        return False
    for month_end in sorted(set(month_ends)):
        count_tallies(root, month_end, probe=missing <= PROBE_LIMIT)
    if missing > PROBE_LIMIT:
        # Tens of thousands of new rows: without fresh statistics on them (autovacuum
        # comes within minutes) the planner reads every tally for a town's few.
        sql.analyze(MembershipTally)
    return True


def count_tallies(root, month_end, probe):
    """Store the tallies at ``month_end`` of the unions of ``root``'s subtree without
    one, counted from the events (``sql.insert_tallies``)."""
    figures = {
        **member_figures(MembershipEvent.objects.members_on_q(month_end)),
        "joined": Count("date", filter=Q(kind=MembershipEvent.Kind.JOIN)),
    }
    sql.insert_tallies(root, month_end, MembershipEvent.objects.filter(date__lte=month_end),
                       figures, probe)
