"""Admin integration of the spreadsheet import and export.

The issue suggests django-import-export for the admin. Its import pipeline (Resource →
row by row ``save``, its own widgets and validation) would be a second import path
beside ``importing.run_import`` and measured about ten times slower than the bulk path
here, so the admin does not use it: the change lists of members, employers and unions
get "Import from spreadsheet" / "Export to Excel / CSV" (and, for members and unions,
"as the provincial collection form") buttons that lead to the
/sheets/ pages (shown inside the admin's frame when opened from it). The flow is the
same as everywhere: upload → preview with every error → confirm; exports carry the
change list's current filters and search. One code path, one set of rules.
"""

from members.spreadsheets.layouts import FORM_OF_KIND
from members.spreadsheets.views import kind_urls


class SpreadsheetAdminMixin:
    """Add to a ModelAdmin with ``spreadsheet_kind`` = "members", "employers" or "unions"."""

    spreadsheet_kind = None
    change_list_template = "spreadsheets/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if self.spreadsheet_kind:
            from organizations.access import can

            urls = kind_urls(self.spreadsheet_kind)
            extra_context["spreadsheet_urls"] = {
                "import": urls["import"] if can(request.user, "import") else "",
                "export": urls["export"] if can(request.user, "export") else "",
                # The member and union lists also export in the provincial forms' layout.
                "provincial": self.spreadsheet_kind in FORM_OF_KIND,
            }
        return super().changelist_view(request, extra_context=extra_context)
