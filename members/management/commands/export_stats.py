"""python manage.py export_stats --org CODE --as-of YYYY-MM-DD [--since YYYY-MM-DD] -o FILE.xlsx

The statistics workbook of the /sheets/stats/ page (members.spreadsheets.stats)."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.spreadsheets.stats import stats_workbook
from organizations.models import Organization


class Command(BaseCommand):
    help = "Write the statistics workbook of a union as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="union code")
        parser.add_argument("--as-of", required=True, type=date.fromisoformat)
        parser.add_argument("--since", type=date.fromisoformat)
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, org, as_of, since, output, **options):
        try:
            root = Organization.objects.get(code=org)
        except Organization.DoesNotExist:
            raise CommandError(f"No union with the code {org}.") from None
        data, _reports = stats_workbook(root, as_of, since)
        output.write_bytes(data)
        self.stdout.write(f"Statistics of {root.name} as of {as_of} written to {output}")
