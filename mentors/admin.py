from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import ContractNotice, Membership, Mentor, ReadingGrant, User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "usable_password", "password1", "password2"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "regency", "role"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "regency__name", "regency__code"]
    autocomplete_fields = ["user", "regency"]
    list_select_related = ["user", "regency"]


@admin.register(ReadingGrant)
class ReadingGrantAdmin(SimpleHistoryAdmin):
    """Province and national readers: granted here by a superuser (they read, and change nothing)."""

    list_display = ["user", "province", "role", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "province__name", "province__code"]
    autocomplete_fields = ["user", "province"]
    list_select_related = ["user", "province"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Mentor)
class MentorAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "role", "regency", "email", "phone", "is_active", "contract_end"]
    list_filter = ["role", "is_active"]
    search_fields = ["full_name", "email", "phone"]
    autocomplete_fields = ["regency", "user"]
    list_select_related = ["regency"]


@admin.register(ContractNotice)
class ContractNoticeAdmin(admin.ModelAdmin):
    """What the contracts job told the offices: one row per mentor, contract end and threshold (read only)."""

    list_display = ["mentor", "contract_end", "days", "mail", "created_at"]
    list_filter = ["days"]
    search_fields = ["mentor__full_name"]
    list_select_related = ["mentor", "mail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
