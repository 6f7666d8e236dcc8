from django.contrib import admin

from .models import Boundary, District, Province, Regency, Village


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "time_zone"]
    list_filter = ["kind", "time_zone"]
    search_fields = ["code", "name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "regency", "latitude", "longitude"]
    search_fields = ["code", "name", "regency__name"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "postal_code"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "district__name", "postal_code"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]
    show_full_result_count = False


@admin.register(Boundary)
class BoundaryAdmin(admin.ModelAdmin):
    list_display = ["code", "imported_at"]
    search_fields = ["code"]
    exclude = ["geometry"]
    readonly_fields = ["code", "imported_at"]
