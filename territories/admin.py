from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BaTerritory, PlanChange, PmoTerritory, TerritoryPlan


class PmoTerritoryInline(admin.TabularInline):
    model = PmoTerritory
    extra = 0
    fields = ["name", "mentor"]
    autocomplete_fields = ["mentor"]
    show_change_link = True


@admin.register(TerritoryPlan)
class TerritoryPlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "regency", "status", "effective_from", "effective_to", "decree_number", "published_at"]
    list_filter = ["status"]
    search_fields = ["name", "decree_number", "regency__name", "regency__code"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency", "based_on"]
    readonly_fields = ["version", "created_by", "created_at", "published_by", "published_at"]
    inlines = [PmoTerritoryInline]


@admin.register(PmoTerritory)
class PmoTerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "mentor"]
    search_fields = ["name", "plan__name", "mentor__full_name"]
    list_select_related = ["plan", "mentor"]
    autocomplete_fields = ["plan", "mentor"]


@admin.register(BaTerritory)
class BaTerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "mentor", "pmo_territory"]
    search_fields = ["name", "plan__name", "mentor__full_name"]
    list_select_related = ["plan", "mentor", "pmo_territory"]
    autocomplete_fields = ["plan", "mentor", "pmo_territory"]


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    """The plans' audit log: read only."""

    list_display = ["at", "regency", "plan_name", "actor", "text"]
    list_select_related = ["regency", "actor"]
    search_fields = ["plan_name", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
