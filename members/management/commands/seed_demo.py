"""``python manage.py seed_demo``: fill an empty database with the demo city.

Builds the Yangjiang union tree on the real divisions, the members, their membership
events, transfers and enrolment drives (the ``members.demo`` package), deterministic
from ``--seed``. ``--members`` is the number of members on 2018-10-31 (440,871 for the
whole city); ``--unions`` the number of base unions (5,375). Rows are loaded in bulk
(COPY on PostgreSQL), so they carry no django-simple-history records.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from members.demo import BASE_UNIONS, build_demo, delete_demo
from members.models import Member
from organizations.models import Organization


class Command(BaseCommand):
    help = "Fill an empty database with the demo city: union tree, employers, members, drives."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=20000,
                            help="Members on 2018-10-31 (440871 for the whole city). Default 20000.")
        parser.add_argument("--unions", type=int, default=BASE_UNIONS,
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
