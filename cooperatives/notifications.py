"""E-mail about reports, in Indonesian with the link: submitted (to the reviewer), returned and accepted (to the
author), late and reminders (from the daily reminders job, cooperatives/tasks.py). Queued in the outbox in the
caller's transaction (toolkit/mail.py): a rolled-back change sends nothing, and a mail server that is down
leaves the mail waiting for the worker, never breaking or holding up the request. Each person can turn e-mail
off on their profile."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from mentors.models import Mentor, User
from territories.coverage import reviewer_of
from toolkit.mail import mail_queue
from toolkit.models import OutgoingMail


def recipients(users) -> list[str]:
    return sorted({u.email for u in users if u is not None and u.is_active and u.email and u.email_notifications})


def reviewers(mentor: Mentor, month) -> list[User]:
    """Who reviews the report: the PMO in force, or the regency's office admins."""
    pmo = reviewer_of(mentor, month)
    if pmo is not None and pmo.user_id:
        return [pmo.user]
    return list(User.objects.filter(is_active=True, memberships__regency_id=mentor.regency_id,
                                    memberships__role="admin"))


def notify(kind: str, report, *, extra_users=()) -> OutgoingMail | None:
    """Queue the e-mail of a report event (`submitted`, `returned`, `accepted`, `late`, `reminder`); returns it,
    or None when nobody is to be told."""
    from .reports import due_date

    mentor = report.mentor
    if kind == "submitted":
        users = reviewers(mentor, report.month)
    else:
        users = [mentor.user, *extra_users]
    to = recipients(users)
    if not to:
        return None
    with translation.override("id"):
        context = {"report": report, "mentor": mentor, "link": settings.SITE_URL + report.get_absolute_url(),
                   "due": due_date(mentor.regency, report.month), "kind": kind}
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + render_to_string(
            "cooperatives/email/report_subject.txt", context).strip()
        body = render_to_string("cooperatives/email/report_body.txt", context)
    return mail_queue(subject=subject, body=body, to=to)
