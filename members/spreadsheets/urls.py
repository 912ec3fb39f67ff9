"""/sheets/: import, templates, exports, background export jobs, statistics workbook.
One URL per roster kind (the kind is passed as a fixed argument, not a URL keyword);
the upload token travels in the form or the query string."""

from django.urls import path

from members.spreadsheets import views
from members.spreadsheets.columns import KINDS

app_name = "spreadsheets"

urlpatterns = [
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/status/", views.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("stats/", views.stats, name="stats"),
]
for _kind in KINDS:
    urlpatterns += [
        path(f"import/{_kind}/", views.import_page, {"kind": _kind}, name=f"import_{_kind}"),
        path(f"import/{_kind}/confirm/", views.import_confirm, {"kind": _kind},
             name=f"import_confirm_{_kind}"),
        path(f"import/{_kind}/errors/", views.import_errors, {"kind": _kind},
             name=f"import_errors_{_kind}"),
        path(f"template/{_kind}/", views.template, {"kind": _kind}, name=f"template_{_kind}"),
        path(f"export/{_kind}/", views.export, {"kind": _kind}, name=f"export_{_kind}"),
    ]
