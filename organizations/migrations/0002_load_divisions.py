"""Load Yangjiang's administrative divisions (NBS codes) so a fresh database has them."""

import csv
from pathlib import Path

from django.db import migrations

DIVISIONS_CSV = Path(__file__).resolve().parents[2] / "fixtures" / "yangjiang_divisions.csv"


def load_divisions(apps, schema_editor):
    Division = apps.get_model("organizations", "Division")
    with DIVISIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {}
    # The file lists parents before children.
    for row in rows:
        division = Division.objects.create(
            code=row["code"], name=row["name"], level=row["level"],
            parent=by_code.get(row["parent_code"]),
        )
        by_code[division.code] = division


def unload_divisions(apps, schema_editor):
    apps.get_model("organizations", "Division").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(load_divisions, unload_divisions)]
