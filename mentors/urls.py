from django.urls import path

from . import views

app_name = "mentors"
urlpatterns = [
    path("", views.mentor_list, name="mentor_list"),
    path("export.xlsx", views.mentor_export, name="mentor_export"),
    path("new/", views.mentor_create, name="mentor_create"),
    path("import/", views.mentor_import, name="mentor_import"),
    path("import/apply/", views.mentor_import_apply, name="mentor_import_apply"),
    path("<int:pk>/", views.mentor_detail, name="mentor_detail"),
    path("<int:pk>/edit/", views.mentor_update, name="mentor_update"),
    path("<int:pk>/deactivate/", views.mentor_deactivate, name="mentor_deactivate"),
    path("<int:pk>/activate/", views.mentor_activate, name="mentor_activate"),
    path("<int:pk>/invite/", views.mentor_invite, name="mentor_invite"),
]
