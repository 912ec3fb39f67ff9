"""What a statistic counts, as querysets and aggregates: the member figures of the
membership events in effect on a day, the joins of a period, the employer figures of an
area, each handed to ``sql.per_union`` as a ``Part`` to be counted per union.

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
"""

from typing import NamedTuple

from django.db.models import Count, IntegerField, Q, Subquery, Sum

from members.models import Category, MembershipEvent
from members.statistics.rows import BY_UNION
from organizations.models import Employer, Organization


class Part(NamedTuple):
    """Figures counted per union for ``per_union``: ``figures`` are the aggregates (or,
    for tallies, the stored values) of ``queryset``'s rows grouped by ``union_id``,
    added to the union's figures or, with ``sign`` -1, taken from them. A ``complete``
    part has a row for every union (the tallies): a union without one makes the result
    ``incomplete``. A ``dated`` part is a few days' events: read by date for the whole
    city and joined, rather than probed union by union."""

    queryset: object
    figures: dict
    sign: int = 1
    complete: bool = False
    dated: bool = False


def member_figures(condition=Q()):
    """The member figures of the events that meet ``condition``. The event's own copy of
    the member's gender and categories: no member join. Counting the (never null) date
    rather than the id: every column read is then in event_union_date_idx, so the events
    are read from that index alone."""
    figures = {
        "members": Count("date", filter=condition),
        "women_members": Count("date", filter=condition & Q(gender="女")),
        "migrant_members": Count("date", filter=condition & Q(is_migrant_worker=True)),
        "retained_members": Count(
            "date", filter=condition & Q(kind=MembershipEvent.Kind.RETAIN)),
    }
    for category in Category:
        if category != Category.MIGRANT_WORKER:
            figures[f"{category.value}_members"] = Count(
                "date", filter=condition & Q(**{category.field: True}))
    return figures


def joins(after, until):
    """The joins dated in ``(after, until]`` (new members), counted."""
    return Part(
        MembershipEvent.objects.filter(
            kind=MembershipEvent.Kind.JOIN, date__gt=after, date__lte=until),
        {"new_members": Count("date")},
    )


def event_parts(day, since):
    """The member figures and the new members, counted from the events."""
    return [
        Part(MembershipEvent.objects.members_on(day), member_figures()),
        joins(since, day),
    ]


def in_subtree(root):
    """Rows whose union lies in ``root``'s subtree. Below the city, through the subtree's
    union ids, so the union indexes drive the query and a town reads only its unions'
    entries. The city is every row: there the union's path (joined anyway for the
    grouping) is enough, where a semi-join would cost a lookup per row for nothing."""
    if root.parent_id is None:
        return Q(union__path__startswith=root.path)
    return Q(union_id__in=Subquery(Organization.objects.in_subtree(root).order_by().values("id")))


def employer_figures(root, day, keys):
    """The employer figures of ``root``'s area: the part counted per union when grouped
    by child union (for ``per_union``, else None), and ``(division id, figures)`` per
    division of the rest (rows keyed by ``keys.employer_key``).
    ``Employer.objects.in_area(root)`` is read in two disjoint parts, each served by an
    index: the employers the subtree's unions cover, and those without a union (which
    only area federations count). With the OR in one query every employer in the city
    is read."""
    covered = Q(union__isnull=False) & (Q(unionized_on__isnull=True) | Q(unionized_on__lte=day))
    figures = {
        "employers": Count("id"),
        "employers_covered": Count("id", filter=covered),
        "employers_25": Count("id", filter=Q(employees__gte=25)),
        "employers_25_covered": Count("id", filter=covered & Q(employees__gte=25)),
        "employers_100": Count("id", filter=Q(employees__gte=100)),
        "employers_100_covered": Count("id", filter=covered & Q(employees__gte=100)),
        "employees": Sum("employees", filter=covered, default=0, output_field=IntegerField()),
        "women_employees": Sum("women_employees", filter=covered, default=0,
                               output_field=IntegerField()),
        "migrant_employees": Sum("migrant_employees", filter=covered, default=0,
                                 output_field=IntegerField()),
    }
    with_union = Employer.objects.filter(union__isnull=False)
    rest = []
    if keys.grouping == BY_UNION:
        # Counted per union with the members (narrowed to the subtree there), then per
        # child union: no path prefix per employer.
        part = Part(with_union, figures)
    else:
        part = None
        rest.append(with_union.filter(in_subtree(root)))
    if root.kind in (Organization.Kind.CITY, Organization.Kind.COUNTY, Organization.Kind.TOWN):
        # The area's divisions by id (not a join on their codes, which the planner
        # cannot estimate: it read every employer without a union for one town's).
        prefix = root.division.prefix
        area = [pk for pk, code in keys.division_codes.items() if code.startswith(prefix)]
        rest.append(Employer.objects.filter(union__isnull=True, division_id__in=area))
    return part, (
        (values.pop("division_id"), values) for employers in rest
        for values in employers.values("division_id").annotate(**figures).order_by()
    )


def members_on(root, day):
    """How many people were members of ``root``'s subtree on ``day``."""
    return MembershipEvent.objects.filter(in_subtree(root)).members_on(day).count()
