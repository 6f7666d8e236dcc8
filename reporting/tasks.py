"""The reporting app's jobs, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

import time
from datetime import date, timedelta

from django.utils import timezone
from django_tasks import task

from cooperatives.selectors import month_start

from . import recap
from .figures import figures_refresh as refresh


@task()
def figures_refresh() -> str:
    """Recompute the pre-aggregated figures of every regency. The worker runs it every FIGURES_MAX_AGE seconds,
    so that no page has to: the pages read the rows and show their time."""
    started = time.perf_counter()
    count = refresh()
    return f"{count} regencies in {time.perf_counter() - started:.2f} s"


@task()
def recap_refresh() -> str:
    """The month-end recap's kept rows (every RECAP_REFRESH_SECONDS): the last closed month's rows of every
    regency that has none or a stale one (computed once, after that only when something dated in it changes), and
    the open month's rows of every regency (the province and national tables of the running month)."""
    started = time.perf_counter()
    # The month in WIB (TIME_ZONE, the westernmost zone): a month closed there is closed in every regency. Each
    # regency's figures are of its own day (regions.timezones).
    current = month_start(timezone.localdate())
    closed = month_start(current - timedelta(days=1))
    stored = recap.recap_store(recap.regencies_to_store(closed), closed)
    opened = recap.recap_store(recap.all_regency_ids(), current)
    return f"{stored} regencies of {closed:%Y-%m}, {opened} of {current:%Y-%m} in {time.perf_counter() - started:.2f} s"


@task()
def recap_month_refresh(month: str) -> str:
    """A month's rows of every regency that has none or a stale one (a page asked for a month never computed)."""
    day = date.fromisoformat(month)
    return f"{recap.recap_store(recap.regencies_to_store(day), day)} regencies of {day:%Y-%m}"


@task()
def recap_regency_refresh(regency_id: int, months: list[str]) -> str:
    """Recompute a regency's kept rows of the given months (marked stale by a change dated in them)."""
    for month in months:
        recap.recap_store([regency_id], date.fromisoformat(month))
    return f"regency {regency_id}: {', '.join(months)}"
