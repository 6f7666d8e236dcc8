from django.urls import path

from . import views

app_name = "offices"
urlpatterns = [
    # A regency's office, by the regency's code: /offices/32.02/documents/
    path("<str:code>/documents/", views.office_documents, name="documents"),
]
