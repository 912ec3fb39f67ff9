"""Background exports through Django's tasks API (django-tasks). The README's run
command starts the worker (``manage.py db_worker``) next to the web server; tests use
the immediate backend."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from members.models import ExportJob
from members.spreadsheets.exporting import Export, write_csv_file, write_xlsx_file


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
        export = Export(job.kind, user)
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
