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
        # Retained members are left out: the export has no date for 保留 (Member keeps
        # none) and the import requires one, so they would fail the whole commit.
        queryset = export.queryset({"org": "441700"}).filter(pk__gte=min(ids)).exclude(
            status="retained")
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


def import_export_resource(path, tuned=False):
    """The comparison: django-import-export's plain ModelResource with its defaults,
    or (``tuned``) as an experienced user tunes it for a big file of new rows (its
    "Bulk imports" documentation): bulk_create in batches, no diff and no skip check,
    the existing rows looked up in one query (CachedInstanceLoader) and the foreign
    keys from dictionaries filled once per file, not one query per cell."""
    import tablib
    from import_export import instance_loaders, resources

    from members.models import Member

    class MemberResource(resources.ModelResource):
        class Meta:
            model = Member

    class TunedMemberResource(resources.ModelResource):
        class Meta:
            model = Member
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            skip_unchanged = False
            instance_loader_class = instance_loaders.CachedInstanceLoader

        def before_import(self, dataset, **kwargs):
            for field in self.get_import_fields():
                widget = field.widget
                if hasattr(widget, "model") and field.column_name in dataset.headers:
                    ids = {value for value in dataset[field.column_name] if value not in ("", None)}
                    cache = widget.model.objects.in_bulk(ids)
                    widget.clean = _cached_clean(widget, cache)

    with open(path, encoding="utf-8") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="csv")
    resource = TunedMemberResource() if tuned else MemberResource()
    result = resource.import_data(dataset, dry_run=False, raise_errors=False)
    first_error = ""
    if result.has_errors():
        # In bulk mode an error belongs to the batch (base_errors), not to a row.
        errors = [e for _row, row_errors in result.row_errors() for e in row_errors] or \
            result.base_errors
        first_error = str(errors[0].error)[:300]
    elif result.has_validation_errors():
        first_error = str(result.invalid_rows[0].error_dict)[:300]
    return {"rows": len(dataset), "totals": dict(result.totals), "first_error": first_error}


def _cached_clean(widget, cache):
    """A ForeignKeyWidget's clean that takes the row from ``cache`` (id → instance)."""
    clean = widget.clean

    def cached(value, row=None, **kwargs):
        if value in ("", None):
            return None
        found = cache.get(int(value))
        if found is None:
            return clean(value, row, **kwargs)
        return found.pk if widget.key_is_id else found
    return cached


def peak_mb():
    """This process's peak resident memory since exec (VmHWM). Not ru_maxrss: Linux
    carries the parent's high-water mark across fork and exec into the child's
    ru_maxrss, so a child of a big parent would report the parent's size."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


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
        out = import_export_resource(args[0], tuned=len(args) > 1 and args[1] == "tuned")
    else:
        raise SystemExit(f"unknown action {action}")
    out["seconds"] = time.perf_counter() - started
    out["peak_mb"] = peak_mb()
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
