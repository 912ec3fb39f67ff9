"""URL map. Every page view is guarded by ``organizations.access.access_required``;
the access-matrix test walks this map, so a new page cannot escape it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sheets/", include("members.spreadsheets.urls")),  # Excel import and export
    path("", include("members.urls")),  # dashboard, campaign, register, drives, entry page
    path("", include("organizations.urls")),  # demonstration sites
]
