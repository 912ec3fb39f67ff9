"""python manage.py export_members --org CODE -o FILE(.xlsx|.csv)

The members of a union's subtree, with the same columns and writers as the export
pages (streaming, batches by primary key). Unmasked: the command is run by the system
administrator on the server. Logged in ExportLog like every export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from members.management.commands.import_data import _Superuser
from members.spreadsheets.exporting import Export, write_csv_file, write_xlsx_file
from organizations.params import BadParameter


class Command(BaseCommand):
    help = "Export the members of a union's subtree to .xlsx or .csv."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="union code")
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, org, output, **options):
        export = Export("members", _Superuser())
        params = {"org": org}
        try:
            queryset = export.queryset(params)
        except BadParameter as error:
            raise CommandError(error.message) from None
        except Http404:
            raise CommandError(f"No union with the code {org}.") from None
        writer = write_csv_file if output.suffix.lower() == ".csv" else write_xlsx_file
        count = writer(export, queryset, params, output)
        self.stdout.write(f"{count} members written to {output}")
