"""The toolkit's jobs, run by `manage.py run_worker`: deliver one e-mail, sweep up mail that no job waits for, and
prune the job queue's old results."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

from .models import OutgoingMail

logger = logging.getLogger("koperasi.mail")

# Minutes to wait after the 1st, 2nd, … failed attempt; the last one repeats until MAIL_MAX_ATTEMPTS.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
# A delivery job still "running" after this long belongs to a worker that was killed: its mail is swept up.
STALE_JOB = timedelta(minutes=10)
SWEEP_BATCH = 500


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


@task()
def mail_deliver(mail_id: int) -> str:
    """Deliver one outbox e-mail if it is waiting and due. The row stays locked until the outcome is recorded,
    so two jobs for the same mail deliver it once. It is marked sent only after the delivery backend took it; a
    failure is recorded, and the job enqueues itself again after a backoff, until MAIL_MAX_ATTEMPTS. (SQLite
    has no row locks: there the transaction takes the database's write lock from its start, so that recording
    the outcome cannot fail after the mail went out.)"""
    with exclusive_transaction():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        now = timezone.now()
        if mail is None or mail.status != OutgoingMail.Status.WAITING or mail.next_attempt_at > now:
            return "nothing to do"
        mail.attempts += 1
        try:
            with delivery_connection() as connection:
                delivery_message(mail, connection).send()
        except Exception as error:  # noqa: BLE001 - whatever the transport raised is recorded and retried
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
                logger.error("E-mail %s (%s) not sent after %d attempts, given up: %s", mail.pk, mail.subject,
                             mail.attempts, mail.last_error)
            else:
                mail.next_attempt_at = now + backoff(mail.attempts)
                logger.warning("E-mail %s (%s) not sent (attempt %d of %d), next at %s: %s", mail.pk, mail.subject,
                               mail.attempts, settings.MAIL_MAX_ATTEMPTS, mail.next_attempt_at, mail.last_error)
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if mail.status == OutgoingMail.Status.WAITING:
                delivery_enqueue(mail, run_after=mail.next_attempt_at)
            return mail.status
        mail.status = OutgoingMail.Status.SENT
        mail.sent_at = timezone.now()
        mail.save(update_fields=["attempts", "status", "sent_at"])
        return mail.status


@task()
def mail_sweep() -> int:
    """Enqueue the delivery of waiting mail that is due and that no job will deliver: its job was lost, or the
    worker running it was killed. Returns how many."""
    now = timezone.now()
    due = list(OutgoingMail.objects.filter(status=OutgoingMail.Status.WAITING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    if not due:
        return 0
    key = "args_kwargs__kwargs__mail_id"
    pending = set(
        DBTaskResult.objects.filter(task_path=mail_deliver.module_path, **{f"{key}__in": due})
        .filter(Q(status=TaskResultStatus.READY) & (Q(run_after__lte=now) | Q(run_after=get_date_max()))
                | Q(status=TaskResultStatus.RUNNING, started_at__gte=now - STALE_JOB))
        .values_list(key, flat=True))
    lost = [pk for pk in due if pk not in pending]
    with transaction.atomic():
        for mail in OutgoingMail.objects.filter(pk__in=lost).only("pk"):
            delivery_enqueue(mail)
    if lost:
        logger.info("Swept %d e-mails without a delivery job into the queue.", len(lost))
    return len(lost)


@task()
def task_results_prune() -> None:
    """Daily: delete the results of jobs that finished more than 14 days ago (the sweep alone adds 1,440 a day).
    The outbox keeps every e-mail; only the job rows go."""
    call_command("prune_db_task_results", queue_name="*", min_age_days=14, verbosity=0)


# --- delivery: what the jobs above send, and how they are enqueued ---------------------------------


def delivery_enqueue(mail: OutgoingMail, *, run_after=None) -> None:
    """Enqueue the delivery of `mail`, in the current transaction (the database task backend writes its job
    there, so the worker sees it only after the commit). A retry later than now needs a backend that can wait;
    without one (the tests' immediate backend) `mail_sweep` enqueues it once it is due."""
    if run_after is not None:
        if not mail_deliver.get_backend().supports_defer:
            return
        mail_deliver.using(run_after=run_after).enqueue(mail_id=mail.pk)
    else:
        mail_deliver.enqueue(mail_id=mail.pk)


def delivery_message(mail: OutgoingMail, connection) -> EmailMessage:
    """The message as it was queued, for the delivery backend."""
    fields = {"subject": mail.subject, "from_email": mail.from_email, "to": mail.to, "cc": mail.cc,
              "bcc": mail.bcc, "reply_to": mail.reply_to, "headers": mail.headers, "connection": connection}
    if mail.html_body and mail.body:
        message = EmailMultiAlternatives(body=mail.body, **fields)
        message.attach_alternative(mail.html_body, "text/html")
    elif mail.html_body:
        message = EmailMessage(body=mail.html_body, **fields)
        message.content_subtype = "html"
    else:
        message = EmailMessage(body=mail.body, **fields)
    return message


def delivery_connection():
    """A connection of the real transport, MAIL_DELIVERY_BACKEND (EMAIL_TIMEOUT applies to SMTP)."""
    backend = settings.MAIL_DELIVERY_BACKEND
    if backend == "toolkit.mail.OutboxBackend":
        raise ImproperlyConfigured("MAIL_DELIVERY_BACKEND must be a real transport, not the outbox itself.")
    return get_connection(backend, fail_silently=False)
