from django.urls import path

from members import application_views as applications, campaign, dashboard, life_views, qr, views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("campaign/", campaign.campaign, name="campaign"),
    path("members/", views.member_list, name="member_list"),
    path("members/check-id/", views.member_check_id, name="member_check_id"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/change/", life_views.member_change, name="member_change"),
    path("members/<int:pk>/ordinary/", life_views.member_make_ordinary, name="member_make_ordinary"),
    path("members/<int:pk>/rejoin/", life_views.member_rejoin, name="member_rejoin"),
    path("members/batch/", life_views.member_batch, name="member_batch"),
    path("applications/", applications.application_list, name="application_list"),
    path("applications/new/", applications.application_new, name="application_new"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/review/", applications.application_review,
         name="application_review"),
    path("applications/<int:pk>/print/", applications.application_print,
         name="application_print"),
    path("drives/", views.drive_list, name="drive_list"),
    path("drives/<int:pk>/entry/", views.drive_entry, name="drive_entry"),
    path("drives/<int:pk>/entry/<int:member_pk>/", views.drive_entry_edit, name="drive_entry_edit"),
    path("drives/<int:pk>/qr/", qr.drive_qr, name="drive_qr"),
    # A drive's self-enrolment page and its ID check: public (organizations.access.public_page).
    path("join/<slug:token>/", qr.join, name="self_enrolment"),
    path("join/<slug:token>/check/", qr.join_check, name="self_enrolment_check"),
]
