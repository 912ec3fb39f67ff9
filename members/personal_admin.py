"""Admin pages of records that hold personal data (members, applications): their change,
read-only and version pages show ``model.PERSONAL_FIELDS`` masked to every user who may
not see them in full (``organizations.personal``), field by field, through the same
policy as every other surface."""

from django import forms
from django.contrib import admin

from members.models import Member
from organizations.personal import sees_in_full


def _masked_display(name):
    """An admin column showing the record's field ``name`` masked."""

    @admin.display(description=Member._meta.get_field(name).verbose_name)
    def display(self, obj):
        return obj.masked(name)

    return display


class PersonalDataAdminMixin:
    """Mix into the admin of a model with ``PERSONAL_FIELDS`` and ``masked(name)``."""

    masked_id_number = _masked_display("id_number")
    masked_mobile = _masked_display("mobile")
    masked_birth_date = _masked_display("birth_date")
    masked_native_place = _masked_display("native_place")
    masked_household_place = _masked_display("household_place")

    def masked_names(self, request, names):
        """``names`` with each personal field replaced by its masked column, for a user
        who may not see personal data in full."""
        if sees_in_full(request.user):
            return list(names)
        personal = self.model.PERSONAL_FIELDS
        return [f"masked_{name}" if name in personal else name for name in names]

    def personal_readonly_fields(self, request, obj):
        """On a read-only page every field as text, personal ones masked; on a change
        page the masked columns (their inputs are left out by ``get_fields``)."""
        if not self.has_change_permission(request, obj):
            names = [field.name for field in self.model._meta.fields
                     if field.editable and not field.primary_key]
            return tuple(self.masked_names(request, names))
        if sees_in_full(request.user):
            return ()
        return tuple(f"masked_{name}" for name in self.model.PERSONAL_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        return tuple(dict.fromkeys((*fields, *self.personal_readonly_fields(request, obj))))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        return list(dict.fromkeys(self.masked_names(request, fields)))

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not self.has_change_permission(request, obj):
            # The read-only page shows every field as text: no form fields at all.
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)
