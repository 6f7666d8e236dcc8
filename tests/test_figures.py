"""The pre-aggregated figures: what the home pages count, refreshed by a job and never recomputed by a page."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from mentors.models import Mentor
from reporting import figures, tasks
from reporting.models import RegencyFigures

from .factories import MentorFactory

pytestmark = pytest.mark.django_db


def test_an_offices_first_figures_are_computed_on_its_page_the_nations_wait_for_the_job(sukabumi, other_regency):
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA)
    MentorFactory(regency=other_regency, role=Mentor.Role.PMO)
    assert figures.figures_for([sukabumi.pk]).villages == 386  # an office's own regency: computed once, here
    nation = figures.figures_for(None)
    assert (nation.regencies, nation.villages) == (1, 386)  # the nation reads what exists
    tasks.figures_refresh.call()
    cache.clear()
    nation = figures.figures_for(None)
    assert RegencyFigures.objects.count() == 2
    assert (nation.regencies, nation.villages, nation.ba_active, nation.pmo_active) == (2, 387, 1, 1)


def test_a_page_shows_the_figures_with_their_time_and_the_job_refreshes_them(settings, sukabumi, count_queries):
    settings.FIGURES_MAX_AGE = 60
    assert figures.figures_for([sukabumi.pk]).ba_active == 0
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA)
    _a_minute_passes()
    with count_queries() as page:
        old = figures.figures_for([sukabumi.pk])
    assert old.ba_active == 0 and timezone.now() - old.computed_at > timedelta(seconds=60)  # shown with its time
    assert not any("INSERT" in q["sql"] or "UPDATE" in q["sql"] for q in page.captured_queries)
    tasks.figures_refresh.call()
    cache.clear()
    fresh = figures.figures_for([sukabumi.pk])
    assert fresh.ba_active == 1 and timezone.now() - fresh.computed_at < timedelta(seconds=5)


def test_the_refresh_is_on_the_workers_schedule(settings):
    from django.core.management import call_command

    assert isinstance(settings.JOB_SCHEDULE["reporting.tasks.figures_refresh"], int)
    call_command("check")  # the schedule's check imports every job it names


def _a_minute_passes():
    """The rows turn 61 s old, and the sums kept in the cache expire with them (their time to live is what
    was left of the rows' minute)."""
    RegencyFigures.objects.update(computed_at=timezone.now() - timedelta(seconds=61))
    cache.clear()


def test_the_sums_of_a_minute_are_read_once(settings, sukabumi, count_queries):
    settings.FIGURES_MAX_AGE = 60
    first = figures.figures_for([sukabumi.pk])
    with count_queries() as again:
        second = figures.figures_for([sukabumi.pk])
    assert len(again.captured_queries) == 0 and second.villages == first.villages == 386
    assert figures.figures_for(None).regencies == 1  # another scope, its own entry


def test_the_refresh_command_recomputes_every_regency(sukabumi, other_regency):
    from django.core.management import call_command

    call_command("refresh_figures")
    assert set(RegencyFigures.objects.values_list("regency_id", flat=True)) == {sukabumi.pk, other_regency.pk}
