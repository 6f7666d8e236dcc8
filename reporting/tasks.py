"""The reporting app's jobs, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

import time

from django_tasks import task

from .figures import figures_refresh as refresh


@task()
def figures_refresh() -> str:
    """Recompute the pre-aggregated figures of every regency. The worker runs it every FIGURES_MAX_AGE seconds,
    so that no page has to: the pages read the rows and show their time."""
    started = time.perf_counter()
    count = refresh()
    return f"{count} regencies in {time.perf_counter() - started:.2f} s"
