"""Work the benchmark runs in a child process, so its peak memory (ru_maxrss) is its
own: ``python -m bench.child ACTION ARGS``. Prints one JSON line with what it did."""

import json
import os
import sys
import time


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreg.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: it would cost time and memory


def _member_queryset(limit):
    from members.management.commands.import_data import _Superuser
    from members.spreadsheets.exporting import Export

    export = Export("members", _Superuser())
    queryset = export.queryset({"org": "441700"})
    if limit:
        cut = queryset.order_by("pk").values_list("pk", flat=True)[limit - 1 : limit].first()
        if cut is not None:
            queryset = queryset.filter(pk__lte=cut)
    return export, queryset


def export(file_format, path, limit, newest=False):
    from members.spreadsheets.exporting import write_csv_file, write_xlsx_file

    export, queryset = _member_queryset(limit)
    if newest:  # the newest ``limit`` members (the rows the import benchmark re-imports)
        ids = list(queryset.model.objects.order_by("-pk").values_list("pk", flat=True)[:limit])
        queryset = export.queryset({"org": "441700"}).filter(pk__gte=min(ids))
    writer = write_csv_file if file_format == "csv" else write_xlsx_file
    return {"rows": writer(export, queryset, {"org": "441700"}, path)}


def export_openpyxl(path, limit):
    """The comparison: openpyxl's default (non-streaming) workbook, same rows."""
    from openpyxl import Workbook

    export, queryset = _member_queryset(limit)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(export.headers())
    rows = 0
    for row in export.rows(queryset):
        sheet.append(row)
        rows += 1
    workbook.save(path)
    return {"rows": rows}


def import_file(path, commit):
    from members.management.commands.import_data import _Superuser
    from members.spreadsheets.importing import run_import

    with open(path, "rb") as handle:
        data = handle.read()
    result = run_import("members", data, _Superuser(), commit=commit)
    return {
        "rows": result.rows, "ok": result.ok, "committed": result.committed,
        "errors": [str(e) for e in result.errors[:5]], "error_count": len(result.errors),
        "file_error": result.file_error,
    }


def import_export_resource(path):
    """The comparison: django-import-export's plain ModelResource, default settings."""
    import tablib
    from import_export import resources

    from members.models import Member

    class MemberResource(resources.ModelResource):
        class Meta:
            model = Member

    with open(path, encoding="utf-8") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="csv")
    result = MemberResource().import_data(dataset, dry_run=False, raise_errors=False)
    return {"rows": len(dataset), "errors": result.has_errors() or result.has_validation_errors()}


def main():
    setup()
    action, *args = sys.argv[1:]
    started = time.perf_counter()
    if action == "export":
        out = export(args[0], args[1], int(args[2]), newest=len(args) > 3 and args[3] == "newest")
    elif action == "export_openpyxl":
        out = export_openpyxl(args[0], int(args[1]))
    elif action == "import":
        out = import_file(args[0], commit=args[1] == "commit")
    elif action == "import_export":
        out = import_export_resource(args[0])
    else:
        raise SystemExit(f"unknown action {action}")
    out["seconds"] = time.perf_counter() - started
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
