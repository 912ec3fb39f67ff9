"""The member admin's batch actions (转出, 保留, 除名, 退会): one change for the members
ticked, through ``members.services.batch_change`` — all of them in one transaction or
none, the clerk shown which members cannot take it and why."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from members import services
from members.change_forms import REASON_CHOICES
from members.services import ChangeKind
from organizations.models import Organization


def _day(label):
    return forms.DateField(label=label, initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}))


class ActionForm(forms.Form):
    day = _day(_("Date"))
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=REASON_CHOICES)


class TransferActionForm(ActionForm):
    # Any base union or industry federation, by its code: a union outside the clerk's
    # area is exactly the case where the receiving side has to accept the request.
    to_union = forms.ModelChoiceField(
        label=_("Receiving union (code)"),
        queryset=Organization.objects.taking_members(),
        to_field_name="code",
        widget=forms.TextInput,
        help_text=_("A union outside your area receives a request that it must accept."),
        error_messages={"invalid_choice": _("No base union or industry federation has this code.")},
    )


class BatchActionsMixin:
    """Actions of ``MemberAdmin``: each previews the selection (its count and members),
    then applies one change to all of them or, refused, writes nothing."""

    actions = ("transfer_members", "retain_members", "strike_off_members", "mark_left")

    def _action_page(self, request, queryset, form, action, title, problems=()):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "queryset": queryset,
            "count": queryset.count(),
            "problems": problems,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/members/member/action_form.html", context)

    def _batch(self, request, queryset, change, action, title, form_class=ActionForm):
        form = form_class(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._action_page(request, queryset, form, action, title)
        data = form.cleaned_data
        try:
            record = services.batch_change(
                queryset, change, data["day"], user=request.user, reason=data["reason"],
                union=data.get("to_union"))
        except services.BatchRefused as refused:
            self.message_user(request, gettext(
                "Nothing was written: some members cannot take the change."), messages.ERROR)
            return self._action_page(request, queryset, form, action, title, refused.problems)
        self.message_user(request, ngettext(
            "Change recorded for %(count)d member.", "Change recorded for %(count)d members.",
            record.count) % {"count": record.count}, messages.SUCCESS)
        return None

    @admin.action(description=_("Transfer to another union"), permissions=["change"])
    def transfer_members(self, request, queryset):
        return self._batch(request, queryset, ChangeKind.TRANSFER, "transfer_members",
                           gettext("Transfer members to another union"), TransferActionForm)

    @admin.action(description=_("Retain membership (保留)"), permissions=["change"])
    def retain_members(self, request, queryset):
        return self._batch(request, queryset, ChangeKind.RETAIN, "retain_members",
                           gettext("Record that members keep their membership (保留)"))

    @admin.action(description=_("Strike off (除名)"), permissions=["change"])
    def strike_off_members(self, request, queryset):
        return self._batch(request, queryset, ChangeKind.STRIKE_OFF, "strike_off_members",
                           gettext("Record that members are struck off (除名)"))

    @admin.action(description=_("Mark as left"), permissions=["change"])
    def mark_left(self, request, queryset):
        return self._batch(request, queryset, ChangeKind.LEAVE, "mark_left",
                           gettext("Record that members left"))
