"""Admin of the union tree, the employers, the divisions and the users who act for a
union. Scoping comes from ``organizations.admin_scoping``: nothing here filters by
hand beyond what ``visible_to`` already does."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from organizations.access import can, is_unrestricted, scope_filter, scope_root
from organizations.admin_scoping import (
    PermissionBeforeLookupMixin, ReadOnlyMixin, ScopedAdminMixin, ScopedInlineMixin,
    ScopedPermissionsMixin,
)
from organizations.models import (
    STEP, CampaignTarget, DemonstrationSite, Division, Employer, Grant, Organization,
    SiteActivity, SiteService,
)


def count_of(model, field, **conditions):
    """How many ``model`` rows point at each row through ``field``: a correlated
    subquery per list row, so several counts never multiply each other's joins."""
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")}, **conditions)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def divisions_in_scope(user, divisions):
    """The divisions a user's lists can hold rows of: those inside or above the division
    of the union they act for (a county clerk is offered their county and its towns)."""
    root = scope_root(user)
    if root is None:
        return list(divisions)
    prefix = root.division.prefix
    return [d for d in divisions if d.code.startswith(prefix) or prefix.startswith(d.code)]


def division_filters(field):
    """County and town list filters over the division reached through ``field``
    (e.g. ``"division"`` or ``"union__division"``). Division codes nest (a town's
    code starts with its county's), so the county filter is one prefix match."""

    class CountyFilter(admin.SimpleListFilter):
        title = _("county / district")
        parameter_name = "county"

        def lookups(self, request, model_admin):
            counties = Division.objects.filter(level=Division.Level.COUNTY)
            return [(d.code, d.name) for d in divisions_in_scope(request.user, counties)]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{field}__code__startswith": self.value()})
            return queryset

    class TownFilter(admin.SimpleListFilter):
        title = _("town / subdistrict")
        parameter_name = "town"

        def lookups(self, request, model_admin):
            towns = Division.objects.filter(level=Division.Level.TOWN)
            county = request.GET.get("county")
            if county:
                towns = towns.filter(code__startswith=county)
            return [(d.code, d.name) for d in divisions_in_scope(request.user, towns)]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{field}__code": self.value()})
            return queryset

    return CountyFilter, TownFilter


@admin.register(Division)
class DivisionAdmin(ReadOnlyMixin, ScopedPermissionsMixin, admin.ModelAdmin):
    """The official division list is loaded by a migration and never edited here."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("^code", "name")
    list_select_related = ("parent",)



OrgCounty, OrgTown = division_filters("division")


class BaseUnionFilter(admin.SimpleListFilter):
    """Base unions (基层工会) of either kind: what the dashboard's 基层工会数 counts."""

    title = _("base unions")
    parameter_name = "base"

    def lookups(self, request, model_admin):
        return [("yes", _("Base unions only"))]

    def queryset(self, request, queryset):
        return queryset.base_unions() if self.value() == "yes" else queryset


class SubtreeFilter(admin.SimpleListFilter):
    """``?org=CODE``: the union and everything under it, as the dashboard links it. No
    choices are listed (a code comes from a link); outside the user's scope the list is
    empty, as for a code that does not exist."""

    title = _("union")
    parameter_name = "org"

    def lookups(self, request, model_admin):
        return ()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        root = Organization.objects.filter(code=self.value()).first()
        return queryset.in_subtree(root) if root else queryset.none()


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """The union tree. ``members.admin`` extends it with member counts and the
    spreadsheet buttons: the hierarchy knows nothing of members or files."""

    list_display = (
        "indented_name", "code", "kind", "division", "child_count", "employer_count",
    )
    list_filter = (OrgCounty, OrgTown, "kind", BaseUnionFilter, SubtreeFilter)
    search_fields = ("name", "^code")
    list_select_related = ("division",)
    autocomplete_fields = ("parent", "division")
    readonly_fields = ("ancestry",)
    fieldsets = (
        (None, {"fields": ("ancestry", "name", "code", "kind", "parent", "division")}),
        (_("Register details"), {
            "fields": ("credit_code", "founded_on", "chair", "phone", "is_non_public",
                       "reported_members"),
        }),
    )
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            child_total=count_of(Organization, "parent"),
            employer_total=count_of(Employer, "union"),
        )

    @admin.display(description=_("union name"), ordering="path")
    def indented_name(self, obj):
        depth = len(obj.path) // STEP
        return ("\u3000" * (depth - 2) + "└ " if depth > 1 else "") + obj.name

    @admin.display(description=_("subunions"), ordering="child_total")
    def child_count(self, obj):
        return obj.child_total

    @admin.display(description=_("covered employers"), ordering="employer_total")
    def employer_count(self, obj):
        return obj.employer_total

    @admin.display(description=_("position in the hierarchy"))
    def ancestry(self, obj):
        if obj is None or not obj.pk:
            return "-"
        return " › ".join(str(union) for union in [*obj.ancestors(), obj])


EmployerCounty, EmployerTown = division_filters("division")


class CoveredFilter(admin.SimpleListFilter):
    title = _("has a union")
    parameter_name = "covered"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No union yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(union__isnull=False)
        if self.value() == "no":
            return queryset.filter(union__isnull=True)
        return queryset


class HeadcountFilter(admin.SimpleListFilter):
    """The campaign's thresholds: every employer with 100+, then 25+ employees."""

    title = _("employees")
    parameter_name = "headcount"
    BANDS = {"lt25": (0, 24), "25to99": (25, 99), "100plus": (100, None)}

    def lookups(self, request, model_admin):
        return [("lt25", _("Under 25")), ("25to99", _("25 to 99")), ("100plus", _("100 or more"))]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        low, high = band
        queryset = queryset.filter(employees__gte=low)
        return queryset.filter(employees__lte=high) if high is not None else queryset


@admin.register(Employer)
class EmployerAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "name", "credit_code", "division", "employees", "women_employees",
        "migrant_employees", "covering_union",
    )
    list_filter = (EmployerCounty, EmployerTown, CoveredFilter, HeadcountFilter)
    search_fields = ("name", "^credit_code")
    list_select_related = ("division", "union")
    autocomplete_fields = ("union", "division")
    list_per_page = 100

    @admin.display(description=_("covering base union"), ordering="union__name")
    def covering_union(self, obj):
        return obj.union.name if obj.union_id else _("No union yet")


SiteCounty, SiteTown = division_filters("division")


def flag_filter(title, parameter, choices):
    """A list filter over a set of boolean columns, one per choice (``choice.field``):
    member categories, the services of a site."""

    class FlagFilter(admin.SimpleListFilter):
        parameter_name = parameter

        def lookups(self, request, model_admin):
            return choices.choices

        def queryset(self, request, queryset):
            if self.value() in choices.values:
                return queryset.filter(**{choices(self.value()).field: True})
            return queryset

    FlagFilter.title = title
    return FlagFilter


SiteServiceFilter = flag_filter(_("service"), "service", SiteService)


class SiteActivityInline(ScopedInlineMixin, admin.TabularInline):
    model = SiteActivity
    extra = 0
    fields = ("date", "service", "title", "participants", "notes")


@admin.register(DemonstrationSite)
class DemonstrationSiteAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "level", "union", "division", "status", "opened_on",
                    "enterprise_count", "worker_count", "activity_space_m2")
    list_filter = ("level", "status", SiteCounty, SiteServiceFilter)
    search_fields = ("name",)
    list_select_related = ("union", "division")
    autocomplete_fields = ("union", "division", "employers")
    inlines = (SiteActivityInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).with_coverage()

    @admin.display(description=_("enterprises"), ordering="enterprises")
    def enterprise_count(self, obj):
        return obj.enterprises

    @admin.display(description=_("workers"), ordering="workers")
    def worker_count(self, obj):
        return obj.workers


@admin.register(SiteActivity)
class SiteActivityAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("date", "site", "service", "title", "participants")
    list_filter = ("service",)
    search_fields = ("title", "site__name")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)
    date_hierarchy = "date"


@admin.register(CampaignTarget)
class CampaignTargetAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("description", "organization", "min_employees", "set_on", "due_on")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    search_fields = ("description",)


class GrantInline(ScopedInlineMixin, admin.StackedInline):
    model = Grant
    can_delete = False
    # A city has thousands of unions: search as you type rather than a drop-down of all.
    autocomplete_fields = ("organization",)
    max_num = 1

    def get_min_num(self, request, obj=None, **kwargs):
        # A user created by a union administrator must act for a union in their
        # subtree; without a grant the new user would vanish from their list.
        return 0 if is_unrestricted(request.user) else 1

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("validate_min", not is_unrestricted(request.user))
        return super().get_formset(request, obj, **kwargs)

    def has_view_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def has_add_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def has_delete_permission(self, request, obj=None):
        return is_unrestricted(request.user)


GRANT_HISTORY_ROWS = 50  # a grant changes a few times in its life; more is not a page's job


class ScopedUserAdmin(PermissionBeforeLookupMixin, UserAdmin):
    """Union administrators manage the users of their subtree: they create users (who
    get staff status, so they can use the admin), grant roles on unions in their
    subtree and disable accounts. Superuser status and Django permissions stay with
    the superusers."""

    inlines = (GrantInline,)
    list_display = ("username", "first_name", "last_name", "grant_union", "grant_role",
                    "is_active")
    list_filter = ("is_active", "grant__role")
    list_select_related = ("grant__organization",)
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    # Who gave this user which role on which union, and when: shown on the user's page
    # to whoever may manage that user (the page itself is scoped).
    grant_history_fieldset = (_("History of the access grant"), {"fields": ("grant_history",)})

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # a user outside the administrator's subtree: as if absent

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not can(request.user, "manage_users"):
            return queryset.none()
        return queryset.filter(scope_filter(request.user, "grant__organization__path"))

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        if not is_unrestricted(request.user):
            return (*self.limited_fieldsets, self.grant_history_fieldset)
        return (*super().get_fieldsets(request, obj), self.grant_history_fieldset)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return super().get_readonly_fields(request, obj)
        if not is_unrestricted(request.user):
            return ("last_login", "date_joined", "grant_history")
        return (*super().get_readonly_fields(request, obj), "grant_history")

    @admin.display(description=_("changes"))
    def grant_history(self, obj):
        """The grant's history (django-simple-history records the author of every change,
        those made in the GrantInline above included), newest first."""
        records = (
            Grant.history.filter(user_id=obj.pk)
            .select_related("organization", "history_user")
            .order_by("-history_date", "-history_id")[:GRANT_HISTORY_ROWS]
        )
        rows = format_html_join("", "<tr>" + "<td>{}</td>" * 5 + "</tr>", (
            (
                date_format(localtime(record.history_date), "Y-m-d H:i"),
                record.get_history_type_display(),
                record.organization.name if record.organization else "-",
                record.get_role_display(),
                record.history_user.get_username() if record.history_user else "-",
            )
            for record in records
        ))
        if not rows:
            return _("No change recorded.")
        return format_html(
            '<table class="grant-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("date and time"), _("change"), _("union"), _("role"), _("changed by"), rows,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # the admin is where union staff work
        if not is_unrestricted(request.user):
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return can(request.user, "manage_users")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def has_add_permission(self, request):
        return can(request.user, "manage_users")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def has_delete_permission(self, request, obj=None):
        # Accounts are disabled, not deleted: the audit trail names them.
        return is_unrestricted(request.user)

    @admin.display(description=_("union"), ordering="grant__organization__path")
    def grant_union(self, obj):
        grant = getattr(obj, "grant", None)
        return grant.organization.name if grant else "-"

    @admin.display(description=_("role"), ordering="grant__role")
    def grant_role(self, obj):
        grant = getattr(obj, "grant", None)
        return grant.get_role_display() if grant else "-"


admin.site.site_header = _("Union member register administration")
admin.site.site_title = _("Union member register")
admin.site.index_title = _("Administration")

admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
