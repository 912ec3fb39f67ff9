from django.urls import path

from members import campaign, dashboard, views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("campaign/", campaign.campaign, name="campaign"),
    path("members/", views.member_list, name="member_list"),
    path("members/check-id/", views.member_check_id, name="member_check_id"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("drives/", views.drive_list, name="drive_list"),
    path("drives/<int:pk>/entry/", views.drive_entry, name="drive_entry"),
    path("drives/<int:pk>/entry/<int:member_pk>/", views.drive_entry_edit, name="drive_entry_edit"),
]
