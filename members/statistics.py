"""Membership statistics as of a date: the figures officials send up (基层工会数, 覆盖单位数,
职工人数, 会员人数, 入会率, 建会率, new members and new base unions in a period), broken down
by child union, by county or by town. The dashboard, the pages and the statistics
workbook all read them from ``breakdown`` so their figures agree.

Each table is asked once, grouped in the database (members, unions, employers: a few
queries whatever the size of the tree). Members are counted from the membership events
in effect on the day (see ``MembershipEvent``), so "members on 2018-10-31" counts people
who had joined by then and had not left. They are read from each union's tallies at the
month end on or before the day (``MembershipTally``: counted from the events once, then
stored) plus the events dated after it; new members in a period are the difference of
two tallies' joins. Employers are not versioned beyond the date they were unionised, so
headcounts are today's.
"""

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter
from typing import NamedTuple

from django.db import connections, transaction
from django.db.models import Count, F, IntegerField, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from members.models import Category, MembershipEvent, MembershipTally
from organizations.models import STEP, Division, Employer, Organization

BY_UNION = "union"
BY_COUNTY = "county"
BY_TOWN = "town"
GROUPINGS = (BY_UNION, BY_COUNTY, BY_TOWN)

MEMBER_FIGURES = ["members", "women_members", "migrant_members", "retained_members"] + [
    f"{category.value}_members" for category in Category if category != Category.MIGRANT_WORKER
]
EMPLOYER_FIGURES = [
    "employers", "employers_covered", "employers_25", "employers_25_covered", "employers_100",
    "employers_100_covered", "employees", "women_employees", "migrant_employees",
]
UNION_FIGURES = ["base_unions", "non_public_unions", "new_base_unions"]
FIGURES = MEMBER_FIGURES + ["new_members"] + UNION_FIGURES + EMPLOYER_FIGURES
ZEROS = dict.fromkeys(FIGURES, 0)  # copied for each row: faster than building it


# The fields a child union's row carries, in the model's field order (which
# ``Organization.from_db`` expects): those the rows and the dashboard's links read.
CHILD_FIELDS = [field.attname for field in Organization._meta.concrete_fields
                if field.attname in ("id", "code", "name", "path", "kind")]


class Row:
    """One row of a report: its key (a child union's path, a county or town code), its
    label, its figures by name (also read as attributes: ``row.members``), and what it
    counts: a union (``organization``: the total's root, a child union) or a division
    (``division``: by county or town)."""

    def __init__(self, key, label, organization=None, division=None, figures=None, *,
                 child=None):
        self.key, self.label, self.division = key, label, division
        self.figures = ZEROS.copy() if figures is None else figures
        self._organization = organization
        # A child union not built yet: its database and ``CHILD_FIELDS`` values, atomic
        # values in tuples (which the garbage collector stops tracking).
        self._child = child

    @property
    def organization(self):
        """A child union is built from its values when first read: a town has thousands
        of rows, and building every union took a fifth of its statistic (the workbook
        reads none of them, the dashboard every one)."""
        if self._organization is None and self._child is not None:
            db, values = self._child
            self._organization = Organization.from_db(db, CHILD_FIELDS, values)
        return self._organization

    def __repr__(self):
        return f"<Row {self.key!r} {self.label!r}>"

    def __getattr__(self, name):
        try:
            return self.__dict__["figures"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def employers_uncovered(self):
        return self.employers - self.employers_covered

    @property
    def employers_25_uncovered(self):
        return self.employers_25 - self.employers_25_covered

    @property
    def employers_100_uncovered(self):
        return self.employers_100 - self.employers_100_covered

    @property
    def membership_rate(self):
        """入会率: members of the covered employers' workforce."""
        return self.members / self.employees if self.employees else None

    @property
    def unionisation_rate(self):
        """建会率: employers with a union of all employers."""
        return self.employers_covered / self.employers if self.employers else None

    @property
    def unionisation_rate_25(self):
        return self.employers_25_covered / self.employers_25 if self.employers_25 else None

    @property
    def unionisation_rate_100(self):
        return self.employers_100_covered / self.employers_100 if self.employers_100 else None


@dataclass
class Report:
    root: Organization
    day: date
    since: date | None
    grouping: str
    rows: list
    total: Row


class Part(NamedTuple):
    """Figures counted per union for ``_per_union``: ``figures`` are the aggregates (or,
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


def _member_figures(condition=Q()):
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


def _joins(after, until):
    """The joins dated in ``(after, until]`` (new members), counted."""
    return Part(
        MembershipEvent.objects.filter(
            kind=MembershipEvent.Kind.JOIN, date__gt=after, date__lte=until),
        {"new_members": Count("date")},
    )


def _event_parts(day, since):
    """The member figures and the new members, counted from the events."""
    return [
        Part(MembershipEvent.objects.members_on(day), _member_figures()),
        _joins(since, day),
    ]


def month_end_of(day):
    """The last month end on or before ``day``: ``day`` itself at the end of a month."""
    if (day + timedelta(days=1)).day == 1:
        return day
    return day.replace(day=1) - timedelta(days=1)


def _tally_parts(day, since):
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
            parts.append(_joins(since_end, since)._replace(sign=-1, dated=True))
    if day > month_end:
        events = MembershipEvent.objects.all()
        parts += [
            Part(events.members_on(day).filter(date__gt=month_end), _member_figures(),
                 dated=True),
            # Members at the month end whose event ended by the day (written as a range
            # of valid_until: event_closed_idx).
            Part(events.filter(kind__in=MembershipEvent.MEMBER_KINDS, date__lte=month_end,
                               valid_until__gt=month_end, valid_until__lte=day),
                 _member_figures(), sign=-1, dated=True),
        ]
        if new_members:
            parts.append(_joins(month_end, day)._replace(dated=True))
    return parts


def _per_union(root, day, since, keys, parts):
    """The base unions, and the figures of each ``Part``, per child union, county or
    town (``keys.key``), in one statement: each part is counted per union in SQL (the
    events on PostgreSQL in the order of event_union_date_idx, index-only: no per-event
    join to the unions and no path prefix computed per event); only those counts, one
    row per union, are joined to the subtree's unions, which count themselves, and
    summed per group. Returns an iterator of ``(group, figures)`` pairs, the figures as
    ``(name, value)`` pairs, and the number of unions without a row in a complete part
    (a missing tally)."""
    connection = connections[Organization.objects.db]
    quote = connection.ops.quote_name
    group = "SUBSTR(u.path, 1, %s)" if keys.grouping == BY_UNION else "u.division_id"
    params = [len(root.path) + STEP] if keys.grouping == BY_UNION else []
    # The union itself: a base union founded by ``day`` (or on an unknown date).
    day_value, since_value = (connection.ops.adapt_datefield_value(d) for d in (day, since))
    base = "u.kind IN (%s, %s) AND (u.founded_on IS NULL OR u.founded_on <= %s)"
    base_params = [*Organization.BASE_KINDS, day_value]
    sums = {
        "base_unions": f"SUM(CASE WHEN {base} THEN 1 ELSE 0 END)",
        "non_public_unions": f"SUM(CASE WHEN {base} AND u.is_non_public THEN 1 ELSE 0 END)",
        "new_base_unions": f"SUM(CASE WHEN {base} AND u.founded_on > %s THEN 1 ELSE 0 END)",
    }
    params += [*base_params, *base_params, *base_params, since_value]
    joins, params_joins, missing = [], [], []
    terms = {}  # figure name: its per-union value, one term per part
    # The city counts every row of each part per union in one index-ordered pass and
    # joins those counts to its unions. Below it, on PostgreSQL, each of the subtree's
    # unions probes the part's union index for its own rows (a LATERAL subquery per
    # union): a town reads only its unions' entries, where with a join the planner,
    # misjudging how few unions the subtree holds, read whole indexes (the year's joins,
    # every covered employer). SQLite has no LATERAL: there the parts are narrowed to
    # the subtree and joined.
    probe = root.parent_id is not None and connection.vendor == "postgresql"
    for number, part in enumerate(parts):
        alias = f"p{number}"
        join, inner_params, columns = _joined_per_union(
            part.queryset, part.figures, alias,
            probe=probe and not part.dated, root=None if part.dated else root,
        )
        joins.append(join)
        params_joins += inner_params
        sign = "+" if part.sign > 0 else "-"
        for column, name in zip(columns, part.figures):
            # Each term an integer: their SUM, a bigint, comes back as an int (a SUM of
            # COUNTs, bigints, is a numeric: slower, and a Decimal).
            terms.setdefault(name, []).append(
                f"{sign} CAST(COALESCE({alias}.{column}, 0) AS INTEGER)")
        if part.complete:
            missing.append(f"{alias}.union_id IS NULL")
    values = {name: " ".join(parts_) for name, parts_ in terms.items()}
    for name, value in values.items():
        sums[name] = f"SUM({value})"
    # Last: how many unions lack a row in a complete part.
    sums["missing"] = (f"SUM(CASE WHEN {' OR '.join(missing)} THEN 1 ELSE 0 END)"
                       if missing else "0")
    # Only the unions with something counted: a group appears when a union in it is a
    # base union or has a figure.
    found = [f"({base})"] + [f"({value}) <> 0" for value in values.values()]
    if missing:
        found += missing
    sql = (
        f"SELECT {group}, {', '.join(sums.values())} "
        f"FROM {quote(Organization._meta.db_table)} u "
        + " ".join(joins)
        + f" WHERE u.path LIKE %s AND ({' OR '.join(found)}) GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params_joins + [root.path + "%"] + base_params)
        results = cursor.fetchall()
    names = [name for name in sums if name != "missing"]
    missing = sum(result[-1] for result in results)
    # Pairs made as they are read: a town's thousands kept at once kept the garbage
    # collector busy.
    return ((result[0], zip(names, result[1:-1])) for result in results), missing


def _joined_per_union(queryset, figures, alias, *, probe, root):
    """``queryset``'s rows counted per union, as a subquery ``alias`` joined to the
    unions ``u``: with ``probe``, each union counts its own rows (LATERAL); else, given a
    ``root`` below the city, the rows are narrowed to its subtree. Returns the JOIN
    clause, its parameters and the subquery's column for each figure, in order (named by
    position: a tally's figures are also its field names)."""
    if probe:
        queryset = queryset.filter(union_id=RawSQL("u.id", ()))
    elif root is not None and root.parent_id is not None:
        queryset = queryset.filter(_in_subtree(root))
    columns = {f"f{index}": figure for index, figure in enumerate(figures.values())}
    inner, params = (
        queryset.values("union_id").annotate(**columns).order_by().query.sql_with_params()
    )
    join = (f"LEFT JOIN LATERAL ({inner}) {alias} ON true" if probe
            else f"LEFT JOIN ({inner}) {alias} ON {alias}.union_id = u.id")
    return join, params, list(columns)


def _store_tallies(root, month_ends, missing):
    """Count and store the missing tallies of ``root``'s subtree at ``month_ends`` (about
    ``missing`` unions lack one). False when they cannot be stored now, because another
    transaction is writing events (the statistic is then counted from the events rather
    than wait for it).

    Event writers take ``TALLY_LOCK`` shared in the triggers, until they commit; the
    tallies are counted holding it exclusively until this transaction ends. So they
    count every committed event, and no event is committed meanwhile whose trigger
    found nothing yet to delete. (SQLite has one writer at a time: no lock.)"""
    connection = connections[MembershipTally.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [TALLY_LOCK])
            if not cursor.fetchone()[0]:
                return False
    for month_end in sorted(set(month_ends)):
        _count_tallies(connection, root, month_end, probe=missing <= PROBE_LIMIT)
    if missing > PROBE_LIMIT and connection.vendor == "postgresql":
        # Tens of thousands of new rows: without fresh statistics on them (autovacuum
        # comes within minutes) the planner reads every tally for a town's few.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(MembershipTally._meta.db_table)}")
    return True


# The advisory lock between event writers and the counting of tallies (migration 0008).
TALLY_LOCK = 7_246_001

# Below this many missing tallies, each union counts its own events (LATERAL, on
# PostgreSQL: a town's 2,834 unions at two month ends in 0.3-0.45 s at 1M members);
# above, one pass over the subtree's events (the city's 60,074 unions: ~1 s per month
# end, where probing each union took about as long as the pass at 40,000 unions).
PROBE_LIMIT = 10_000


def _count_tallies(connection, root, month_end, probe):
    """INSERT the tallies at ``month_end`` of the unions of ``root``'s subtree without
    one, counted from the events in one statement: with ``probe`` (PostgreSQL), each
    union without a tally counts its own events; else the events of the whole subtree
    are counted in one pass, and the unions that have a tally already keep it."""
    quote = connection.ops.quote_name
    table = quote(MembershipTally._meta.db_table)
    probe = probe and connection.vendor == "postgresql"
    figures = {
        **_member_figures(MembershipEvent.objects.members_on_q(month_end)),
        "joined": Count("date", filter=Q(kind=MembershipEvent.Kind.JOIN)),
    }
    join, inner_params, columns = _joined_per_union(
        MembershipEvent.objects.filter(date__lte=month_end), figures, "p", probe=probe, root=root)
    day = connection.ops.adapt_datefield_value(month_end)
    # Without a probe, no NOT EXISTS: just after the city's tallies of another month end
    # were stored, the planner (its statistics not yet updated) expected it to leave one
    # union and counted every event once per union: 20 minutes instead of 1 s.
    without = (f" AND NOT EXISTS (SELECT 1 FROM {table} t "
               f"WHERE t.union_id = u.id AND t.month_end = %s)") if probe else ""
    sql = (
        f"INSERT INTO {table} (union_id, month_end, {', '.join(quote(n) for n in figures)}) "
        f"SELECT u.id, %s, {', '.join(f'COALESCE(p.{column}, 0)' for column in columns)} "
        f"FROM {quote(Organization._meta.db_table)} u {join} "
        f"WHERE u.path LIKE %s{without} ON CONFLICT (union_id, month_end) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, *inner_params, root.path + "%"] + ([day] if probe else []))


# PostgreSQL settings while a breakdown's queries run. The planner prices a parallel hash
# aggregate of the events per union below the index-ordered one, but at 1M members it
# spills (60,000 groups of 9 counts) and takes twice as long; JIT compiles for 40-50 ms
# to save nothing. Below the city each union reads its own tallies through their index;
# priced as reads from a spinning disk (the default 4), the planner hashes all the
# city's tallies instead, for a town about twice as slow (1.1: a disk without seeks,
# or a table in memory, as the tallies are) (bench/RESULTS.md).
PLANNER = {"enable_hashagg": "off", "jit": "off", "random_page_cost": "1.1"}
# Below the city, the unions' figures are a few index probes each: for a town's 2,834
# unions, starting a parallel worker took longer than sharing the probes saved (the
# city's one pass over 60,000 unions gains from it).
BELOW_CITY = {**PLANNER, "max_parallel_workers_per_gather": "0"}


@contextmanager
def _planner(using, settings):
    """``settings`` for the queries run inside, put back afterwards (one query each way;
    in a transaction, which ``set_config(..., true)`` needs)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    names = list(settings)
    outer = nullcontext() if connection.in_atomic_block else transaction.atomic(using=using)
    with outer, connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["current_setting(%s)"] * len(names)
                                  + ["set_config(%s, %s, true)"] * len(names)),
            [*names, *(part for name in names for part in (name, settings[name]))],
        )
        before = cursor.fetchone()[:len(names)]
        yield
        # Not on an error: the transaction is then rolled back, and the settings with it.
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
            [part for name, value in zip(names, before) for part in (name, value)],
        )


def _in_subtree(root):
    """Rows whose union lies in ``root``'s subtree. Below the city, through the subtree's
    union ids, so the union indexes drive the query and a town reads only its unions'
    entries. The city is every row: there the union's path (joined anyway for the
    grouping) is enough, where a semi-join would cost a lookup per row for nothing."""
    if root.parent_id is None:
        return Q(union__path__startswith=root.path)
    return Q(union_id__in=Subquery(Organization.objects.in_subtree(root).order_by().values("id")))


def _employer_figures(root, day, keys):
    """The employer figures of ``root``'s area: the part counted per union when grouped
    by child union (for ``_per_union``, else None), and ``(division id, figures)`` per
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
        rest.append(with_union.filter(_in_subtree(root)))
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


class _Keys:
    """How rows are keyed for one grouping, and the labels of the keys."""

    def __init__(self, root, grouping, divisions):
        self.root = root
        self.grouping = grouping
        self.divisions = {division.pk: division for division in divisions}
        self.division_codes = {pk: division.code for pk, division in self.divisions.items()}
        if grouping == BY_UNION:
            # A town has thousands of children: their ``CHILD_FIELDS`` values, each row's
            # union built from them when read (``Row.organization``).
            path, kind = CHILD_FIELDS.index("path"), CHILD_FIELDS.index("kind")
            self.name_index = CHILD_FIELDS.index("name")
            self.children = {}
            children = Organization.objects.filter(parent=root).order_by()  # rows sort by path
            self.db = children.db
            self.federation_prefixes = []  # the child county and town federations' areas
            for values in children.values_list(*CHILD_FIELDS, "division_id"):
                values, division_id = values[:-1], values[-1]
                self.children[values[path]] = values
                if values[kind] in (Organization.Kind.COUNTY, Organization.Kind.TOWN):
                    self.federation_prefixes.append(
                        (values[path], self.divisions[division_id].prefix))
        elif grouping not in GROUPINGS:
            raise ValueError(f"unknown grouping {grouping!r}")

    def key(self, group):
        """The row key of a ``_per_union`` group: a child's path prefix as it is, a
        division id as its county or town code."""
        if self.grouping == BY_UNION:
            return group
        code = self.division_codes[group]
        return code[:6] if self.grouping == BY_COUNTY else code

    def employer_key(self, division_id):
        """The row key of the employers of ``_employer_figures`` in a division: by county
        or town, the division's; by child union (only employers without a union come
        here: the others are counted per union), the child federation of their area,
        else the root."""
        if self.grouping != BY_UNION:
            return self.key(division_id)
        code = self.division_codes[division_id]
        for path, prefix in self.federation_prefixes:
            if code.startswith(prefix):
                return path
        return self.root.path

    def row(self, key, divisions, values=()):
        """The row of ``key``, with the figures in ``values``, ``(name, value)`` pairs
        (the others 0)."""
        figures = ZEROS.copy()
        figures.update(values)
        if self.grouping == BY_UNION:
            if key == self.root.path:
                return Row(key, _("%(union)s (directly)") % {"union": self.root.name},
                           organization=self.root, figures=figures)
            values = self.children.get(key)
            if values is None:
                return Row(key, key, figures=figures)
            return Row(key, values[self.name_index], figures=figures, child=(self.db, values))
        division = divisions.get(key)
        return Row(key, division.name if division else _("(no division)"), division=division,
                   figures=figures)


def breakdown(root, day, grouping=BY_UNION, since=None):
    """The statistics of ``root``'s subtree on ``day``, one row per child union, county or
    town, with a total. ``since`` opens the period for new members and new base unions
    (exclusive); it defaults to the last day of the previous year, so "new this year"
    includes 1 January."""
    since = since or date(day.year - 1, 12, 31)
    divisions = {d.code: d for d in Division.objects.all()}
    keys = _Keys(root, grouping, divisions.values())
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

    with _planner(MembershipEvent.objects.db, PLANNER if root.parent_id is None else BELOW_CITY):
        employers_per_union, employers = _employer_figures(root, day, keys)
        employer_parts = [employers_per_union] if employers_per_union else []
        # From the tallies; those missing are counted and stored, then read; from the
        # events if they cannot be stored now, or went again meanwhile.
        tallies = _tally_parts(day, since) + employer_parts
        results, missing = _per_union(root, day, since, keys, tallies)
        if missing and _store_tallies(root, [month_end_of(day), month_end_of(since)], missing):
            results, missing = _per_union(root, day, since, keys, tallies)
        if missing:
            live = _event_parts(day, since) + employer_parts
            results = _per_union(root, day, since, keys, live)[0]
        for group, values in results:
            add(keys.key(group), values)

        for group, values in employers:
            add(keys.employer_key(group), values.items())

    if grouping == BY_UNION:  # every child union has a row, with nothing counted too
        for path in keys.children:
            if path not in rows:
                rows[path] = keys.row(path, divisions)

    ordered = sorted(rows.values(), key=lambda row: (row.key != root.path, row.key))
    total = Row("", _("Total"), organization=root)
    # Column sums, the rows' figures transposed by zip: a town has thousands of rows.
    figures_of = itemgetter(*FIGURES)
    for name, column in zip(FIGURES, zip(*(figures_of(row.figures) for row in ordered))):
        total.figures[name] = sum(column)
    return Report(root, day, since, grouping, ordered, total)


def members_on(root, day):
    """How many people were members of ``root``'s subtree on ``day``."""
    return MembershipEvent.objects.filter(_in_subtree(root)).members_on(day).count()
