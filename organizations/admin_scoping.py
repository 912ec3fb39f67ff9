"""Scoped access in the Django admin: the same rules as the pages, through the same
``visible_to`` querysets and ``organizations.access.can``.

Users act for one union (their ``Grant``) and have no Django model permissions; every
admin of scoped data mixes in ``ScopedAdminMixin`` so that

- lists, object pages, autocomplete and actions start from ``Model.objects.visible_to``;
- an object outside the scope answers 404 (Django's admin would redirect to the index
  with "doesn't exist", which differs from the pages' 404 and tells nothing useful);
- viewers get Django's read-only change page, and a POST there is a 403;
- every foreign-key choice (union, employer, member, drive, division) is limited to the
  scope, and every reference a form sets is checked by ``policy.reference_errors``, so a
  record cannot be saved into a union or an area outside it: the form rejects the choice;
- a change list filters only by what its ``list_filter`` declares (``DeclaredLookupsMixin``):
  no lookup from the URL reaches a field the list does not offer as a filter.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from organizations.models import Role
from organizations.policy import (
    ReferenceCheckMixin, can, grant_of, is_scoped_model, is_unrestricted,
)

class CappedCountPaginator(Paginator):
    """Counts at most ``CAP`` rows. Django's admin counts the filtered list on every page,
    and ``COUNT(*)`` over a million members costs a second; a clerk never pages through
    ten thousand rows anyway but narrows the list with a search or a filter. The list
    then offers the first ``CAP`` rows (200 pages of 50)."""

    CAP = 10_000

    @cached_property
    def count(self):
        # SELECT COUNT(*) FROM (SELECT … LIMIT CAP): stops reading at the cap. Without
        # the list's ordering, so the database need not sort a county's members first.
        return self.object_list.order_by()[: self.CAP].count()


def may_delete(user):
    """Deleting loses the record (the history keeps a trace): administrators only."""
    if is_unrestricted(user):
        return True
    grant = grant_of(user)
    return grant is not None and grant.role == Role.ADMIN


def with_reference_check(form_class, user):
    """``form_class`` refusing references outside the user's scope
    (``policy.ReferenceCheckMixin``); a page form that already checks keeps its own."""
    if issubclass(form_class, ReferenceCheckMixin):
        return form_class

    class ReferenceCheckedForm(ReferenceCheckMixin, form_class):
        scope_user = user

    ReferenceCheckedForm.__name__ = form_class.__name__
    return ReferenceCheckedForm


# Lookups Django's own field list filters put in the URL for a declared field path
# (``status`` → ``status__exact``; a relation → ``union__id__exact``; dates → ``__gte``/``__lt``).
FIELD_FILTER_SUFFIXES = ("", "__exact", "__isnull", "__id__exact", "__gte", "__lt", "__isempty")


def declared_lookups(model_admin, request):
    """The URL parameters a change list accepts as filters: those its ``list_filter``
    and ``date_hierarchy`` declare, nothing else."""
    names = set()
    for entry in model_admin.get_list_filter(request):
        if isinstance(entry, type) and issubclass(entry, admin.SimpleListFilter):
            names.add(entry.parameter_name)
            continue
        path = entry[0] if isinstance(entry, (tuple, list)) else entry
        names.update(path + suffix for suffix in FIELD_FILTER_SUFFIXES)
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return names


class DeclaredLookupsMixin:
    """Django's admin lets a URL filter a change list by any lookup on the model's own
    fields (``?id_number__startswith=4417``, ``?password__startswith=pbkdf2``): an
    oracle for whatever the list does not show. Only the declared filters are accepted;
    anything else answers 400 (``DisallowedModelAdminLookup``). The admin site applies
    this to every registered admin (``unionreg.admin_site``)."""

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in declared_lookups(self, request)


class ScopedPermissionsMixin:
    """The permission methods alone: for inlines and admins of unscoped reference data."""

    def has_module_permission(self, request):
        return can(request.user, "view")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "view")

    def has_add_permission(self, request, *args):
        return can(request.user, "change")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "change")

    def has_delete_permission(self, request, obj=None):
        return may_delete(request.user)


class ScopedChoicesMixin:
    """Every choice of a scoped record (union, employer, drive, division, …) offered
    from the user's scope only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if "queryset" not in kwargs and is_scoped_model(related):
            kwargs["queryset"] = related._default_manager.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if "queryset" not in kwargs and is_scoped_model(related):
            kwargs["queryset"] = related._default_manager.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdminMixin(ScopedChoicesMixin, ScopedPermissionsMixin):
    """Mix into every ModelAdmin of scoped data (before ``admin.ModelAdmin``)."""

    # Registers run to a million rows: no full count of the table on every page.
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_form(self, request, obj=None, **kwargs):
        return with_reference_check(super().get_form(request, obj, **kwargs), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Change, delete and history pages of an object outside the scope (or gone):
        # 404 like every page, not a redirect that reveals nothing but differs.
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        # Django checks the delete permission before looking the object up; outside the
        # scope the answer is 404 whatever the role, as on every other page.
        self._require_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    # django-simple-history: its history page falls back to the newest historical
    # record when the object is not in get_queryset (meant for deleted objects), which
    # would show out-of-scope history. Only superusers keep that fallback.
    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting to an old version would bypass the membership services and the
        # form's scope checks: the version page is for reading only.
        self._require_visible(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def _require_visible(self, request, object_id):
        from django.contrib.admin.utils import unquote

        if is_unrestricted(request.user):
            return
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):  # not a primary key at all
            visible = False
        if not visible:
            raise Http404


class PermissionBeforeLookupMixin:
    """For admins whose whole audience is a role (user management, the export log):
    Django's history page looks the object up before checking the permission, so a
    user without the role would get 404 there and 403 everywhere else."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class ReadOnlyMixin:
    """Records that are read here and never written: histories (changes go through
    ``members.services``), logs, the official division list. Mix in first."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInlineMixin(ScopedChoicesMixin, ScopedPermissionsMixin):
    """Mix into every inline that edits scoped references: choices limited to the scope
    and every reference checked, as on the admin's own forms."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_reference_check(formset.form, request.user)
        return formset



class ReadOnlyInline(ReadOnlyMixin, ScopedPermissionsMixin, admin.TabularInline):
    """A history shown beside a record: visible to whoever sees the record."""

    extra = 0
    can_delete = False
