"""Admin of the applications to join: a union's clerks see their area's applications
and review them with the two actions, through ``members.services`` (the reviewer is
recorded; approval enrols the person). Batch change records are read in ``members.admin``."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _, ngettext
from simple_history.admin import SimpleHistoryAdmin

from members import services
from members.models import Application
from members.personal_admin import PersonalDataAdminMixin
from organizations.access import can
from organizations.admin_scoping import ScopedAdminMixin


@admin.register(Application)
class ApplicationAdmin(PersonalDataAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "union", "applied_on", "source", "member_type", "state",
                    "reviewed_by")
    list_filter = ("state", "source")
    search_fields = ("name",)
    list_select_related = ("union", "reviewed_by")
    autocomplete_fields = ("union", "employer")
    readonly_fields = ("state", "reviewed_by", "reviewed_at", "member")
    exclude = ("review_note",)
    actions = ("approve", "reject")

    def has_review_permission(self, request):
        return can(request.user, "change")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.apply(obj, user=request.user)

    def _review(self, request, queryset, decide, message):
        done = 0
        for application in queryset.filter(state=Application.State.PENDING):
            try:
                decide(application, request.user)
            except services.MembershipError as error:
                self.message_user(request, f"{application.name}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, message(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Approve and enrol"), permissions=["review"])
    def approve(self, request, queryset):
        self._review(request, queryset, services.approve_application, lambda n: ngettext(
            "%(count)d application approved.", "%(count)d applications approved.", n))

    @admin.action(description=_("Reject"), permissions=["review"])
    def reject(self, request, queryset):
        self._review(request, queryset, services.reject_application, lambda n: ngettext(
            "%(count)d application rejected.", "%(count)d applications rejected.", n))
