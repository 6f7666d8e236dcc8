from django.urls import path, register_converter

import territories.urls  # noqa: F401 (registers the region code converters the village page's address uses)

from . import reconciliation_views, region_views, views


class MonthCode:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class Part:
    regex = r"units|financing|land|board|members"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(MonthCode, "month")
register_converter(Part, "part")

app_name = "cooperatives"
# The village page, under `regions:` with the region pages of territories (koperasi_portal/urls.py).
region_patterns = [
    path("<village:code>/", region_views.village_detail, name="village_detail"),
]
urlpatterns = [
    path("cooperatives/", views.cooperative_list, name="cooperative_list"),
    path("cooperatives/export.xlsx", views.cooperative_export, name="cooperative_export"),
    path("cooperatives/import/", views.cooperative_import, name="cooperative_import"),
    path("cooperatives/import/apply/", views.cooperative_import_apply, name="cooperative_import_apply"),
    # Reconciliation with the national registry (SIMKOPDES): a regency's page, a run's lists.
    path("cooperatives/simkopdes/", reconciliation_views.reconciliation_index, name="reconciliation_index"),
    path("cooperatives/simkopdes/<regency:code>/", reconciliation_views.reconciliation_regency,
         name="reconciliation_regency"),
    path("cooperatives/simkopdes/<regency:code>/mapping/", reconciliation_views.reconciliation_mapping,
         name="reconciliation_mapping"),
    path("cooperatives/simkopdes/<regency:code>/upload/", reconciliation_views.reconciliation_upload,
         name="reconciliation_upload"),
    path("cooperatives/simkopdes/runs/<int:pk>/", reconciliation_views.reconciliation_detail,
         name="reconciliation_detail"),
    path("cooperatives/simkopdes/runs/<int:pk>/accept/", reconciliation_views.reconciliation_accept,
         name="reconciliation_accept"),
    path("cooperatives/<int:pk>/", views.cooperative_detail, name="cooperative_detail"),
    path("cooperatives/<int:pk>/edit/", views.cooperative_update, name="cooperative_update"),
    path("cooperatives/<int:pk>/<part:part>/", views.cooperative_part, name="cooperative_part"),
    path("cooperatives/<int:pk>/instalments/<int:instalment_pk>/pay/", views.instalment_pay, name="instalment_pay"),
    path("cooperatives/<int:pk>/<part:part>/<int:part_pk>/delete/", views.cooperative_part_delete,
         name="cooperative_part_delete"),
    path("cooperatives/<int:pk>/handover-note/", views.handover_note, name="handover_note"),
    path("cooperatives/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("visits/new/", views.visit_create, name="visit_create_any"),
    path("visits/<int:pk>/edit/", views.visit_update, name="visit_update"),
    path("visits/files/<int:pk>/", views.visit_file, name="visit_file"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/publish/", views.handover_publish, name="handover_publish"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:mentor_pk>/<month:month>/", views.report_detail, name="report_detail"),
    path("reports/<int:mentor_pk>/<month:month>/print/", views.report_print, name="report_print"),
]
