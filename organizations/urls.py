from django.urls import path

from organizations import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("campaign/", views.campaign, name="campaign"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
]
