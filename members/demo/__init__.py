"""The demo city: Yangjiang's union tree on the real divisions, its employers, members,
membership events, transfers, enrolment drives and 三个一批 sites, generated from one
``random.Random(seed)`` for ``manage.py seed_demo`` and the benchmarks (``bench``).

It builds unions and members, so it sits above both ``organizations`` and ``members``;
nothing in the product imports it. ``common``: reference figures, days and names;
``unions`` and ``employers``: the tree; ``people``, ``drives`` and ``members``: the
register; ``sites``: demonstration sites and campaign targets; ``rows``: bulk loading.
"""

import random
import time
from datetime import date

from django.db import connection, transaction

from members.demo import members as member_demo
from members.demo.common import BASE_UNIONS
from members.demo.rows import reset_sequences
from members.demo.sites import seed_sites, seed_targets
from members.demo.unions import build_tree, save_tree
from members.models import EnrolmentDrive, Member, MembershipEvent, MembershipTally, Transfer
from members.statistics import members_on
from organizations.models import (
    CampaignTarget,
    DemonstrationSite,
    Employer,
    Grant,
    Organization,
    SiteActivity,
)

# Tables emptied by delete_demo, children first.
DEMO_MODELS = [
    MembershipTally, MembershipEvent, Transfer, Member, EnrolmentDrive, SiteActivity,
    DemonstrationSite.employers.through, DemonstrationSite, CampaignTarget, Employer, Grant,
    Organization,
]


def build_demo(members=20000, unions=BASE_UNIONS, seed=2018, progress=None):
    """Build the demo city into the current (empty) database; returns a summary dict.
    ``progress(done, total)`` is called after each chunk of members."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        tree = build_tree(rng, unions)
        member_demo.expected_reported(tree, members, rng)
        save_tree(tree)
        reset_sequences(Organization, Employer)
        counts = member_demo.save_members(rng, tree, members, progress=progress)
        city = Organization.objects.get(pk=tree.city["id"])
        # The 三个一批 sites and the campaign targets: a handful of rows, saved normally.
        sites = seed_sites(rng, city, Employer.objects.filter(union__isnull=False))
        seed_targets(city)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Planner statistics for every table, the small ones too: with none for the
            # divisions, a county filter was planned as if it matched 2 towns, not 13, and
            # sorted a whole county's members instead of reading the newest 50 (120 ms vs
            # 1 ms). Autovacuum would get there on a live server; a bulk load should not wait.
            cursor.execute("ANALYZE")
    covered = sum(1 for e in tree.employers if e["union_id"])
    return {
        "unions": len(tree.organizations),
        "base_unions": len(tree.base),
        "employers_covered": covered,
        "employers_uncovered": len(tree.employers) - covered,
        "uncovered_100": sum(1 for e in tree.employers if not e["union_id"] and e["employees"] >= 100),
        "sites": len(sites),
        **counts,
        "members_2018_10_31": members_on(city, date(2018, 10, 31)),
        "seconds": round(time.perf_counter() - started, 1),
    }


def delete_demo():
    """Delete everything the demo creates (and access grants, which point at unions)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in DEMO_MODELS)
            with connection.cursor() as cursor:
                # Fire deferred foreign-key checks first: TRUNCATE refuses tables with
                # pending trigger events (rows inserted earlier in this transaction).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for model in DEMO_MODELS:
                model.objects.all()._raw_delete(model.objects.db)
