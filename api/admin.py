from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued and revoked on the portal's page (the secret exists only at issue)."""

    list_display = ["name", "prefix", "issuer", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_select_related = ["issuer"]
    search_fields = ["name", "prefix", "issuer__email"]
    exclude = ["secret_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
