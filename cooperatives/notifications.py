"""E-mail about reports, in Indonesian with the link: submitted (to the reviewer), returned and accepted (to the
author), late and reminders (from the daily `send_report_reminders`). Sent after the transaction commits, in the
background: a mail server that is down is logged and never breaks or holds up the request. Each person can
turn e-mail off on their profile."""

import logging
import threading

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from mentors.models import Mentor, User

logger = logging.getLogger("koperasi.mail")


def _deliver(subject: str, body: str, recipients: list[str]) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # noqa: BLE001 - any failure of the mail server is logged, never raised
        logger.exception("E-mail not sent (%s) to %s", subject, ", ".join(recipients))


def _send(subject: str, body: str, recipients: list[str]) -> None:
    if settings.EMAIL_IN_BACKGROUND:
        threading.Thread(target=_deliver, args=(subject, body, recipients), daemon=True).start()
    else:
        _deliver(subject, body, recipients)


def recipients(users) -> list[str]:
    return sorted({u.email for u in users if u is not None and u.is_active and u.email and u.email_notifications})


def reviewers(mentor: Mentor, month) -> list[User]:
    """Who reviews the report: the PMO in force, or the regency's office admins."""
    from .reporting import reviewer_of

    pmo = reviewer_of(mentor, month)
    if pmo is not None and pmo.user_id:
        return [pmo.user]
    return list(User.objects.filter(is_active=True, memberships__regency_id=mentor.regency_id,
                                    memberships__role="admin"))


def notify(kind: str, report, *, extra_users=()) -> None:
    """Queue the e-mail of a report event (`submitted`, `returned`, `accepted`, `late`, `reminder`)."""
    from .reporting import due_date

    mentor = report.mentor
    if kind == "submitted":
        users = reviewers(mentor, report.month)
    else:
        users = [mentor.user, *extra_users]
    to = recipients(users)
    if not to:
        return
    with translation.override("id"):
        context = {"report": report, "mentor": mentor, "link": settings.SITE_URL + report.get_absolute_url(),
                   "due": due_date(mentor.regency, report.month), "kind": kind}
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + render_to_string(
            "cooperatives/email/report_subject.txt", context).strip()
        body = render_to_string("cooperatives/email/report_body.txt", context)
    transaction.on_commit(lambda: _send(subject, body, to))
