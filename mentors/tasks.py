"""Background jobs about people, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from .services import contract_warnings_send, contracts_end


@task()
def contracts_check(today: str | None = None) -> dict:
    """End the access of mentors whose contract ended before today (in the portal's time) and warn the offices of
    contracts ending within 30 and 7 days (once each). `today` (YYYY-MM-DD) is the day to act as."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    ended = contracts_end(today=day)
    return {"day": day.isoformat(), "ended": len(ended), "warned": contract_warnings_send(today=day)}
