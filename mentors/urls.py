from django.urls import path

from . import views

# The roster, a mentor's page, the export and the edit form join these under the same `mentors:` names in
# koperasi_portal/urls.py: they show what the plan in force gives a mentor, so the app above renders them.
app_name = "mentors"
urlpatterns = [
    path("new/", views.mentor_create, name="mentor_create"),
    path("import/", views.mentor_import, name="mentor_import"),
    path("import/apply/", views.mentor_import_apply, name="mentor_import_apply"),
    path("<int:pk>/deactivate/", views.mentor_deactivate, name="mentor_deactivate"),
    path("<int:pk>/activate/", views.mentor_activate, name="mentor_activate"),
    path("<int:pk>/invite/", views.mentor_invite, name="mentor_invite"),
]
