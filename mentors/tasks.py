"""Background jobs about people, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from regions import timezones

from .services import contract_warnings_send, contracts_end


@task()
def contracts_check(today: str | None = None) -> dict:
    """End the access of mentors whose contract ended before today (in their regency's time) and warn the offices
    of contracts ending within 30 and 7 days (once each). `today` (YYYY-MM-DD) is the day to act as."""
    ended = warned = 0
    for zone_name in timezones.ZONES:
        day = date.fromisoformat(today) if today else timezone.localtime(timezone.now(),
                                                                          timezones.zone(zone_name)).date()
        ended += len(contracts_end(today=day, time_zone=zone_name))
        warned += contract_warnings_send(today=day, time_zone=zone_name)
    return {"day": (date.fromisoformat(today) if today else timezone.localdate()).isoformat(), "ended": ended,
            "warned": warned}
