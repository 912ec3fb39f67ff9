"""The forms of a member's life outside the entry page: one change on the member page,
one change for many (batch), 预备 → 正式, and the application to join. Unions are typed
by code with a picker that searches as you type (static/js/picker.js); the service
checks every change against the register (``members.services.changes``)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from members.models import Application, Member, MembershipEvent
from members.services import BATCH_KINDS, ChangeKind, reason_problem
from members.services.changes import WITH_UNION, reasons_for
from organizations.access import organization_in_scope
from organizations.models import Employer, Organization

PERSON_FIELDS = ("name", "id_type", "id_number", "gender", "birth_date", "mobile")

# Every official 会籍变化原因 once, in the table's order; the service checks the pairing.
REASON_CHOICES = [("", "---------")] + [
    (reason, reason) for reason in dict.fromkeys(
        reason for reasons in MembershipEvent.REASONS.values() for reason in reasons)
]


def _date_field(label):
    return forms.DateField(label=label, initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class UnionCodeField(forms.CharField):
    """A union that members belong to, typed (or picked) by its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={
            "data-picker": "/pick/unions/", "list": "union-options", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        union = Organization.objects.taking_members().filter(code=code).first()
        if union is None:
            raise forms.ValidationError(_("No base union or industry federation has this code."))
        return union


class ChangeForm(forms.Form):
    """One 会籍变化 for one member (or, as ``BatchForm``, for many)."""

    change = forms.ChoiceField(label=gettext_lazy("Type of change"), choices=ChangeKind.choices)
    day = _date_field(gettext_lazy("Date"))
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False,
                               choices=REASON_CHOICES)
    # Not "union": the register list's filter of that name travels with a batch.
    to_union = UnionCodeField(label=gettext_lazy("Union (code)"), required=False, help_text=gettext_lazy(
        "For 转出, 转入 and joining again: the receiving union."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, changes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if changes is not None:
            self.fields["change"].choices = [(c.value, c.label) for c in changes]

    def clean(self):
        cleaned = super().clean()
        change = cleaned.get("change")
        if change:
            reason = cleaned.get("reason", "")
            problem = reason_problem(change, reason)
            if problem is None and not reason and reasons_for(change):
                problem = _("Choose the reason.")
            if problem:
                self.add_error("reason", problem)
            if ChangeKind(change) in WITH_UNION and not cleaned.get("to_union"):
                if ChangeKind(change) != ChangeKind.REJOIN:
                    self.add_error("to_union", _("Choose the union."))
        return cleaned


class MemberChangeForm(ChangeForm):
    """The member page's change: a 转入 after 保留 may name the new employer."""

    employer = forms.CharField(label=gettext_lazy("Employer (name)"), required=False,
                               max_length=200, widget=forms.TextInput(attrs={
                                   "data-picker": "/pick/employers/", "list": "employer-options",
                                   "data-picker-union": "to_union", "autocomplete": "off"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_employer(self):
        name = self.cleaned_data["employer"].strip()
        if not name:
            return None
        found = list(Employer.objects.visible_to(self.user).filter(name=name)[:2])
        if len(found) != 1:
            raise forms.ValidationError(_("Pick one employer from the list."))
        return found[0]


class BatchForm(ChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, changes=BATCH_KINDS, **kwargs)


class OrdinaryForm(forms.Form):
    day = _date_field(gettext_lazy("Ordinary member since"))


class RejoinForm(forms.Form):
    day = _date_field(gettext_lazy("Join date"))
    union = UnionCodeField(label=gettext_lazy("Union (code)"))


class ApplicationForm(forms.ModelForm):
    """入会申请书: what the applicant fills in; the union applied to by code."""

    union = UnionCodeField(label=gettext_lazy("Base union (code)"))

    class Meta:
        model = Application
        fields = ["source", "name", "id_type", "id_number", "gender", "birth_date", "ethnicity",
                  "mobile", "household_type", "education", "political_status", "union",
                  "member_type", "is_migrant_worker", "applied_on"]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "applied_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        """The register's rules for the person (``Member.clean``: the document, the
        birth date and gender it carries, the age), before anyone reviews it."""
        cleaned = super().clean()
        union = cleaned.get("union")
        if union is not None and self.user is not None and not organization_in_scope(
                self.user, union):
            self.add_error("union", _("%(union)s is outside your area.") % {"union": union})
        if union is None or self.errors:
            return cleaned
        member = Member(union=union, joined_on=cleaned.get("applied_on") or timezone.localdate(),
                        **{name: cleaned.get(name) for name in PERSON_FIELDS})
        try:
            member.clean()
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return cleaned
        # As Member.clean normalised them (15 → 18 digits; birth date and gender from it).
        cleaned.update({name: getattr(member, name) for name in PERSON_FIELDS})
        return cleaned
