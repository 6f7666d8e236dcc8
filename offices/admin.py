from django.contrib import admin

from .models import IssuedNumber, OfficeSettings


@admin.register(OfficeSettings)
class OfficeSettingsAdmin(admin.ModelAdmin):
    list_display = ["regency", "ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days",
                    "recency_red_days", "report_due_day"]
    search_fields = ["regency__code", "regency__name"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]


@admin.register(IssuedNumber)
class IssuedNumberAdmin(admin.ModelAdmin):
    """The register of numbers given: read only, as nothing is deleted from it."""

    list_display = ["number", "regency", "document", "issued_on", "issued_by", "issued_at"]
    list_filter = ["year"]
    search_fields = ["number", "document", "regency__name"]
    list_select_related = ["regency", "issued_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
