"""Pages of the spreadsheet import and export. The admin links here from its change
lists (see ``members.spreadsheets.admin``), so the admin and the app share these views
and the one import path (``importing.run_import``)."""

import uuid
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from members.models import ExportJob, ImportJob
from members.spreadsheets import columns as cols, uploads
from members.spreadsheets.exporting import Export, csv_stream, export_params, write_xlsx_file
from members.spreadsheets.importing import ImportResult, run_import
from members.spreadsheets.reading import too_big_message
from members.spreadsheets.stats import stats_workbook
from members.spreadsheets.tasks import export_folder, run_export_job, run_import_job
from members.spreadsheets.writing import error_workbook, template_workbook
from organizations import params as read
from organizations.access import access_required, default_organization, get_visible_or_404
from organizations.models import Organization
from organizations.params import Param, Params

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {
    cols.MEMBERS: gettext_lazy("members"),
    cols.EMPLOYERS: gettext_lazy("employers"),
    cols.UNIONS: gettext_lazy("unions"),
}
ADMIN_CHANGELISTS = {
    cols.MEMBERS: "admin:members_member_changelist",
    cols.EMPLOYERS: "admin:organizations_employer_changelist",
    cols.UNIONS: "admin:organizations_organization_changelist",
}
FILE_NAMES = {cols.MEMBERS: "members", cols.EMPLOYERS: "employers", cols.UNIONS: "unions"}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx, .xls, .ods or .csv)"))
    # A code field checked through visible_to, not a drop-down: a city has thousands.
    union = forms.CharField(
        label=gettext_lazy("Union code for rows that name no union"), required=False,
        max_length=30, help_text=gettext_lazy(
            "For files without a union column, such as the provincial member form. Empty: "
            "the union of the file's 填表单位 row, else your own union."),
    )

    def __init__(self, *args, user=None, kind=cols.MEMBERS, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if kind != cols.MEMBERS:
            del self.fields["union"]

    def clean_union(self):
        return picked_union(self.cleaned_data.get("union", ""), self.user)


def picked_union(code, user):
    """The union of ``code`` among those ``user`` sees that take members, None for an
    empty code; ``ValidationError`` otherwise."""
    code = (code or "").strip()
    if not code:
        return None
    union = Organization.objects.visible_to(user).taking_members().filter(code=code).first()
    if union is None:
        raise forms.ValidationError(_("No union with this code in your area takes members."))
    return union


# The import pages remember whether they were opened from the admin (to go back there).
FROM = Params(Param("from", read.choice("admin")))
UNION = Params(Param("union", read.code, max_length=30))


def _kind(kind):
    if kind not in cols.KINDS:
        raise Http404
    return kind


def _context(request, kind, **extra):
    from_admin = request.params.get("from") == "admin" or request.POST.get("from") == "admin"
    return {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "from_admin": from_admin,
        "base_template": "spreadsheets/admin_base.html" if from_admin else "base.html",
        "changelist_url": _changelist_url(kind),
        "urls": kind_urls(kind),
        **extra,
    }


def kind_urls(kind):
    return {
        "import": reverse(f"spreadsheets:import_{kind}"),
        "confirm": reverse(f"spreadsheets:import_confirm_{kind}"),
        "errors": reverse(f"spreadsheets:import_errors_{kind}"),
        "template": reverse(f"spreadsheets:template_{kind}"),
        "export": reverse(f"spreadsheets:export_{kind}"),
    }


def _changelist_url(kind):
    try:
        return reverse(ADMIN_CHANGELISTS[kind])
    except NoReverseMatch:
        return ""


@access_required("import", params=FROM)
def import_page(request, kind):
    """Upload → preview (a dry run: counts and every error) → confirm. Files over
    ``IMPORT_INLINE_MAX_BYTES`` are checked by the background worker (``ImportJob``)."""
    _kind(kind)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, kind=kind)
    context = _context(request, kind, form=form)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        union = form.cleaned_data.get("union")
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            context.update(result=ImportResult(kind=kind, file_error=too_big_message()),
                           token="", filename=upload.name)  # never read
            return render(request, "spreadsheets/import.html", context)
        data = upload.read()
        if len(data) > settings.IMPORT_INLINE_MAX_BYTES:
            token = uploads.store(data, kind, request.user, upload.name)
            return _start_import_job(request, kind, token, upload.name, union, commit=False)
        result = run_import(kind, data, request.user, union=union)
        token = uploads.store(data, kind, request.user, upload.name) if not result.file_error else ""
        context.update(result=result, token=token, filename=upload.name,
                       union_code=union.code if union else "")
    return render(request, "spreadsheets/import.html", context)


def _start_import_job(request, kind, token, filename, union, *, commit):
    job = ImportJob.objects.create(user=request.user, kind=kind, token=token,
                                   file_name=filename, commit=commit,
                                   union_code=union.code if union else "")
    run_import_job.enqueue(job.pk)
    return redirect("spreadsheets:import_job", pk=job.pk)


@access_required("import", params=FROM)
@require_POST
def import_confirm(request, kind):
    _kind(kind)
    token = request.POST.get("token", "")
    stored = uploads.load(token, request.user, kind)
    if stored is None:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect(_import_url(kind, request))
    data, filename = stored
    try:
        union = picked_union(request.POST.get("union", ""), request.user)
    except forms.ValidationError:
        raise Http404 from None
    if len(data) > settings.IMPORT_INLINE_MAX_BYTES:
        return _start_import_job(request, kind, token, filename, union, commit=True)
    result = run_import(kind, data, request.user, commit=True, union=union)
    if not result.committed:
        # Something changed since the preview: show the new errors, keep the file.
        context = _context(request, kind, form=UploadForm(user=request.user, kind=kind),
                           result=result, token=token, filename=filename,
                           union_code=union.code if union else "")
        return render(request, "spreadsheets/import.html", context)
    uploads.discard(token)
    messages.success(request, _("Imported %(file)s: %(summary)s")
                     % {"file": filename, "summary": result.summary()})
    context = _context(request, kind)
    if context["from_admin"] and context["changelist_url"]:
        return redirect(context["changelist_url"])
    return redirect(_import_url(kind, request))


@access_required("import", model=ImportJob, lookup="pk")
def import_job(request, job):
    """A background import: progress, then the preview's or the write's result (counts,
    errors, the error workbook) and, after a clean preview, the confirmation."""
    return render(request, "spreadsheets/import_job.html", {
        "job": job, "result": job.result, "urls": kind_urls(job.kind),
        "can_confirm": (job.state == ImportJob.State.DONE and not job.commit
                        and not job.result.get("error_rows") and not job.result.get("file_error")
                        and (job.result.get("new") or job.result.get("updated"))),
    })


@access_required("import", model=ImportJob, lookup="pk")
def import_job_status(request, job):
    return JsonResponse({
        "state": job.state, "state_label": job.get_state_display(),
        "done": job.done_rows, "total": job.total_rows,
        "finished": job.state in (ImportJob.State.DONE, ImportJob.State.FAILED),
    })


def _import_url(kind, request):
    url = reverse(f"spreadsheets:import_{kind}")
    return url + "?from=admin" if request.POST.get("from") == "admin" else url


@access_required("import", params=FROM + UNION + Params(Param("token", read.code, max_length=40)))
def import_errors(request, kind):
    """The uploaded file (``?token=``) with 是否导入成功 and 错误原因 added, to fix and
    upload again. An unknown or expired token leads back to the upload page."""
    _kind(kind)
    stored = uploads.load(request.params.get("token", ""), request.user, kind)
    if stored is None:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect(_import_url(kind, request))
    data, filename = stored
    try:
        union = picked_union(request.params.get("union", ""), request.user)
    except forms.ValidationError:
        raise Http404 from None
    result = run_import(kind, data, request.user, union=union)
    if result.file_error:
        return redirect(_import_url(kind, request))
    stem = filename.rsplit(".", 1)[0]
    response = HttpResponse(error_workbook(data, result, request.user), content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{stem}-errors.xlsx")
    return response


@access_required("view")
def template(request, kind):
    _kind(kind)
    response = HttpResponse(template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{FILE_NAMES[kind]}-template.xlsx")
    return response


def _attachment(name):
    from urllib.parse import quote

    return f"attachment; filename=\"{name.encode('ascii', 'replace').decode()}\"; filename*=UTF-8''{quote(name)}"


@access_required("export", params=export_params)
def export(request, kind):
    """A filtered list as .xlsx or .csv (``?format=csv``). Small lists download at once;
    bigger ones (``EXPORT_INLINE_MAX_ROWS``) run in the background worker. The filters
    are the list's declared ones (``exporting.export_params``), checked by
    ``access_required`` before this runs; they are kept as text for the job and the log."""
    _kind(kind)
    file_format = request.params.get("format", "xlsx")
    params = {key: value for key, value in request.GET.items()
              if key not in ("format", "from", "o") and value.strip()}
    spec = Export(kind, request.user, layout=request.params.get("layout", ""))
    queryset = spec.queryset(params)
    total = queryset.count()
    stamp = date.today().strftime("%Y%m%d")
    if total > settings.EXPORT_INLINE_MAX_ROWS:
        job = ExportJob.objects.create(user=request.user, kind=kind, file_format=file_format,
                                       filters=params, total_rows=total)
        run_export_job.enqueue(job.pk)
        return redirect("spreadsheets:export_job", pk=job.pk)
    if file_format == "csv":
        response = StreamingHttpResponse(csv_stream(spec, queryset, params),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _attachment(f"{FILE_NAMES[kind]}-{stamp}.csv")
        return response
    path = export_folder() / f"inline-{uuid.uuid4().hex}.xlsx"
    write_xlsx_file(spec, queryset, params, path)
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=f"{FILE_NAMES[kind]}-{stamp}.xlsx",
                        content_type=XLSX)


@access_required("export", model=ExportJob, lookup="pk")
def export_job(request, job):
    return render(request, "spreadsheets/export_job.html", {"job": job})


@access_required("export", model=ExportJob, lookup="pk")
def export_job_status(request, job):
    return JsonResponse({
        "state": job.state, "state_label": job.get_state_display(),
        "done": job.done_rows, "total": job.total_rows,
        "download": reverse("spreadsheets:export_job_download", kwargs={"pk": job.pk})
        if job.state == ExportJob.State.DONE else "",
    })


@access_required("export", model=ExportJob, lookup="pk")
def export_job_download(request, job):
    if job.state != ExportJob.State.DONE or not job.file_name:
        return redirect("spreadsheets:export_job", pk=job.pk)  # not ready yet
    path = export_folder() / job.file_name
    if not path.exists():
        raise Http404
    stamp = job.created_at.strftime("%Y%m%d")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"{FILE_NAMES.get(job.kind, 'export')}-{stamp}.{job.file_format}")


def _date_input():
    """<input type=date> takes only ISO dates: a localised 2026/11/29 is discarded by
    the browser and the form cannot be sent without typing."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatsForm(forms.Form):
    org = forms.CharField(label=gettext_lazy("Union code"))
    as_of = forms.DateField(label=gettext_lazy("As of"), widget=_date_input())
    since = forms.DateField(label=gettext_lazy("New since (exclusive)"), required=False,
                            widget=_date_input())


def _stats_defaults(user):
    """The user's own union, today, and the year so far: what an official usually sends."""
    today = timezone.localdate()
    root = default_organization(user)
    return {
        "org": root.code if root else "",
        "as_of": today,
        "since": date(today.year - 1, 12, 31),
    }


@access_required("view", params=Params("org", "as_of", "since"))
def stats(request):
    """The statistics workbook for a union (``?org=CODE&as_of=YYYY-MM-DD&since=…``)."""
    form = StatsForm(request.GET or None, initial=_stats_defaults(request.user))
    if not form.is_valid():
        return render(request, "spreadsheets/stats.html", {"form": form})
    root = get_visible_or_404(Organization.objects, request.user, "view",
                              code=form.cleaned_data["org"])
    data, _reports = stats_workbook(root, form.cleaned_data["as_of"], form.cleaned_data["since"])
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = _attachment(
        f"stats-{root.code}-{form.cleaned_data['as_of']:%Y%m%d}.xlsx"
    )
    return response
