"""The pre-aggregated figures: what the home pages count, how old it may be, and one refresh at a time."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from mentors.models import Mentor
from reporting import figures
from reporting.models import FiguresRefresh, RegencyFigures

from .factories import MentorFactory

pytestmark = pytest.mark.django_db


def test_figures_are_computed_when_missing_and_sum_over_regencies(sukabumi, other_regency):
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA)
    MentorFactory(regency=other_regency, role=Mentor.Role.PMO)
    nation = figures.figures_for(None)
    assert RegencyFigures.objects.count() == 2
    assert (nation.regencies, nation.villages, nation.ba_active, nation.pmo_active) == (2, 387, 1, 1)
    assert figures.figures_for([sukabumi.pk]).villages == 386


def test_figures_younger_than_the_limit_are_shown_as_they_are_and_older_ones_are_refreshed(settings, sukabumi):
    settings.FIGURES_MAX_AGE = 60
    assert figures.figures_for([sukabumi.pk]).ba_active == 0
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA)
    assert figures.figures_for([sukabumi.pk]).ba_active == 0  # at most 60 s old: not recomputed
    _a_minute_passes()
    fresh = figures.figures_for([sukabumi.pk])
    assert fresh.ba_active == 1 and timezone.now() - fresh.computed_at < timedelta(seconds=5)


def test_while_one_request_refreshes_the_others_read_the_rows_as_they_are(settings, sukabumi):
    settings.FIGURES_MAX_AGE = 60
    figures.figures_for([sukabumi.pk])
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA)
    _a_minute_passes()
    FiguresRefresh.objects.update(claimed_until=timezone.now() + timedelta(seconds=20))  # someone else is at it
    assert figures.figures_for([sukabumi.pk]).ba_active == 0
    FiguresRefresh.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert figures.figures_for([sukabumi.pk]).ba_active == 1  # stale sums are never kept


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
