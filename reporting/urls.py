from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:table>.xlsx", views.dashboard_export, name="dashboard_export"),
    path("dashboard/limits/<regency:code>/", views.regency_limits, name="regency_limits"),
    path("map/", views.map_page, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("reports/recap/", views.recap, name="recap"),
]
