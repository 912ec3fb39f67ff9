"""Self-enrolment by QR code (扫码自助登记): a drive's public, phone-first page where a
worker enters their own details after a personal-information notice, its live ID
check, and the clerk's side — opening and closing the page, and what the drive's entry
page shows of it (the QR code with its address, the submissions waiting).

The public pages carry ``public_page`` instead of ``access_required``: no login, the
declared parameters only, and nothing of the register in their answers (the same
answer whether or not the person is registered). Submissions become members only when
a clerk confirms them on the entry page (``members.services.self_enrolment.confirm``).
"""

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from members.forms import drive_union, existing_membership_message, required_message
from members.identity import DocumentType, normalize_mobile, parse_document
from members.models import Application, EnrolmentDrive, Member, SelfEnrolment
from members.services import self_enrolment
from organizations.access import access_required, public_page
from organizations.params import Param, Params, choice
from organizations.personal import masked_value
from unionreg.client import client_ip

DOCUMENT_CHOICES = choice(*(value for value, _label in DocumentType.CHOICES))


class SelfEnrolmentForm(forms.ModelForm):
    """What a worker tells about themselves: the fields of an application, checked by
    the register's rules for the document and the mobile, and their consent."""

    consent = forms.BooleanField(
        label=gettext_lazy("I have read the notice on personal information above and agree "
                           "to my information being used to register me as a union member."),
    )

    class Meta:
        model = Application
        fields = ["id_number", "id_type", "name", "mobile", "gender", "birth_date",
                  "ethnicity", "household_type", "is_migrant_worker"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].error_messages["required"] = _(
            "Please read the notice and tick your consent; without it nothing is sent.")
        for name, field in self.fields.items():
            if field.required and name != "consent":
                field.error_messages["required"] = required_message(field)
                field.widget.attrs["data-required-message"] = required_message(field)
            field.widget.attrs["aria-describedby"] = f"errors-{name}"
        self.fields["id_number"].widget.attrs.update(
            autocomplete="off", spellcheck="false", autofocus=True)
        self.fields["mobile"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["consent"].widget.attrs["data-required-message"] = (
            self.fields["consent"].error_messages["required"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("id_number"):
            return cleaned  # empty: its own message says so, once
        try:
            document = parse_document(cleaned.get("id_type"), cleaned.get("id_number", ""))
        except ValidationError as error:
            self.add_error("id_number", error.messages)
            return cleaned
        self.instance.id_number = cleaned["id_number"] = document.number
        for name in ("birth_date", "gender"):
            value = getattr(document, name)
            if value and cleaned.get(name) not in (None, "", value):
                self.add_error(name, _("This does not match the ID number."))
            elif value:
                cleaned[name] = value
        if not cleaned.get("gender"):
            self.add_error("gender", required_message(self.fields["gender"]))
        born = cleaned.get("birth_date")
        today = timezone.localdate()
        if born and (today.year - born.year - ((today.month, today.day) < (born.month, born.day))
                     < Member.MINIMUM_AGE):
            self.add_error("birth_date", _("Members are at least %(age)d years old.")
                           % {"age": Member.MINIMUM_AGE})
        if cleaned.get("mobile"):
            try:
                cleaned["mobile"] = normalize_mobile(cleaned["mobile"])
            except ValidationError as error:
                self.add_error("mobile", error.messages)
        return cleaned

    def validate_unique(self):
        """Not here: whether the person has applied already is no business of the public
        page (it would tell anyone with a number); ``self_enrolment.submit`` knows."""


def _page_or_404(token):
    page = (SelfEnrolment.objects.select_related("drive__default_union", "drive__organizer")
            .filter(token=token).first())
    if page is None:
        raise Http404
    return page


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _refuse(request, page, message, status):
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    return render(request, "members/self_enrolment.html", {
        "page": page, "drive": page.drive, "refusal": message,
    }, status=status)


JOIN_PARAMS = Params(Param("sent", choice("1")))


@public_page(params=JOIN_PARAMS)
@never_cache  # a form with its own CSRF token: no proxy keeps it for the next worker
def join(request, token):
    """The worker's page. Open: the notice, the form, and after sending the same
    answer for everyone. Closed (the drive ended, a clerk closed it, idle 30 days):
    says so and takes nothing (410)."""
    page = _page_or_404(token)
    drive = page.drive
    union = drive_union(drive)
    closed = page.closed_because()
    if closed is not None or union is None:
        return _refuse(request, page, SelfEnrolment.Closed(closed or "clerk").label, 410)
    form = SelfEnrolmentForm()
    if request.method == "POST":
        form = SelfEnrolmentForm(request.POST)
        if form.is_valid():
            address = client_ip(request)
            refusal = self_enrolment.throttled(page, address)
            if refusal:
                return _refuse(request, page, refusal, 429)
            application = form.save(commit=False)
            application.union = union
            self_enrolment.submit(page, application, address)
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": received_message()})
            return redirect(reverse("self_enrolment", args=[token]) + "?sent=1")
        if _wants_json(request):
            errors = {name: [str(m) for m in found] for name, found in form.errors.items()}
            return JsonResponse({"ok": False, "errors": errors}, status=400)
    return render(request, "members/self_enrolment.html", {
        "page": page, "drive": drive, "union": union, "form": form,
        "sent": request.params.get("sent") and received_message(),
        "check_url": reverse("self_enrolment_check", args=[token]),
    })


def received_message():
    # One answer for everyone: registered, applied before, or new.
    return _("Received. Take your ID card to the clerks at the drive: they check it and "
             "complete your enrolment.")


CHECK_PARAMS = Params(Param("id_type", DOCUMENT_CHOICES), Param("id_number", max_length=30))


@public_page(params=CHECK_PARAMS)
@never_cache
@require_GET
def join_check(request, token):
    """The worker's live check: is the number well formed, and the birth date and gender
    it carries. It never looks the register up."""
    _page_or_404(token)
    try:
        document = parse_document(request.params.get("id_type", DocumentType.RESIDENT_ID),
                                  request.params.get("id_number", ""))
    except ValidationError as error:
        return JsonResponse({"ok": False, "error": " ".join(error.messages)})
    return JsonResponse({
        "ok": True,
        "birth_date": document.birth_date.isoformat() if document.birth_date else "",
        "gender": document.gender or "",
    })


# --- The clerk's side ------------------------------------------------------------------------


@access_required("change", model=EnrolmentDrive)
def drive_qr(request, drive):
    """Open (or open again) or close the drive's QR page (POST); a GET answers with the
    entry page the buttons are on."""
    if request.method != "POST":
        return redirect("drive_entry", pk=drive.pk)
    if request.POST.get("action") == "close":
        self_enrolment.close_page(drive)
        messages.success(request, _("The QR page is closed."))
    else:
        self_enrolment.open_page(drive)
        messages.success(request, _("The QR page is open."))
    return redirect("drive_entry", pk=drive.pk)


def entry_panel(request, drive):
    """What the drive's entry page shows of self-enrolment: the page's state, its QR
    code and address while open, and the submissions waiting for a clerk, each flagged
    when the register already holds the person (said as far as the clerk may see)."""
    page = SelfEnrolment.objects.filter(drive=drive).select_related("drive").first()
    closed = page.closed_because() if page is not None else None
    panel = {"page": page, "closed": closed and SelfEnrolment.Closed(closed).label}
    if page is not None and closed is None:
        url = request.build_absolute_uri(reverse("self_enrolment", args=[page.token]))
        panel["url"] = url
        panel["svg"] = segno.make(url, error="m").svg_inline(
            scale=4, title=_("QR code of the self-enrolment page"))
    waiting = self_enrolment.waiting_at(drive, request.user)
    for application in waiting:
        # A list: masked for every role, like the running list of people entered.
        application.masked_id = masked_value(Member.PERSONAL_FIELDS, "id_number",
                                             application.id_number)
        application.flag = (existing_membership_message(application.registered, request.user)
                            if application.registered else "")
    panel["waiting"] = waiting
    return panel


def application_initial(application):
    """The entry form filled from a worker's submission, for the clerk to check."""
    initial = {name: getattr(application, name) for name in (
        "id_type", "id_number", "name", "mobile", "gender", "birth_date", "ethnicity",
        "household_type")}
    if application.is_migrant_worker:
        initial["is_migrant_worker"] = True
    initial["application"] = application.pk
    return initial
