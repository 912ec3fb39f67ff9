"""Background exports and imports through Django's tasks API (django-tasks). The README's run
command starts the worker (``manage.py db_worker``) next to the web server; tests use
the immediate backend."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from members import statistics
from members.models import ExportJob, ImportJob
from members.spreadsheets import uploads
from members.spreadsheets.exporting import Export, write_csv_file, write_xlsx_file
from members.spreadsheets.importing import run_import
from organizations.models import Organization

ERRORS_KEPT = 500  # row errors a job keeps for its page (the error workbook has all)


def export_folder():
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@task()
def run_export_job(job_id):
    job = ExportJob.objects.get(pk=job_id)
    ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.RUNNING)
    try:
        user = get_user_model().objects.get(pk=job.user_id)
        export = Export(job.kind, user, layout=job.filters.get("layout", ""))
        queryset = export.queryset(job.filters)
        name = f"{uuid.uuid4().hex}.{job.file_format}"
        path = export_folder() / name

        def progress(done):
            ExportJob.objects.filter(pk=job_id).update(done_rows=done)

        writer = write_xlsx_file if job.file_format == "xlsx" else write_csv_file
        count = writer(export, queryset, job.filters, path, progress)
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportJob.State.DONE, done_rows=count, total_rows=max(count, job.total_rows),
            file_name=name, finished_at=timezone.now(),
        )
    except Exception as error:
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportJob.State.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        raise


@task()
def run_import_job(job_id):
    """Check (preview) or write (confirmed) a stored upload, as the import page would,
    telling the job how many rows are checked; the result goes on the job."""
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.RUNNING)
    try:
        user = get_user_model().objects.get(pk=job.user_id)
        stored = uploads.load(job.token, user, job.kind)
        if stored is None:
            raise ValueError("the uploaded file has expired")
        union = (Organization.objects.visible_to(user).filter(code=job.union_code).first()
                 if job.union_code else None)

        def progress(done, total):
            ImportJob.objects.filter(pk=job_id).update(done_rows=done, total_rows=total)

        result = run_import(job.kind, stored[0], user, commit=job.commit, union=union,
                            progress=progress)
        if result.committed:
            # The tallies its events deleted, counted again before the job says done: the
            # first statistic after a big import reads them (issue 20).
            statistics.refill_tallies()
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.DONE, done_rows=result.rows, total_rows=result.rows,
            result=result_record(result), finished_at=timezone.now(),
        )
        if result.committed:
            uploads.discard(job.token)
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        raise


def result_record(result):
    """What the job page shows of an ``ImportResult``, as JSON."""
    return {
        "committed": result.committed, "file_error": result.file_error,
        "rows": result.rows, "new": result.new, "updated": result.updated,
        "unchanged": result.unchanged, "requests": result.requests,
        "error_rows": result.error_rows, "summary": result.summary(),
        "file_union": str(result.file_union) if result.file_union else "",
        "scope_rows": len(result.scope_rows),
        "errors": [str(error) for error in result.errors[:ERRORS_KEPT]],
        "more_errors": max(0, len(result.errors) - ERRORS_KEPT),
    }
