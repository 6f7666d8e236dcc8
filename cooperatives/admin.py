from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from toolkit.models import OutgoingMail

from .models import (
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    FollowUp,
    Handover,
    HandoverItem,
    LandPlot,
    Lender,
    MemberCount,
    MonthlyReport,
    ReportNotice,
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


@admin.register(Lender)
class LenderAdmin(admin.ModelAdmin):
    """The closed list of lenders the financing form offers (PMK 49/2025: the Himbara banks, and BSI)."""

    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


class MemberCountInline(admin.TabularInline):
    model = MemberCount
    extra = 0
    readonly_fields = ["recorded_by"]


@admin.register(Cooperative)
class CooperativeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "village", "stage", "legal_entity_number", "member_count", "simkopdes_status"]
    list_filter = ["stage", "simkopdes_status", "microsite_status"]
    search_fields = ["name", "village__name", "village__code", "legal_entity_number", "simkopdes_id"]
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


class NoticeMailFilter(admin.SimpleListFilter):
    """Sent, waiting or failed: a notice without an e-mail counts as sent (nobody to tell, or before the outbox)."""

    title = _("e-mail")
    parameter_name = "mail"

    def lookups(self, request, model_admin):
        return OutgoingMail.Status.choices

    def queryset(self, request, queryset):
        if self.value() == OutgoingMail.Status.SENT:
            return queryset.filter(Q(mail__isnull=True) | Q(mail__status=OutgoingMail.Status.SENT))
        if self.value() in (OutgoingMail.Status.WAITING, OutgoingMail.Status.FAILED):
            return queryset.filter(mail__status=self.value())
        return queryset


@admin.register(ReportNotice)
class ReportNoticeAdmin(admin.ModelAdmin):
    """The reminders and late notices, read-only, with where their e-mail stands (the e-mail itself, and
    "Retry now", are under Toolkit → Outgoing e-mails)."""

    list_display = ["month", "kind", "mentor", "mail_state", "created_at"]
    list_filter = ["kind", NoticeMailFilter]
    date_hierarchy = "month"
    search_fields = ["mentor__full_name", "mentor__email"]
    list_select_related = ["mentor", "mail"]
    readonly_fields = ["mentor", "month", "kind", "created_at", "mail"]
    show_full_result_count = False

    @admin.display(description=_("e-mail"))
    def mail_state(self, notice):
        return OutgoingMail.Status(notice.mail_status).label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HandoverItemInline(admin.TabularInline):
    model = HandoverItem
    extra = 0
    raw_id_fields = ["cooperative", "successor"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    """The record of handovers: who handed what to whom, from when (read here, written by the wizard)."""

    list_display = ["leaver", "last_day", "successor", "status", "published_at"]
    list_filter = ["status", "regency"]
    search_fields = ["leaver__full_name", "successor__full_name"]
    raw_id_fields = ["leaver", "successor", "plan", "report", "created_by", "published_by"]
    inlines = [HandoverItemInline]
