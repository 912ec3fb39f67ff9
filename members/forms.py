"""The member form: the admin's change page and the drive entry page both use it, and
the import runs the same model rules (``Member.clean``) row by row."""

from django import forms
from django.utils.translation import gettext as _

from members.models import Category, EnrolmentDrive, Member
from organizations.access import organization_in_scope
from organizations.models import Employer, Organization

CATEGORY_FIELDS = [category.field for category in Category]


def existing_membership_message(existing, user):
    """Say where a person is already registered — but only as much as the clerk may see."""
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


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name", "id_type", "id_number", "gender", "birth_date", "ethnicity", "mobile",
            "household_type", "education", "political_status", "employment_status",
            "skill_grade", "native_place", "household_place", "union", "employer", "drive",
            "joined_on", "card_number", "member_type", *CATEGORY_FIELDS, "notes",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "joined_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["gender"].required = False  # filled from the ID number when empty
        if user is not None:
            if "union" in self.fields:
                self.fields["union"].queryset = (
                    Organization.objects.visible_to(user)
                    .filter(kind__in=Organization.BASE_KINDS + (Organization.Kind.INDUSTRY,))
                )
            if "employer" in self.fields:
                self.fields["employer"].queryset = Employer.objects.visible_to(user)
            if "drive" in self.fields:
                self.fields["drive"].queryset = EnrolmentDrive.objects.visible_to(user)

    def _get_validation_exclusions(self):
        # The model's unique constraint on the document would report a bare "already
        # exists"; validate_unique below reports where the person is registered instead.
        return super()._get_validation_exclusions() | {"id_number"}

    def validate_unique(self):
        """Name the union the person already belongs to, instead of Django's bare
        'already exists' (the database constraint still guards concurrent saves)."""
        instance = self.instance
        if instance.id_number:
            existing = (
                Member.objects.select_related("union")
                .filter(id_type=instance.id_type, id_number=instance.id_number)
                .exclude(pk=instance.pk)
                .first()
            )
            if existing is not None:
                self.add_error("id_number", existing_membership_message(existing, self.user))
                return
        super().validate_unique()
