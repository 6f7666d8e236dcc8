from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    FollowUp,
    LandPlot,
    MemberCount,
    MonthlyReport,
    StageChange,
    Visit,
)


class BusinessUnitInline(admin.TabularInline):
    model = BusinessUnit
    extra = 0


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["recorded_by", "recorded_at"]


class BoardMemberInline(admin.TabularInline):
    model = BoardMember
    extra = 0


class LandPlotInline(admin.TabularInline):
    model = LandPlot
    extra = 0


class FinancingInline(admin.StackedInline):
    model = FinancingProposal
    extra = 0


class MemberCountInline(admin.TabularInline):
    model = MemberCount
    extra = 0
    readonly_fields = ["recorded_by"]


@admin.register(Cooperative)
class CooperativeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "village", "stage", "legal_entity_number", "member_count", "simkopdes_status"]
    list_filter = ["stage", "simkopdes_status", "microsite_status"]
    search_fields = ["name", "village__name", "village__code", "legal_entity_number"]
    list_select_related = ["village"]
    autocomplete_fields = ["village"]
    inlines = [BusinessUnitInline, StageChangeInline, BoardMemberInline, LandPlotInline, MemberCountInline,
               FinancingInline]
    show_full_result_count = False


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    readonly_fields = ["done_by", "done_at"]


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ["date", "cooperative", "mentor", "mode"]
    list_filter = ["mode"]
    date_hierarchy = "date"
    search_fields = ["cooperative__name", "cooperative__village__code", "mentor__full_name", "summary"]
    list_select_related = ["cooperative", "mentor"]
    autocomplete_fields = ["cooperative", "mentor"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [FollowUpInline]
    show_full_result_count = False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(SimpleHistoryAdmin):
    list_display = ["mentor", "month", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status"]
    date_hierarchy = "month"
    search_fields = ["mentor__full_name"]
    list_select_related = ["mentor", "reviewed_by"]
    autocomplete_fields = ["mentor"]
    readonly_fields = ["reviewed_by"]
