"""Applications to join (入会申请 → 审核 → 入会): the list of a union's applications,
entering one (at the desk or from a paper form), reviewing it (approve: the person is
enrolled with the reviewer recorded; reject), and the printable 入会申请书."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members import services
from members.change_forms import ApplicationForm
from members.models import Application, Member
from organizations.access import access_required, can
from organizations.params import Param, Params, choice
from organizations.personal import masked_value, sees_in_full

PAGE_SIZE = 100


@access_required("view", params=Params(Param("state", choice(*Application.State.values))))
def application_list(request):
    """The applications of the user's area, those awaiting review first by default."""
    state = request.params.get("state", Application.State.PENDING)
    applications = (Application.objects.visible_to(request.user).filter(state=state)
                    .select_related("union", "reviewed_by").order_by("-id")[:PAGE_SIZE])
    return render(request, "members/application_list.html", {
        "applications": applications, "state": state, "states": Application.State.choices,
        "can_change": can(request.user, "change"),
    })


@access_required("change")
def application_new(request):
    form = ApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.apply(form.save(commit=False), user=request.user)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Application filed: %(name)s") % {"name": application.name})
            return redirect("application_detail", pk=application.pk)
    return render(request, "members/application_form.html", {"form": form},
                  status=400 if form.errors else 200)


@access_required("view", model=Application)
def application_detail(request, application):
    can_change = can(request.user, "change")
    return render(request, "members/application_detail.html", {
        "application": application,
        "can_change": can_change,  # the printed form carries the full document number
        "can_review": can_change and application.state == Application.State.PENDING,
        # An applicant's number as a member's: in full to the roles that see it.
        "id_number": application.id_number if sees_in_full(request.user)
        else masked_value(Member.PERSONAL_FIELDS, "id_number", application.id_number),
    })


@access_required("change", model=Application)
def application_review(request, application):
    """审核: approve (enrol the person) or reject, with an optional note."""
    if request.method != "POST":  # the review form posts; a GET shows the application
        return redirect("application_detail", pk=application.pk)
    decision = request.POST.get("decision")
    note = request.POST.get("note", "")[:200]
    try:
        if decision == "approve":
            application = services.approve_application(application, request.user, note=note)
            messages.success(request, _("Approved: %(name)s is a member now.")
                             % {"name": application.name})
        elif decision == "reject":
            services.reject_application(application, request.user, note=note)
            messages.success(request, _("Application rejected."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except services.MembershipError as error:
        messages.error(request, str(error))
    return redirect("application_detail", pk=application.pk)


@access_required("change", model=Application)
def application_print(request, application):
    """The 入会申请书 to print and sign: one A4 page (print stylesheet, local fonts)."""
    return render(request, "members/application_print.html", {"application": application})
