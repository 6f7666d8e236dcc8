"""Outgoing e-mail through a transactional outbox.

EMAIL_BACKEND is `OutboxBackend`: every message sent through Django (allauth's password resets, the admin's, the
portal's own) becomes an `OutgoingMail` row plus a delivery job, both written in the caller's transaction. A
request that is rolled back sends nothing; one that commits leaves the mail in the database, where a worker
(`manage.py run_worker`) finds it even if the web process dies the next moment. The worker delivers it through
MAIL_DELIVERY_BACKEND (the real transport: SMTP, console, file) and retries with backoff (toolkit/tasks.py), so a
mail server that is down never breaks a request.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone

from .models import OutgoingMail
from .tasks import delivery_enqueue


class OutboxBackend(BaseEmailBackend):
    """Django's e-mail backend for the portal: queues each message in the outbox instead of sending it."""

    def send_messages(self, email_messages) -> int:
        queued = 0
        for message in email_messages:
            try:
                mail_queue_message(message)
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                queued += 1
        return queued


def mail_queue(*, subject: str, body: str, to: list[str], html_body: str = "",
               from_email: str | None = None) -> OutgoingMail:
    """Queue one message of the portal's own (in the caller's transaction) and return its outbox row."""
    return _add(subject=subject, body=body, html_body=html_body, from_email=from_email or settings.DEFAULT_FROM_EMAIL,
                to=list(to), cc=[], bcc=[], reply_to=[], headers={})


def mail_queue_message(message: EmailMessage) -> OutgoingMail:
    """Queue a Django `EmailMessage` (what `OutboxBackend` receives). A plain-text body with at most one HTML
    alternative, or an HTML body alone; attachments are refused rather than dropped."""
    if message.attachments:
        raise ValueError("The outbox does not carry attachments.")
    body, html_body = message.body, ""
    for alternative in getattr(message, "alternatives", []):
        content, mimetype = alternative
        if mimetype != "text/html" or html_body:
            raise ValueError(f"The outbox carries one text/html alternative, not {mimetype}.")
        html_body = content
    if message.content_subtype == "html":
        if html_body:
            raise ValueError("The outbox carries one HTML version.")
        body, html_body = "", body
    return _add(subject=message.subject, body=body, html_body=html_body,
                from_email=message.from_email or settings.DEFAULT_FROM_EMAIL, to=list(message.to),
                cc=list(message.cc), bcc=list(message.bcc), reply_to=list(message.reply_to),
                headers={str(name): str(value) for name, value in message.extra_headers.items()})


def _add(**fields) -> OutgoingMail:
    if not (fields["to"] or fields["cc"] or fields["bcc"]):
        raise ValueError("An e-mail needs at least one recipient.")
    # One Message-ID for every attempt, so that a receiver can tell a repeated delivery from a new message.
    if not any(name.lower() == "message-id" for name in fields["headers"]):
        fields["headers"]["Message-ID"] = make_msgid(domain=DNS_NAME)
    with transaction.atomic():
        mail = OutgoingMail(**fields)
        mail.full_clean()
        mail.save()
        delivery_enqueue(mail)
    return mail


def mail_retry(*, mails: Iterable[OutgoingMail]) -> int:
    """Make waiting or failed mail due now (a failed one gets its attempts back) and enqueue its delivery.
    Returns how many; sent mail, and mail a worker is delivering this moment, are left alone."""
    retried = 0
    with transaction.atomic():
        for mail in OutgoingMail.objects.select_for_update(skip_locked=True).filter(
                pk__in=[mail.pk for mail in mails]).exclude(status=OutgoingMail.Status.SENT):
            if mail.status == OutgoingMail.Status.FAILED:
                mail.attempts = 0
            mail.status = OutgoingMail.Status.WAITING
            mail.next_attempt_at = timezone.now()
            mail.save(update_fields=["status", "attempts", "next_attempt_at"])
            delivery_enqueue(mail)
            retried += 1
    return retried
