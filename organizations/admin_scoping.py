"""Scoped access in the Django admin: the same rules as the pages, through the same
``visible_to`` querysets and ``organizations.access.can``.

Users act for one union (their ``Grant``) and have no Django model permissions; every
admin of scoped data mixes in ``ScopedAdminMixin`` so that

- lists, object pages, autocomplete and actions start from ``Model.objects.visible_to``;
- an object outside the scope answers 404 (Django's admin would redirect to the index
  with "doesn't exist", which differs from the pages' 404 and tells nothing useful);
- viewers get Django's read-only change page, and a POST there is a 403;
- every foreign-key choice (union, employer, member, drive) is limited to the scope, so
  a record cannot be saved into a union outside it: the form rejects the choice.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from organizations.access import can, grant_of, is_unrestricted
from organizations.models import Role

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


def is_scoped_model(model):
    """A model whose rows belong to a union's subtree: it has ``visible_to``."""
    return hasattr(model._default_manager, "visible_to")


def may_delete(user):
    """Deleting loses the record (the history keeps a trace): administrators only."""
    if is_unrestricted(user):
        return True
    grant = grant_of(user)
    return grant is not None and grant.role == Role.ADMIN


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


class ScopedAdminMixin(ScopedPermissionsMixin):
    """Mix into every ModelAdmin of scoped data (before ``admin.ModelAdmin``)."""

    # Registers run to a million rows: no full count of the table on every page.
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

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


class ReadOnlyInline(ReadOnlyMixin, ScopedPermissionsMixin, admin.TabularInline):
    """A history shown beside a record: visible to whoever sees the record."""

    extra = 0
    can_delete = False
