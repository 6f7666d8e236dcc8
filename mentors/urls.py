from django.urls import path

from . import views

# The roster, a mentor's page, the export and the edit form join these under the same `mentors:` names in
# koperasi_portal/urls.py: they show what the plan in force gives a mentor, so the app above renders them.
app_name = "mentors"
urlpatterns = [
    path("new/", views.mentor_create, name="mentor_create"),
    path("contracts/", views.contract_renew, name="contract_renew"),
    path("<int:pk>/deactivate/", views.mentor_deactivate, name="mentor_deactivate"),
    path("<int:pk>/activate/", views.mentor_activate, name="mentor_activate"),
    path("<int:pk>/invite/", views.mentor_invite, name="mentor_invite"),
    # The office accounts (admins and staff) of a regency, by its code: /mentors/office/32.02/
    path("office/", views.office_index, name="office_index"),
    path("office/<str:code>/", views.office_accounts, name="office_accounts"),
    path("office/<str:code>/new/", views.office_account_create, name="office_account_create"),
    path("office/<str:code>/<int:pk>/invite/", views.office_account_invite, name="office_account_invite"),
    path("office/<str:code>/<int:pk>/role/", views.office_account_role, name="office_account_role"),
    path("office/<str:code>/<int:pk>/suspend/", views.office_account_suspend, name="office_account_suspend"),
    path("office/<str:code>/<int:pk>/reactivate/", views.office_account_reactivate,
         name="office_account_reactivate"),
]
