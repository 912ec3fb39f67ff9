"""The pages that change a member's membership: one change on the member's page
(会籍变化), 预备 → 正式, joining again (重新入会, from the drive entry page's check), and
one change for many members from the register list (batch). Every write goes through
``members.services``; every page is guarded by ``access_required``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from members import services
from members.change_forms import BatchForm, MemberChangeForm, OrdinaryForm, RejoinForm
from members.filters import MEMBER_FILTERS
from members.forms import default_join_date, drive_union
from members.models import EnrolmentDrive, Member
from members.views import member_page
from organizations.access import access_required
from organizations.params import BadParameter, Param, Params, integer


def _post_only(request, member):
    """These forms post; a GET (a bookmark, a link followed) goes to the member's page."""
    return redirect("member_detail", pk=member.pk) if request.method != "POST" else None


@access_required("change", model=Member)
def member_change(request, member):
    """Record one 会籍变化 from the member page's form."""
    refused = _post_only(request, member)
    if refused:
        return refused
    form = MemberChangeForm(request.POST, changes=services.PAGE_CHANGES(member),
                            user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.record_change(
                member, data["change"], data["day"], user=request.user, reason=data["reason"],
                note=data["note"], union=data["to_union"], employer=data.get("employer"))
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            pending = getattr(result, "state", None) == "pending"
            messages.success(request, _("Transfer requested: the receiving union must accept it.")
                             if pending else _("Change recorded."))
            return redirect("member_detail", pk=member.pk)
    return member_page(request, member, change_form=form, status=400)


@access_required("change", model=Member)
def member_make_ordinary(request, member):
    """预备会员 → 正式会员 on the date given."""
    refused = _post_only(request, member)
    if refused:
        return refused
    form = OrdinaryForm(request.POST)
    if form.is_valid():
        try:
            services.make_ordinary(member, form.cleaned_data["day"], user=request.user)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is an ordinary member now.") % {"name": member.name})
            return redirect("member_detail", pk=member.pk)
    return member_page(request, member, ordinary_form=form, status=400)


REJOIN_PARAMS = Params(Param("drive", integer, max_length=12))


@access_required("change", model=Member, params=REJOIN_PARAMS)
def member_rejoin(request, member):
    """重新入会: a person who left joins again — offered by the drive entry page's check
    (``?drive=``: into the drive's union, back to its entry page) and reachable from the
    member page. A new 入会 for the same member, not a second record."""
    drive = None
    if "drive" in request.params:
        drive = EnrolmentDrive.objects.visible_to(request.user).filter(
            pk=request.params["drive"]).first()
    union = (drive_union(drive) if drive else None) or member.union
    form = RejoinForm(request.POST or None, initial={
        "union": union.code, "day": default_join_date(drive) if drive else timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.rejoin(member, form.cleaned_data["day"], user=request.user,
                            union=form.cleaned_data["union"], drive=drive)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s joined again.") % {"name": member.name})
            if drive is not None:
                return redirect("drive_entry", pk=drive.pk)
            return redirect("member_detail", pk=member.pk)
    return render(request, "members/member_rejoin.html", {
        "member": member, "drive": drive, "form": form,
    }, status=400 if form.errors else 200)


# --- Batch changes ---------------------------------------------------------------------------

STEPS = ("choose", "preview", "apply")


def _selection(request):
    """The members a batch is about, from the list page's POST: the rows ticked
    (``member``) or the whole current filter (``all``), with the filters as hidden
    fields under their declared names (``MEMBER_FILTERS``)."""
    raw = {name: request.POST[name] for name in MEMBER_FILTERS.names() if name in request.POST}
    filters = MEMBER_FILTERS.read(raw)
    members = Member.objects.visible_to(request.user)
    if request.POST.get("all") == "1":
        return MEMBER_FILTERS.filter(members, filters, request.user), raw, []
    ids = [value for value in request.POST.getlist("member") if value.isdigit()][:5000]
    return members.filter(pk__in=ids), raw, ids


@access_required("change")
def member_batch(request):
    """One change for many members: choose the change, preview (how many, and who
    cannot take it and why), apply in one transaction — all of them or none."""
    if request.method != "POST":
        return redirect("member_list")
    try:
        members, filters, ids = _selection(request)
    except BadParameter as error:  # a malformed filter: the list page never sends one
        messages.error(request, error.message)
        return redirect("member_list")
    step = request.POST.get("step", "choose")
    form = BatchForm(request.POST if step in ("preview", "apply") else None)
    context = {"form": form, "filters": filters, "ids": ids,
               "all": request.POST.get("all") == "1", "count": members.count()}
    if step in ("preview", "apply") and form.is_valid():
        data = form.cleaned_data
        args = (members, data["change"], data["day"])
        kwargs = {"user": request.user, "reason": data["reason"], "note": data["note"],
                  "union": data["to_union"]}
        if step == "apply":
            try:
                record = services.batch_change(*args, **kwargs)
            except services.BatchRefused as refused:
                context.update(problems=refused.problems, refused=True)
            else:
                messages.success(request, ngettext(
                    "Change recorded for %(count)d member.",
                    "Change recorded for %(count)d members.", record.count,
                ) % {"count": record.count})
                return redirect(reverse("member_list"))
        else:
            count, problems = services.batch_preview(*args, **kwargs)
            context.update(previewed=True, count=count, problems=problems)
    return render(request, "members/member_batch.html", context,
                  status=400 if context.get("refused") else 200)
