from django.contrib import admin

from .models import OfficeSettings


@admin.register(OfficeSettings)
class OfficeSettingsAdmin(admin.ModelAdmin):
    list_display = ["regency", "ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days",
                    "recency_red_days", "report_due_day"]
    search_fields = ["regency__code", "regency__name"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]
