from django.urls import include, path, register_converter

from . import mentor_views, region_views, views


class RegionCode:
    """A dotted Kemendagri code with a fixed number of parts, e.g. 32.02 or 32.02.01.2002."""

    widths: tuple[int, ...] = ()

    def __init__(self):
        self.regex = r"\.".join(rf"\d{{{width}}}" for width in self.widths)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class RegencyCode(RegionCode):
    widths = (2, 2)


class DistrictCode(RegionCode):
    widths = (2, 2, 2)


class VillageCode(RegionCode):
    widths = (2, 2, 2, 4)


class TerritoryKind:
    regex = "pmo|ba"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TerritoryKind, "territory_kind")
register_converter(RegencyCode, "regency")
register_converter(DistrictCode, "district")
register_converter(VillageCode, "village")

app_name = "territories"
plan_patterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/territories/new/", views.territory_create, name="territory_create"),
    path("<int:pk>/territories/<territory_kind:kind>/<int:territory_pk>/", views.territory_update,
         name="territory_update"),
    path("<int:pk>/territories/<territory_kind:kind>/<int:territory_pk>/delete/", views.territory_delete,
         name="territory_delete"),
    path("<int:pk>/territories/<territory_kind:kind>/<int:territory_pk>/row/", views.territory_row,
         name="territory_row"),
    path("<int:pk>/districts/<int:district_pk>/", views.district_villages, name="district_villages"),
    path("<int:pk>/villages/move/", views.villages_move, name="villages_move"),
    path("<int:pk>/districts/move/", views.districts_move, name="districts_move"),
    path("<int:pk>/propose/", views.plan_propose, name="plan_propose"),
    path("<int:pk>/diff/", views.plan_diff, name="plan_diff"),
    path("<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("<int:pk>/discard/", views.plan_discard, name="plan_discard"),
    path("<int:pk>/withdraw/", views.plan_withdraw, name="plan_withdraw"),
    path("<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("<int:pk>/import/", views.plan_import, name="plan_import"),
    path("<int:pk>/import/apply/", views.plan_import_apply, name="plan_import_apply"),
    path("<int:pk>/annex/", views.plan_annex, name="plan_annex"),
    path("<int:pk>/decree/", views.plan_decree, name="plan_decree"),
]
# Included by koperasi_portal/urls.py under their own namespaces: the region pages as `regions:` (the names
# the region models' get_absolute_url use; the village page is the cooperatives app's) and the roster pages as
# part of `mentors:`.
region_patterns = [
    path("", region_views.regency_list, name="regency_list"),
    path("<regency:code>/", region_views.regency_detail, name="regency_detail"),
    path("<district:code>/", region_views.district_detail, name="district_detail"),
]
mentor_patterns = [
    path("", mentor_views.mentor_list, name="mentor_list"),
    path("export.xlsx", mentor_views.mentor_export, name="mentor_export"),
    path("import/", mentor_views.mentor_import, name="mentor_import"),
    path("import/apply/", mentor_views.mentor_import_apply, name="mentor_import_apply"),
    path("<int:pk>/", mentor_views.mentor_detail, name="mentor_detail"),
    path("<int:pk>/edit/", mentor_views.mentor_update, name="mentor_update"),
]
urlpatterns = [
    path("plans/", include(plan_patterns)),
]
