"""Admin of the member register: members with their membership history, transfers,
enrolment drives and the membership changes. Membership changes go through
``members.services`` (enrol on add, the transfer and leave actions, accepting
transfers); the change form edits personal data only."""

from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy as _, ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from members import application_admin, services, union_admin  # noqa: F401  (register admins)
from members.admin_actions import BatchActionsMixin
from members.forms import MemberForm
from members.personal_admin import PersonalDataAdminMixin
from members.spreadsheets.admin import SpreadsheetAdminMixin
from members.models import (
    BatchChange, Category, EnrolmentDrive, ExportJob, ExportLog, Member, MembershipEvent,
    PersonalDataRead, Transfer,
)
from organizations.personal import masked_value, sees_in_full
from organizations.access import can, is_unrestricted, scope_filter
from organizations.admin import count_of, division_filters, flag_filter
from organizations.admin_scoping import (
    PermissionBeforeLookupMixin, ReadOnlyInline, ReadOnlyMixin, ScopedAdminMixin,
)

MemberCounty, MemberTown = division_filters("union__division")


CategoryFilter = flag_filter(_("category"), "category", Category)


class MaskedHistoryContextHelper(HistoricalRecordContextHelper):
    """The history page's list of changes (old → new) shows personal fields masked, to
    every role: it is a list of versions; one version's page shows them in full to the
    roles that may see them, and that read is logged."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return masked_value(self.model.PERSONAL_FIELDS, change.field, value)


def as_text(model, field):
    """A foreign key shown as plain text on a read-only page. Django links a read-only
    foreign key to the related object's admin page whether or not the reader may open
    it: an author's account page answers 403 to union staff, and a transfer's other
    union or a member who left for another county answers 404."""

    @admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)
    def show(self, obj):
        related = getattr(obj, field)
        if related is None:
            return "-"
        return related.get_username() if hasattr(related, "get_username") else str(related)

    return show


class MembershipEventInline(ReadOnlyInline):
    model = MembershipEvent
    fields = ("date", "kind", "union_text", "counterpart_text", "reason", "note",
              "recorded_by_text", "recorded_at")
    readonly_fields = fields
    union_text = as_text(MembershipEvent, "union")
    counterpart_text = as_text(MembershipEvent, "counterpart")
    recorded_by_text = as_text(MembershipEvent, "recorded_by")
    verbose_name_plural = _("membership history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("union", "counterpart", "recorded_by")


@admin.register(Member)
class MemberAdmin(PersonalDataAdminMixin, BatchActionsMixin, SpreadsheetAdminMixin,
                  ScopedAdminMixin, SimpleHistoryAdmin):
    spreadsheet_kind = "members"  # import / export buttons (members.spreadsheets)
    form = MemberForm
    # A list masks personal data for every role (organizations.personal).
    list_display = ("name", "masked_id_number", "gender", "union", "joined_on", "status",
                    "category_list", "masked_mobile")
    list_filter = (MemberCounty, MemberTown, CategoryFilter, "status")
    # The search box goes through Member.objects.search (exact ID, mobile or card
    # number, or name prefix; name prefix only for roles that see masks); these fields
    # only make Django show the box.
    search_fields = ("name",)
    search_help_text = _("ID number, mobile, member card number, or the start of a name")
    list_select_related = ("union",)
    # Counting a large register twice per page is the slowest part of the list.
    list_per_page = 50
    autocomplete_fields = ("union", "employer", "drive")
    readonly_fields = ("status", "left_on", "leave_reason")
    inlines = (MembershipEventInline,)

    class Media:
        # The list fits 1366×768 (tests/test_life_browser.py measures it).
        css = {"all": ("css/admin_lists.css",)}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and not self.has_change_permission(request, obj):
            return form  # read-only: a plain form (PersonalDataAdminMixin)
        user = request.user

        class MemberFormForUser(form):
            def __init__(self, *args, **kw):
                kw.setdefault("user", user)
                super().__init__(*args, **kw)

        return MemberFormForUser

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            # The union changes through a transfer, never by editing the row. A mistyped
            # join date may be corrected: save_correction moves the join event with it.
            fields = (*fields, "union")
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if change and obj is not None:
            # A member's own admin page: full personal data to the roles that see it.
            PersonalDataRead.record(request.user, obj, PersonalDataRead.Page.ADMIN_CHANGE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_history_view(self, request, template, context, **kwargs):
        version = context.get("original")
        if version is not None:
            # One past version of the member, full personal data for the roles that see
            # it. The member itself may be gone (superusers see deleted members' history).
            member = Member.objects.filter(pk=version.pk).first()
            PersonalDataRead.record(request.user, member, PersonalDataRead.Page.ADMIN_VERSION)
        return super().render_history_view(request, template, context, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryContextHelper(self.model, historical_record)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term, request.user), False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not sees_in_full(request.user):
            changelist.search_help_text = _("The start of a name")
        return changelist

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if change:
            services.save_correction(obj, user=request.user)
        else:
            services.enrol(obj, user=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A member's changes and transfers go with the member; their own admins forbid
        # deleting them one by one, which must not block deleting the member.
        perms_needed -= {str(MembershipEvent._meta.verbose_name),
                         str(Transfer._meta.verbose_name)}
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("categories"))
    def category_list(self, obj):
        return "、".join(str(category.label) for category in obj.categories)


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The register of membership changes, read-only: changes are made on the member."""

    list_display = ("date", "member_name", "kind", "union", "counterpart", "reason",
                    "recorded_by")
    list_filter = ("kind",)
    date_hierarchy = "date"
    list_select_related = ("member", "union", "counterpart", "recorded_by")
    ordering = ("-date", "-id")
    fields = ("member_name", "kind", "date", "union_text", "counterpart_text", "reason",
              "note", "recorded_by_text", "recorded_at")
    readonly_fields = fields
    union_text = as_text(MembershipEvent, "union")
    counterpart_text = as_text(MembershipEvent, "counterpart")
    recorded_by_text = as_text(MembershipEvent, "recorded_by")


    @admin.display(description=_("member"), ordering="member__name")
    def member_name(self, obj):
        return obj.member.name


@admin.register(Transfer)
class TransferAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Transfers are requested from the member list and decided here by the receiving
    side; the records themselves are not edited."""

    list_display = ("member_name", "from_union", "to_union", "date", "state",
                    "requested_by", "decided_by")
    list_filter = ("state",)
    search_fields = ("member__name",)
    list_select_related = ("member", "from_union", "to_union", "requested_by", "decided_by")
    actions = ("accept", "reject")
    fields = ("member_name", "from_union_text", "to_union_text", "date", "reason", "state",
              "requested_by_text", "requested_at", "decided_by_text", "decided_at")
    readonly_fields = fields
    from_union_text = as_text(Transfer, "from_union")
    to_union_text = as_text(Transfer, "to_union")
    requested_by_text = as_text(Transfer, "requested_by")
    decided_by_text = as_text(Transfer, "decided_by")


    def has_delete_permission(self, request, obj=None):
        # A transfer is part of the member's history.
        return is_unrestricted(request.user)

    def has_decide_permission(self, request):
        return can(request.user, "change")

    @admin.display(description=_("member"), ordering="member__name")
    def member_name(self, obj):
        return obj.member.name

    def _decide(self, request, queryset, decide, done_message):
        done = 0
        for transfer in queryset.select_related("member", "from_union", "to_union"):
            if not services.may_decide(request.user, transfer):
                self.message_user(request, gettext(
                    "%(transfer)s: only the union that did not ask for this transfer can "
                    "decide it."
                ) % {"transfer": transfer}, messages.ERROR)
                continue
            try:
                decide(transfer, user=request.user)
            except services.MembershipError as error:
                self.message_user(request, f"{transfer}: {error}", messages.ERROR)
                continue
            done += 1
        if done:
            message = done_message(done) % {"count": done}
            self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Accept the selected transfers"), permissions=["decide"])
    def accept(self, request, queryset):
        self._decide(request, queryset, services.accept_transfer, lambda n: ngettext(
            "%(count)d transfer accepted.", "%(count)d transfers accepted.", n))

    @admin.action(description=_("Reject the selected transfers"), permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.reject_transfer, lambda n: ngettext(
            "%(count)d transfer rejected.", "%(count)d transfers rejected.", n))


@admin.register(EnrolmentDrive)
class EnrolmentDriveAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "organizer", "starts_on", "ends_on", "kind", "target_group",
                    "target_count", "enrolled", "progress")
    list_filter = ("kind", "target_group")
    search_fields = ("name",)
    list_select_related = ("organizer",)
    autocomplete_fields = ("organizer", "default_union")
    date_hierarchy = "starts_on"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(enrolled_total=count_of(Member, "drive"))

    @admin.display(description=_("enrolled"), ordering="enrolled_total")
    def enrolled(self, obj):
        return obj.enrolled_total

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if not obj.target_count:
            return "-"
        return f"{100 * obj.enrolled_total / obj.target_count:.0f}%"


class AuditLogAdmin(ReadOnlyMixin, PermissionBeforeLookupMixin, admin.ModelAdmin):
    """A log read by those who manage users: union administrators see the entries of
    their subtree (the union reached through ``scope_path``), superusers all of them."""

    scope_path = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not can(request.user, "manage_users"):
            return queryset.none()
        return queryset.filter(scope_filter(request.user, self.scope_path))

    def has_module_permission(self, request):
        return can(request.user, "manage_users")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "manage_users")

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


@admin.register(ExportLog)
class ExportLogAdmin(AuditLogAdmin):
    """Who took personal data out of the register: the exports of the users an
    administrator manages."""

    scope_path = "user__grant__organization__path"
    list_display = ("at", "user", "kind", "file_format", "rows", "masked")
    list_filter = ("kind", "masked")
    list_select_related = ("user",)
    date_hierarchy = "at"


@admin.register(PersonalDataRead)
class PersonalDataReadAdmin(AuditLogAdmin):
    """Who was shown which member's full personal data, and where: the reads of the
    subtree's members (by the member's union today)."""

    scope_path = "member__union__path"
    list_display = ("at", "user", "member", "page")
    list_filter = ("page",)
    list_select_related = ("user", "member")
    date_hierarchy = "at"


@admin.register(BatchChange)
class BatchChangeAdmin(AuditLogAdmin):
    """Who recorded which change for how many members at once (the audit of batch
    changes): the batches recorded in the subtree. The members themselves are on each
    one's history."""

    scope_path = "scope__path"
    list_display = ("recorded_at", "recorded_by", "change", "date", "reason", "count", "scope")
    list_filter = ("change",)
    list_select_related = ("recorded_by", "scope")
    date_hierarchy = "recorded_at"
    exclude = ("members",)  # up to 5,000 names: the count says how many


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Background exports, for the superusers who run the worker: read-only, and
    Django's permissions (which union staff never get) keep everyone else out."""

    list_display = ("created_at", "user", "kind", "state", "done_rows", "total_rows")
    list_filter = ("state",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
