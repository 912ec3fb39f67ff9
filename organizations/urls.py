from django.urls import path

from organizations import pickers, views

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    # The pickers' searches (static/js/picker.js).
    path("pick/unions/", pickers.union_search, name="pick_unions"),
    path("pick/employers/", pickers.employer_search, name="pick_employers"),
]
