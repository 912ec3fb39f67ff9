"""``python manage.py seed_demo``: fill an empty database with the demo city.

Builds the Yangjiang union tree on the real divisions (organizations.demo), the members,
their membership events, transfers and enrolment drives (members.demo), deterministic
from ``--seed``. ``--members`` is the number of members on 2018-10-31 (440,871 for the
whole city); ``--unions`` the number of base unions (5,375). Rows are loaded in bulk
(COPY on PostgreSQL), so they carry no django-simple-history records.
"""

import random
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from members import demo as member_demo
from members.models import EnrolmentDrive, Member, MembershipEvent, MembershipTally, Transfer
from members.statistics import members_on
from organizations import demo as org_demo
from organizations.demo_sites import seed_sites, seed_targets
from organizations.models import (
    CampaignTarget,
    DemonstrationSite,
    Employer,
    Grant,
    Organization,
    SiteActivity,
)

# Tables emptied by --reset, children first.
DEMO_MODELS = [
    MembershipTally, MembershipEvent, Transfer, Member, EnrolmentDrive, SiteActivity,
    DemonstrationSite.employers.through, DemonstrationSite, CampaignTarget, Employer, Grant,
    Organization,
]


def build_demo(members=20000, unions=org_demo.BASE_UNIONS, seed=2018, progress=None):
    """Build the demo city into the current (empty) database; returns a summary dict.
    Shared by the command and the benchmarks."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        tree = org_demo.build_tree(rng, unions)
        member_demo.expected_reported(tree, members, rng)
        org_demo.save_tree(tree)
        org_demo.reset_sequences(Organization, Employer)
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


class Command(BaseCommand):
    help = "Fill an empty database with the demo city: union tree, employers, members, drives."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=20000,
                            help="Members on 2018-10-31 (440871 for the whole city). Default 20000.")
        parser.add_argument("--unions", type=int, default=org_demo.BASE_UNIONS,
                            help="Base unions (default 5375, covering 7846 employers).")
        parser.add_argument("--seed", type=int, default=2018, help="Random seed (default 2018).")
        parser.add_argument("--reset", action="store_true",
                            help="Delete existing unions, employers, members and drives first.")

    def handle(self, *args, members, unions, seed: int, reset: bool, **options):
        if members < 0 or unions < 1:
            raise CommandError("--members must be >= 0 and --unions >= 1.")
        if reset:
            delete_demo()
        elif Organization.objects.exists() or Member.objects.exists():
            raise CommandError(
                "The database already holds unions or members. Run with --reset to delete "
                "them (and all access grants) and build the demo city afresh."
            )
        last = [0.0]

        def progress(done, total):
            now = time.perf_counter()
            if now - last[0] > 5:
                last[0] = now
                self.stderr.write(f"  members {done:,}/{total:,}")

        summary = build_demo(members=members, unions=unions, seed=seed, progress=progress)
        self.stdout.write(
            "Demo city ready in {seconds}s: {unions:,} unions ({base_unions:,} base unions), "
            "{employers_covered:,} employers covered and {employers_uncovered:,} without a union "
            "({uncovered_100} with 100+ employees), {sites} demonstration sites, {drives} enrolment drives, "
            "{members:,} members with {events:,} membership events and {transfers:,} transfers. "
            "Members on 2018-10-31: {members_2018_10_31:,}.".format(**summary)
        )
