"""Member pages outside the admin: the register list and a member's record, the list
of enrolment drives and the drive entry page where clerks type in person after person.

Every view is guarded by ``access_required`` and every queryset starts from
``visible_to(user)``; the entry page validates through ``DriveEntryForm`` (so
``Member.clean``) and enrols through ``members.services``, like the admin and the import.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from members import qr, services
from members.change_forms import MemberChangeForm, OrdinaryForm
from members.services import self_enrolment
from members.filters import CURRENT, MEMBER_FILTERS, visible_union
from members.forms import DriveEntryForm, drive_union, existing_membership_message, may_rejoin
from members.identity import DocumentType, parse_document
from members.models import (
    Application, Category, EnrolmentDrive, EntryReceipt, Member, MembershipEvent,
    PersonalDataRead, Transfer,
)
from organizations.access import access_required, can, organization_in_scope
from organizations.models import Organization
from organizations.params import Param, Params, choice, integer
from organizations.personal import sees_in_full

PAGE_SIZE = 50
RECENT_ENTRIES = 20


# --- The register ------------------------------------------------------------------------


LIST_PARAMS = MEMBER_FILTERS + Params(Param("after", integer, max_length=12))


@access_required("view", params=LIST_PARAMS)
def member_list(request):
    """The register, newest first, 50 at a time. Pages continue from the last id shown
    (``?after=``) rather than an OFFSET, and nothing counts the whole table, so the page
    costs the same on the millionth member as on the first."""
    user = request.user
    filters = dict(request.params)
    after = filters.pop("after", None)
    members = MEMBER_FILTERS.filter(
        Member.objects.visible_to(user).select_related("union", "employer"), filters, user
    )
    union = visible_union(filters["union"], user) if "union" in filters else None
    if after is not None:
        members = members.filter(id__lt=after)

    page = list(members.order_by("-id")[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]

    # The union filter offers the federations (a short list); any union can still be
    # reached by its code, e.g. from a member's record.
    federations = Organization.objects.visible_to(user).exclude(
        kind__in=Organization.BASE_KINDS
    ).only("code", "name", "path")
    return render(request, "members/member_list.html", {
        "members": page,
        "has_more": has_more,
        "next_after": page[-1].pk if page else None,
        # As they go back into links and hidden fields: dates in ISO form.
        "filters": {name: getattr(value, "isoformat", lambda v=value: v)()
                    for name, value in filters.items()},
        "union": union,
        "federations": federations,
        "statuses": [(CURRENT, _("Members now (active or retained)"))] + Member.Status.choices,
        "drive": (
            EnrolmentDrive.objects.visible_to(user).filter(pk=filters["drive"]).first()
            if "drive" in filters else None
        ),
        "categories": Category.choices,
        "is_first_page": after is None,
        # Viewers search by name only (MemberQuerySet.search): say so in the box.
        "search_by_numbers": sees_in_full(user),
        # The export and batch forms carry the list's current filters (declared names).
        "filter_items": [(name, value) for name, value in request.GET.items() if name != "after"],
        "query": urlencode([(name, value) for name, value in request.GET.items()
                            if name != "after"]),
        "can_change": can(user, "change"),
        "can_export": can(user, "export"),
    })


@access_required("view", model=Member)
def member_detail(request, member):
    return member_page(request, member)


def member_page(request, member, *, change_form=None, ordinary_form=None, status=200):
    """A member's record, history and — for roles that may change it — the forms of the
    changes the member can take now (``members.life_views`` posts them)."""
    events = (
        MembershipEvent.objects.filter(member=member)
        .select_related("union", "counterpart", "recorded_by")
        .order_by("date", "id")
    )
    transfers = (
        Transfer.objects.filter(member=member)
        .select_related("from_union", "to_union", "requested_by", "decided_by")
        .order_by("-requested_at")
    )
    # The member's own page: full personal data for the roles that may see it (and a
    # read logged), masks for the others (organizations.personal).
    PersonalDataRead.record(request.user, member, PersonalDataRead.Page.MEMBER_PAGE)
    can_change = can(request.user, "change")
    changes = services.PAGE_CHANGES(member) if can_change else []
    if can_change and change_form is None and changes:
        change_form = MemberChangeForm(changes=changes, user=request.user)
    probationary = member.member_type == Member.MemberType.PROBATIONARY and member.is_member
    if can_change and ordinary_form is None and probationary:
        ordinary_form = OrdinaryForm()
    return render(request, "members/member_detail.html", {
        "member": member,
        "shown": member.shown_to(request.user),
        "events": events,
        "transfers": transfers,
        "can_change": can_change,
        "change_form": change_form if changes else None,
        "ordinary_form": ordinary_form if probationary else None,
    }, status=status)


# --- Enrolment drives --------------------------------------------------------------------


@access_required("view")
def drive_list(request):
    drives = (
        EnrolmentDrive.objects.visible_to(request.user)
        .select_related("organizer", "default_union")
        .with_enrolled()
        .order_by("-starts_on", "name")
    )
    return render(request, "members/drive_list.html", {
        "drives": drives,
        "can_change": can(request.user, "change"),
        "can_export": can(request.user, "export"),
    })


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _recent_entries(drive, user):
    return list(
        Member.objects.visible_to(user)
        .filter(drive=drive)
        .select_related("employer")
        .order_by("-id")[:RECENT_ENTRIES]
    )


def _form_errors(form):
    return {
        "errors": {field: [str(m) for m in errors] for field, errors in form.errors.items()},
    }


def _receipt(key):
    """The member already saved under the entry page's idempotency key, or None."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return None
    receipt = EntryReceipt.objects.filter(key=key).select_related("member").first()
    return receipt.member if receipt is not None else None


def _save_new(form, user):
    """Enrol the person and remember the page's key for them, in one transaction. A
    concurrent save of the same person (another clerk's table, a double click) loses at
    the database's unique constraint: when it was this very entry sent twice (same key),
    that is its answer; otherwise re-run validation so the clerk sees where the person is
    registered rather than an error page."""
    member = form.save(commit=False)
    key = form.cleaned_data.get("entry_key")
    application = form.cleaned_data.get("application")
    try:
        with transaction.atomic():
            if application is not None:  # a QR submission, confirmed by this clerk
                member = self_enrolment.confirm(application, member, user=user)
            else:
                member = services.enrol(member, user=user)
            if key is not None:
                EntryReceipt.objects.create(key=key, member=member)
            return member
    except services.MembershipError as error:
        form.add_error(None, str(error))
        return None
    except IntegrityError:
        saved = _receipt(key) if key is not None else None
        if saved is not None:
            return saved
        form.instance.pk = None
        form.full_clean()
        if not form.errors:
            form.add_error(None, _("Somebody saved the same data at the same moment; "
                                   "check the list below and try again."))
        return None


def _saved(request, drive, member):
    """The answer to a save: JSON for the page's script (the new row for the running
    list), otherwise back to the empty form."""
    message = _("Saved: %(name)s") % {"name": member.name}
    if _wants_json(request):
        return JsonResponse({
            "ok": True,
            "message": message,
            "row": render_to_string(
                "members/_entry_row.html", {"member": member, "drive": drive}, request=request,
            ),
            "enrolled": drive.members.count(),
        })
    messages.success(request, message)
    return redirect("drive_entry", pk=drive.pk)


ENTRY_PARAMS = Params(Param("application", integer, max_length=12))


@access_required("change", model=EnrolmentDrive, params=ENTRY_PARAMS)
def drive_entry(request, drive):
    user = request.user
    union = drive_union(drive)
    if union is not None and not organization_in_scope(user, union):
        union = None
    if union is None:
        return render(request, "members/drive_entry.html", {"drive": drive, "union": None})

    if request.method == "POST":
        # Sent before (a queue sent again, an answer lost on the way): already saved.
        already = _receipt(request.POST.get("entry_key", ""))
        if already is not None and already.drive_id == drive.pk:
            return _saved(request, drive, already)
        form = DriveEntryForm(request.POST, drive=drive, union=union, user=user)
        member = _save_new(form, user) if form.is_valid() else None
        if member is not None:
            return _saved(request, drive, member)
        if _wants_json(request):
            return JsonResponse({"ok": False, **_form_errors(form)}, status=400)
    else:
        form = DriveEntryForm(initial=_from_application(request, drive), drive=drive,
                              union=union, user=user)

    return render(request, "members/drive_entry.html", {
        "drive": drive,
        "union": union,
        "form": form,
        "recent": _recent_entries(drive, user),
        "enrolled": drive.members.count(),
        "qr": qr.entry_panel(request, drive),
    })


def _from_application(request, drive):
    """``?application=``: the form filled from a QR submission waiting at this drive,
    for the clerk to check against the ID card and confirm with Enter."""
    if "application" not in request.params:
        return None
    application = get_object_or_404(
        Application.objects.visible_to(request.user).filter(
            drive=drive, source=Application.Source.QR, state=Application.State.PENDING),
        pk=request.params["application"],
    )
    return qr.application_initial(application)


@access_required("change", model=EnrolmentDrive)
def drive_entry_edit(request, drive, member_pk):
    """Correct one of the people entered at this drive: same form, plain save (the join
    is already recorded; this only fixes what was typed)."""
    user = request.user
    member = get_object_or_404(
        Member.objects.visible_to(user).filter(drive=drive).select_related("union"), pk=member_pk
    )
    union = member.union
    if request.method == "POST":
        form = DriveEntryForm(request.POST, instance=member, drive=drive, union=union, user=user)
        if form.is_valid():
            try:
                services.save_correction(form.save(commit=False), user=user)
            except IntegrityError:
                form.full_clean()
                if not form.errors:
                    form.add_error(None, _("Somebody saved the same data at the same moment; "
                                           "check and try again."))
            else:
                messages.success(request, _("Corrected: %(name)s") % {"name": member.name})
                return redirect("drive_entry", pk=drive.pk)
    else:
        form = DriveEntryForm(instance=member, drive=drive, union=union, user=user)
    # The form holds the member's full numbers: a read of one member's personal data.
    PersonalDataRead.record(user, member, PersonalDataRead.Page.DRIVE_ENTRY)
    return render(request, "members/drive_entry_edit.html", {
        "drive": drive,
        "union": union,
        "member": member,
        "form": form,
    })


CHECK_PARAMS = Params(
    Param("id_type", choice(*(value for value, _label in DocumentType.CHOICES))),
    Param("id_number", max_length=30),
    Param("exclude", integer, max_length=12),
)


@access_required("change", params=CHECK_PARAMS)
@require_GET
def member_check_id(request):
    """The entry page's live check, as the clerk types: is the number valid, what birth
    date and gender does it carry, and is the person already registered (said only as
    far as the clerk's area allows)."""
    id_type = request.params.get("id_type", DocumentType.RESIDENT_ID)
    try:
        document = parse_document(id_type, request.params.get("id_number", ""))
    except ValidationError as error:
        return JsonResponse({"ok": False, "error": " ".join(error.messages)})
    existing = services.registration(id_type, document.number,
                                     exclude=request.params.get("exclude"))
    answer = {
        "ok": True,
        "number": document.number,
        "birth_date": document.birth_date.isoformat() if document.birth_date else "",
        "gender": document.gender or "",
        "duplicate": existing_membership_message(existing, request.user) if existing else "",
    }
    if existing is not None and may_rejoin(existing, request.user):
        # A person who left and may join again: the page offers 重新入会 instead.
        answer.update(rejoin_url=reverse("member_rejoin", args=[existing.pk]),
                      rejoin_label=_("Join again"))
    return JsonResponse(answer)

