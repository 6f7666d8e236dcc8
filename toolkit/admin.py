from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .mail import mail_retry
from .models import OutgoingMail, ScheduledJob


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """The outbox, read-only: what waits, what was sent, what failed and why. "Retry now" sends waiting or failed
    mail again at once (after the mail settings were fixed, say)."""

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "to", "cc", "bcc"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    show_full_result_count = False
    fields = ["status", "attempts", "next_attempt_at", "last_error", "created_at", "sent_at", "subject",
              "from_email", "to", "cc", "bcc", "reply_to", "headers", "body", "html_body"]
    readonly_fields = fields

    @admin.display(description=_("to"))
    def recipients(self, mail):
        return ", ".join(mail.to + mail.cc + mail.bcc)

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        retried = mail_retry(mails=queryset)
        self.message_user(request, ngettext("%(count)d e-mail will be sent again shortly.",
                                            "%(count)d e-mails will be sent again shortly.", retried)
                          % {"count": retried}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list may run "Retry now"; a mail itself is never edited (its page is read-only).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ["path", "next_run_at", "last_run_at"]
    readonly_fields = ["path", "next_run_at", "last_run_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
