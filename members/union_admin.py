"""The union and employer admins as the register extends them: each union's member
count, and the spreadsheet import/export buttons of both lists. ``organizations``
registers the plain admins and knows nothing of members; this module, imported by
``members.admin``, registers them again with what the layers above add."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.spreadsheets.admin import SpreadsheetAdminMixin
from organizations.admin import EmployerAdmin, OrganizationAdmin, count_of
from organizations.models import Employer, Organization


class UnionAdmin(SpreadsheetAdminMixin, OrganizationAdmin):
    spreadsheet_kind = "unions"  # import / export buttons (members.spreadsheets)
    list_display = (*OrganizationAdmin.list_display, "member_count")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            member_total=count_of(Member, "union", status__in=Member.MEMBER_STATUSES),
        )

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


class EmployerSpreadsheetAdmin(SpreadsheetAdminMixin, EmployerAdmin):
    spreadsheet_kind = "employers"  # import / export buttons (members.spreadsheets)


for model, model_admin in ((Organization, UnionAdmin), (Employer, EmployerSpreadsheetAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
