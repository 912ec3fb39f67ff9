"""The SQL a statistic runs, and what differs per database, each behind one function:
the parts counted per union and summed per group in one statement (``per_union``), the
tallies counted and inserted in one statement (``insert_tallies``), the planner settings
a breakdown runs with (``planner_for``), the lock between event writers and the tallies'
counting (``try_tally_lock``) and fresh planner statistics (``analyze``). PostgreSQL
gets LATERAL probes, planner settings and an advisory lock; SQLite the plain joins.

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
Why each setting: the comments here; the measurements behind them: bench/RESULTS.md.
"""

from contextlib import contextmanager, nullcontext

from django.db import connections, router, transaction
from django.db.models.expressions import RawSQL

from members.models import MembershipEvent, MembershipTally
from members.statistics.counting import in_subtree
from members.statistics.rows import BY_UNION
from organizations.models import STEP, Organization

# PostgreSQL settings while a breakdown's queries run. The planner prices a parallel hash
# aggregate of the events per union below the index-ordered one, but with tens of
# thousands of unions it spills to disk and is slower; JIT compiles for longer than it
# saves. Below the city each union reads its own tallies through their index; priced as
# reads from a spinning disk (the default 4), the planner hashes all the city's tallies
# instead, which is slower for a town (1.1: a disk without seeks, or a table in memory,
# as the tallies are).
PLANNER = {"enable_hashagg": "off", "jit": "off", "random_page_cost": "1.1"}
# Below the city, the unions' figures are a few index probes each: for a town's
# thousands of unions, starting a parallel worker takes longer than sharing the probes
# saves (the city's one pass over every union gains from it).
BELOW_CITY = {**PLANNER, "max_parallel_workers_per_gather": "0"}


def per_union(root, day, since, keys, parts):
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
    base, base_params, sums, sums_params = _union_sums(connection, day, since)
    params += sums_params
    # The city counts every row of each part per union in one index-ordered pass and
    # joins those counts to its unions. Below it, on PostgreSQL, each of the subtree's
    # unions probes the part's union index for its own rows (a LATERAL subquery per
    # union): a town reads only its unions' entries, where with a join the planner,
    # misjudging how few unions the subtree holds, read whole indexes (the year's joins,
    # every covered employer). SQLite has no LATERAL: there the parts are narrowed to
    # the subtree and joined.
    probe = root.parent_id is not None and connection.vendor == "postgresql"
    joins, params_joins, values, missing = _part_terms(root, parts, probe)
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


def _union_sums(connection, day, since):
    """The figures the unions ``u`` count of themselves: the condition of a base union
    founded by ``day`` (or on an unknown date) and its parameters, the sums (SQL by
    figure name) and their parameters."""
    day_value, since_value = (connection.ops.adapt_datefield_value(d) for d in (day, since))
    base = "u.kind IN (%s, %s) AND (u.founded_on IS NULL OR u.founded_on <= %s)"
    base_params = [*Organization.BASE_KINDS, day_value]
    sums = {
        "base_unions": f"SUM(CASE WHEN {base} THEN 1 ELSE 0 END)",
        "non_public_unions": f"SUM(CASE WHEN {base} AND u.is_non_public THEN 1 ELSE 0 END)",
        "new_base_unions": f"SUM(CASE WHEN {base} AND u.founded_on > %s THEN 1 ELSE 0 END)",
        "new_non_public_unions": (f"SUM(CASE WHEN {base} AND u.is_non_public "
                                  f"AND u.founded_on > %s THEN 1 ELSE 0 END)"),
    }
    return base, base_params, sums, [*base_params, *base_params, *base_params, since_value,
                                      *base_params, since_value]


def _part_terms(root, parts, probe):
    """Each ``Part`` counted per union and joined to the unions ``u``: the JOIN clauses
    and their parameters, each figure's per-union value (its parts' terms added or
    taken away) and, for each complete part, the condition of a union without a row."""
    joins, params_joins, missing = [], [], []
    terms = {}  # figure name: its per-union value, one term per part
    for number, part in enumerate(parts):
        alias = f"p{number}"
        join, inner_params, columns = joined_per_union(
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
    return joins, params_joins, values, missing


def joined_per_union(queryset, figures, alias, *, probe, root):
    """``queryset``'s rows counted per union, as a subquery ``alias`` joined to the
    unions ``u``: with ``probe``, each union counts its own rows (LATERAL); else, given a
    ``root`` below the city, the rows are narrowed to its subtree. Returns the JOIN
    clause, its parameters and the subquery's column for each figure, in order (named by
    position: a tally's figures are also its field names)."""
    if probe:
        queryset = queryset.filter(union_id=RawSQL("u.id", ()))
    elif root is not None and root.parent_id is not None:
        queryset = queryset.filter(in_subtree(root))
    columns = {f"f{index}": figure for index, figure in enumerate(figures.values())}
    inner, params = (
        queryset.values("union_id").annotate(**columns).order_by().query.sql_with_params()
    )
    join = (f"LEFT JOIN LATERAL ({inner}) {alias} ON true" if probe
            else f"LEFT JOIN ({inner}) {alias} ON {alias}.union_id = u.id")
    return join, params, list(columns)


def insert_tallies(root, month_end, events, figures, probe):
    """INSERT the tallies at ``month_end`` of the unions of ``root``'s subtree without
    one, ``figures`` counted from ``events`` in one statement: with ``probe``
    (PostgreSQL), each union without a tally counts its own events; else the events of
    the whole subtree are counted in one pass, and the unions that have a tally already
    keep it."""
    connection = connections[tally_database()]
    quote = connection.ops.quote_name
    table = quote(MembershipTally._meta.db_table)
    probe = probe and connection.vendor == "postgresql"
    join, inner_params, columns = joined_per_union(events, figures, "p", probe=probe, root=root)
    day = connection.ops.adapt_datefield_value(month_end)
    # Without a probe, no NOT EXISTS: just after the city's tallies of another month end
    # were stored, the planner (its statistics not yet updated) expected it to leave one
    # union and counted every event once per union, a thousand times slower.
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


def insert_tallies_forward(root, month_end, parts):
    """INSERT the tallies at ``month_end`` of the unions of ``root``'s subtree that have a
    row in the first of ``parts`` (the earlier tallies, a complete part): each figure the
    sum of its parts' terms, as ``per_union`` sums them. Unions that have a tally at
    ``month_end`` already keep it. Returns how many were inserted."""
    connection = connections[tally_database()]
    quote = connection.ops.quote_name
    table = quote(MembershipTally._meta.db_table)
    joins, params_joins, values, _missing = _part_terms(root, parts, probe=False)
    names = list(values)
    sql = (
        f"INSERT INTO {table} (union_id, month_end, {', '.join(quote(n) for n in names)}) "
        f"SELECT u.id, %s, {', '.join(values[name] for name in names)} "
        f"FROM {quote(Organization._meta.db_table)} u " + " ".join(joins)
        + " WHERE u.path LIKE %s AND p0.union_id IS NOT NULL "
        "ON CONFLICT (union_id, month_end) DO NOTHING"
    )
    day = connection.ops.adapt_datefield_value(month_end)
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, *params_joins, root.path + "%"])
        return cursor.rowcount


def tally_database():
    """Where tallies are counted and stored: the primary, where the events are written
    (a statistic may read a replica: ``unionreg.routers``)."""
    return router.db_for_write(MembershipTally)


def try_tally_lock(lock):
    """Take the advisory lock ``lock`` exclusively until the transaction ends, or False
    when another transaction holds it. SQLite has one writer at a time: no lock."""
    connection = connections[tally_database()]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock])
        return cursor.fetchone()[0]


def analyze(model):
    """Fresh planner statistics on ``model``'s table (PostgreSQL; SQLite plans without),
    on the primary (a replica has the primary's)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def planner_for(root):
    """The planner settings for a breakdown of ``root``: ``PLANNER`` for the city,
    ``BELOW_CITY`` below it."""
    return _planner(MembershipEvent.objects.db, PLANNER if root.parent_id is None else BELOW_CITY)


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
