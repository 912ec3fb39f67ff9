"""The member form: the admin's change page and the drive entry page both use it, and
the import runs the same model rules (``Member.clean``) row by row."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services
from members.identity import DocumentType
from members.models import Application, Category, EnrolmentDrive, Member
from organizations.access import organization_in_scope
from organizations.policy import ReferenceCheckMixin
from organizations.models import Employer, Organization

CATEGORY_FIELDS = [category.field for category in Category]


def may_rejoin(existing, user):
    """Whether the clerk may record this registered person joining again (重新入会): they
    left (not died) and their record lies in the clerk's area."""
    return (not existing.is_member and existing.status != Member.Status.DECEASED
            and user is not None and organization_in_scope(user, existing.union))


def existing_membership_message(existing, user):
    """Say where a person is already registered — but only as much as the clerk may see."""
    if may_rejoin(existing, user):
        return _(
            "%(name)s was a member of %(union)s until %(left)s (%(status)s): record them "
            "joining again (重新入会) rather than entering them anew."
        ) % {
            "name": existing.name,
            "union": existing.union.name,
            "left": existing.left_on.isoformat() if existing.left_on else "",
            "status": existing.get_status_display(),
        }
    if user is not None and organization_in_scope(user, existing.union):
        return _(
            "This person is already registered: %(name)s, %(union)s, member since %(since)s "
            "(%(status)s)."
        ) % {
            "name": existing.name,
            "union": existing.union.name,
            "since": existing.joined_on.isoformat(),
            "status": existing.get_status_display(),
        }
    return _(
        "This person is already registered in a union outside your area; ask the "
        "federation above you to arrange a transfer."
    )


class MemberForm(ReferenceCheckMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name", "id_type", "id_number", "gender", "birth_date", "ethnicity", "mobile",
            "household_type", "education", "political_status", "employment_status",
            "skill_grade", "native_place", "household_place", "union", "employer", "drive",
            "joined_on", "card_number", "member_type", *CATEGORY_FIELDS, "notes",
        ]
        # ISO format: <input type="date"> accepts nothing else, and the zh-hans locale's
        # first input format (2016/09/05) would leave the field blank in the browser.
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = self.scope_user = user
        if "gender" in self.fields:
            self.fields["gender"].required = False  # filled from the ID number when empty
        for field in self.fields.values():
            if field.required:
                # The app's own message, naming the field, rather than Django's generic
                # one (or the browser's bubble, which forms with novalidate never show).
                field.error_messages["required"] = required_message(field)
        if user is not None:
            if "union" in self.fields:
                self.fields["union"].queryset = (
                    Organization.objects.visible_to(user).taking_members()
                )
            if "employer" in self.fields:
                self.fields["employer"].queryset = Employer.objects.visible_to(user)
            if "drive" in self.fields:
                self.fields["drive"].queryset = EnrolmentDrive.objects.visible_to(user)

    def clean(self):
        cleaned = super().clean()
        joined_on = cleaned.get("joined_on")
        if self.instance.pk and joined_on and "joined_on" in self.changed_data:
            problem = services.join_date_problem(self.instance, joined_on)
            if problem:
                self.add_error("joined_on", problem)
        return cleaned

    def _get_validation_exclusions(self):
        # The model's unique constraint on the document would report a bare "already
        # exists"; validate_unique below reports where the person is registered instead.
        return super()._get_validation_exclusions() | {"id_number"}

    def validate_unique(self):
        """Name the union the person already belongs to, instead of Django's bare
        'already exists' (the database constraint still guards concurrent saves)."""
        instance = self.instance
        if instance.id_number:
            existing = services.registration(instance.id_type, instance.id_number,
                                             exclude=instance.pk)
            if existing is not None:
                self.add_error("id_number", existing_membership_message(existing, self.user))
                return
        super().validate_unique()


def required_message(field):
    return _("Enter the %(field)s.") % {"field": field.label}


def drive_union(drive):
    """The union that people enrolled at ``drive`` join: the drive's preset union, or its
    organiser when that is itself a union members can belong to."""
    if drive.default_union_id:
        return drive.default_union
    organizer = drive.organizer
    if organizer.takes_members:
        return organizer
    return None


class DriveEntryForm(MemberForm):
    """The enrolment-drive entry page: only what a clerk asks at a folding table, in the
    order they ask it. Union and drive come from the drive; the rules are MemberForm's
    (and so ``Member.clean``'s)."""

    # The key the entry page gives each person it sends (a fresh one per person, kept
    # with the person while the browser waits for the network): a retry with a key
    # already saved answers "saved" instead of enrolling twice (EntryReceipt).
    entry_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # A worker's own submission from the drive's QR page that this entry confirms
    # (members.services.self_enrolment.confirm): the pending ones of this drive only.
    application = forms.ModelChoiceField(
        Application.objects.none(), required=False, widget=forms.HiddenInput)

    class Meta(MemberForm.Meta):
        fields = [
            "id_number", "id_type", "name", "mobile", "gender", "birth_date", "ethnicity",
            "household_type", *CATEGORY_FIELDS, "employer", "joined_on", "card_number", "notes",
        ]
        widgets = {
            **MemberForm.Meta.widgets,
            # Dates as one text box: a date input is three stops for Tab (four with its
            # calendar button, which shows no focus); typed as 1990-03-07 or 19900307.
            "birth_date": forms.TextInput(attrs={"inputmode": "numeric"}),
            "joined_on": forms.TextInput(attrs={"inputmode": "numeric"}),
            # One line, so Enter in the last field submits instead of starting a new line.
            "notes": forms.TextInput(),
        }

    def __init__(self, *args, drive, union, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.drive = drive
        instance = self.instance
        if instance.pk is None:
            instance.union = union
            instance.drive = drive
            if drive.target_group:
                self.fields[Category(drive.target_group).field].initial = True
            self.fields["joined_on"].initial = default_join_date(drive)
            self.fields["entry_key"].initial = uuid.uuid4()
            self.fields["application"].queryset = Application.objects.visible_to(user).filter(
                drive=drive, source=Application.Source.QR, state=Application.State.PENDING)
        else:
            del self.fields["entry_key"]  # a correction saves one known member
            del self.fields["application"]
        member_union = instance.union if instance.union_id else union
        self.fields["employer"].queryset = (
            Employer.objects.visible_to(user).filter(union=member_union).order_by("name")
        )
        self._set_widget_attributes()

    def _set_widget_attributes(self):
        fields = self.fields
        fields["id_number"].widget.attrs.update(
            autofocus=True, autocomplete="off", inputmode="text", spellcheck="false",
        )
        # Choosing another document is rare: keep it out of the Tab sequence.
        fields["id_type"].widget.attrs["tabindex"] = "-1"
        fields["mobile"].widget.attrs.update(inputmode="tel", autocomplete="off")
        fields["name"].widget.attrs["autocomplete"] = "off"
        for name in ("birth_date", "joined_on"):
            fields[name].input_formats = DATE_FORMATS
            fields[name].widget.format = "%Y-%m-%d"
            fields[name].widget.attrs["placeholder"] = _("YYYY-MM-DD")
        # A resident ID carries the birth date and gender (entry.js fills them): Tab
        # passes them by. Other documents do not, and then Tab stops there (entry.js
        # switches this when the document type changes).
        if self["id_type"].value() in (None, "", DocumentType.RESIDENT_ID):
            for name in ("birth_date", "gender"):
                fields[name].widget.attrs["tabindex"] = "-1"
        for name, field in fields.items():
            # Each error is tied to its field; the ID's live check is read with it.
            described = f"errors-{name}" + (" id-check" if name == "id_number" else "")
            field.widget.attrs["aria-describedby"] = described
            if field.required:
                # entry.js says the same before sending (the form has novalidate).
                field.widget.attrs["data-required-message"] = required_message(field)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    @property
    def category_fields(self):
        """The categories with the digit that ticks each one on the entry page."""
        return [(number, self[name]) for number, name in enumerate(CATEGORY_FIELDS, 1)]


# What clerks type for a date: the ISO form first (what the page shows back).
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]


def default_join_date(drive):
    """Today while the drive runs; its first day when the forms are typed in afterwards."""
    today = timezone.localdate()
    if drive.starts_on <= today and (drive.ends_on is None or drive.ends_on >= today):
        return today
    return drive.starts_on if drive.starts_on <= today else today
