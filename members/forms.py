"""The member form: the admin's change page and the drive entry page both use it, and
the import runs the same model rules (``Member.clean``) row by row."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services
from members.models import Category, EnrolmentDrive, Member
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

    class Meta(MemberForm.Meta):
        fields = [
            "id_number", "id_type", "name", "mobile", "gender", "birth_date", "ethnicity",
            "household_type", *CATEGORY_FIELDS, "employer", "joined_on", "card_number", "notes",
        ]
        widgets = {
            **MemberForm.Meta.widgets,
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
        member_union = instance.union if instance.union_id else union
        self.fields["employer"].queryset = (
            Employer.objects.visible_to(user).filter(union=member_union).order_by("name")
        )
        self.fields["id_number"].widget.attrs.update(
            autofocus=True, autocomplete="off", inputmode="text", spellcheck="false",
        )
        # Choosing another document is rare: keep it out of the Tab sequence.
        self.fields["id_type"].widget.attrs["tabindex"] = "-1"
        self.fields["mobile"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    @property
    def category_fields(self):
        return [self[name] for name in CATEGORY_FIELDS]


def default_join_date(drive):
    """Today while the drive runs; its first day when the forms are typed in afterwards."""
    today = timezone.localdate()
    if drive.starts_on <= today and (drive.ends_on is None or drive.ends_on >= today):
        return today
    return drive.starts_on if drive.starts_on <= today else today
