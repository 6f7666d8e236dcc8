"""The mail outbox, the table of scheduled runs, and the tokens of applied imports."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    """One e-mail, written in the transaction that sent it (toolkit/mail.py) and delivered by the worker
    (`mail_deliver` in toolkit/tasks.py). It is `sent` only once the delivery backend took it; until then it is
    `waiting`, and `failed` after MAIL_MAX_ATTEMPTS attempts."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    subject = models.TextField(_("subject"))
    body = models.TextField(_("text"), blank=True)
    html_body = models.TextField(_("HTML version"), blank=True)
    from_email = models.TextField(_("from"))
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_mail_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["waiting", "sent", "failed"]),
                                   name="outgoing_mail_status_known"),
            models.CheckConstraint(condition=models.Q(status="sent", sent_at__isnull=False)
                                   | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                                   name="outgoing_mail_sent_when_sent_at"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


class ScheduledJob(models.Model):
    """When a job of JOB_SCHEDULE runs next (toolkit/jobs.py). A scheduler enqueues a due run only by moving
    `next_run_at` on from the value it read, so of several schedulers exactly one enqueues each run."""

    path = models.CharField(_("job"), max_length=200, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["path"]

    def __str__(self):
        return self.path


class AppliedImport(models.Model):
    """The token of an import preview that was applied: recorded in the apply's own transaction, so that a
    preview applies exactly once even when two clicks arrive together (the second waits, then finds it)."""

    token = models.CharField(max_length=64, unique=True)
    key = models.CharField(max_length=40)
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.key} {self.applied_at:%Y-%m-%d %H:%M}"
