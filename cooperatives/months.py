"""The month that needs work: the one rule every home, the report list and every link that opens a month follow.

Last month, until its reports are settled for the reader's scope (every report expected of that month sent and
accepted: the PMO's own and their team's, the office's); then the current month. A BA is done with last month
once their report is sent (and not returned): what waits then is the PMO's review, not the BA. On the 1st
nothing of the new month can have been sent yet, so the pages open on the month whose reports are coming in and
being reviewed.
"""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from mentors.access import access_for
from mentors.models import Mentor
from territories import coverage

from .models import MonthlyReport
from .selectors import month_start, pmo_report_rows, report_rows

BA_DONE = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED)


def month_needing_work(user, today: date | None = None) -> date:
    """The month the user's pages open on (see the module's docstring). A user without reports in their scope
    works in the current month."""
    access = access_for(user)
    if access.sees_regencies:
        previous = last_month(today)
        return _first_unsettled(Q(pk__in=report_rows(user, previous).values("pk"))
                                | Q(pk__in=pmo_report_rows(user, previous).values("pk")), today)
    if access.mentor is not None:
        return mentor_month_needing_work(access.mentor, today)
    return month_start(today or timezone.localdate())


def mentor_month_needing_work(mentor: Mentor, today: date | None = None, *,
                              reports: dict[date, MonthlyReport] | None = None) -> date:
    """The same rule for a mentor's own scope: a BA's report; a PMO's own report and those of the BAs under
    them. `reports`: a BA's reports by month, when the page has read last month's already (no query then)."""
    if mentor.role == Mentor.Role.BA:
        # A BA's part of last month is done once their report is sent and not returned: it waits for the PMO,
        # and the BA's work is this month's report. A returned report brings them back to it.
        if reports is None:
            return _first_unsettled(Q(pk=mentor.pk), today, settled=BA_DONE)
        previous = last_month(today)
        report = reports.get(previous)
        settled = report is not None and report.status in BA_DONE
        return month_start(today or timezone.localdate()) if settled else previous
    expected = Q(pk=mentor.pk) | coverage.bas_under_pmo(mentor) & Q(role=Mentor.Role.BA, is_active=True)
    return _first_unsettled(expected, today)


def last_month(today: date | None = None) -> date:
    return month_start(month_start(today or timezone.localdate()) - timedelta(days=1))


def _first_unsettled(expected: Q, today: date | None, settled=(MonthlyReport.Status.ACCEPTED,)) -> date:
    """Last month while one of the `expected` mentors has no report for it in a `settled` status (one query), else
    this month."""
    today = today or timezone.localdate()
    previous = last_month(today)
    accepted = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=previous, status__in=settled)
    unsettled = Mentor.objects.filter(expected).filter(~Exists(accepted)).exists()
    return previous if unsettled else month_start(today)
