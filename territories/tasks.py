"""Background jobs about plans, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

from datetime import date

from django_tasks import task

from .publishing import plans_take_effect


@task()
def scheduled_plans_take_effect(today: str | None = None) -> dict:
    """Every minute: a scheduled plan whose day has come (in its regency's time) becomes the plan in force, if the
    publish checks of that day pass. `today` (YYYY-MM-DD) is the day to act as, for a catch-up run."""
    return plans_take_effect(today=date.fromisoformat(today) if today else None)
