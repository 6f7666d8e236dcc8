"""A plan published with a later effective date is scheduled: the plan in force stays until the start of that day,
when the job makes the scheduled one the plan in force (after running the publish checks again)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentors.models import Mentor
from regions.models import Village
from territories import coverage, publishing, services
from territories.models import BaTerritory, PlanChange, TerritoryPlan
from territories.tasks import scheduled_plans_take_effect

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def clock(monkeypatch):
    """Set the portal's clock to a time of day (WIB) of a date: `clock(day, hour, minute)`."""
    def set_to(day, hour=10, minute=0):
        instant = datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)
        monkeypatch.setattr(timezone, "now", lambda: instant)
    return set_to


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def moved(split, admin_user):
    """A copy of the plan in force that gives the first village of `split.ba` to the neighbouring BA, who can sign
    in; returns (draft, village, neighbour's user)."""
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Rencana tahun baru")
    village = Village.objects.get(pk=split.villages[0])
    to = BaTerritory.objects.get(plan=draft, name=split.neighbour.name)
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[village.pk], to=to)
    mentor = split.neighbour.mentor
    mentor.user = UserFactory(email="ba.tetangga@contoh.test", full_name=mentor.full_name)
    mentor.save()
    draft.refresh_from_db()
    return draft, village, mentor.user


def schedule(plan, day, actor=None):
    active = coverage.active_plan(plan.regency)
    return publishing.plan_publish(actor=actor, plan=plan, version=plan.version, effective_from=day,
                                   decree_number="800/12/2026", reviewed_active_id=active.pk)


def holders(village, *days):
    return [coverage.ba_of(village, day) for day in days]


def test_a_plan_scheduled_for_tomorrow_changes_nothing_today_and_everything_tomorrow(
        split, moved, client_for, clock, today):
    draft, village, neighbour = moved
    tomorrow = today + timedelta(days=1)
    clock(today, 10)
    schedule(draft, tomorrow)

    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.SCHEDULED and draft.effective_from == tomorrow
    assert coverage.active_plan(split.plan.regency) == split.plan
    assert client_for(split.ba).get(village.get_absolute_url()).status_code == 200
    assert client_for(neighbour).get(village.get_absolute_url()).status_code == 404
    assert holders(village, today) == [split.ba_mentor]

    clock(today, 23, 59)  # the job runs all day long: not yet
    assert scheduled_plans_take_effect.enqueue().return_value == {"in_force": [], "refused": []}
    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.SCHEDULED

    clock(tomorrow, 0, 5)
    assert scheduled_plans_take_effect.enqueue().return_value == {"in_force": [draft.pk], "refused": []}

    draft.refresh_from_db()
    split.plan.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.ACTIVE and draft.effective_from == tomorrow
    assert split.plan.status == TerritoryPlan.Status.ARCHIVED and split.plan.effective_to == today
    assert client_for(split.ba).get(village.get_absolute_url()).status_code == 404
    assert client_for(neighbour).get(village.get_absolute_url()).status_code == 200
    # Who covered the village on each day stays right across the change.
    assert holders(village, today - timedelta(days=30), today, tomorrow) == [
        split.ba_mentor, split.ba_mentor, split.neighbour.mentor]
    assert list(coverage.plans_in_force_on([split.plan.regency_id], today)) == [split.plan]
    assert list(coverage.plans_in_force_on([split.plan.regency_id], tomorrow)) == [draft]
    assert village.pk in set(coverage.ba_village_ids_on(split.ba_mentor, today).values_list("village_id", flat=True))
    assert village.pk not in set(coverage.ba_village_ids_on(split.ba_mentor, tomorrow).values_list("village_id",
                                                                                                    flat=True))
    history = coverage.village_history(village)
    assert [(row["ba"], row["since"], row["until"]) for row in history[:2]] == [
        (split.neighbour.mentor, tomorrow, None), (split.ba_mentor, split.plan.effective_from, today)]
    # Run again: nothing more to do.
    assert scheduled_plans_take_effect.enqueue().return_value == {"in_force": [], "refused": []}


def test_the_office_schedules_a_plan_from_the_publish_page_and_sees_when_it_takes_effect(
        split, moved, admin_client, today):
    draft, _village, _neighbour = moved
    later = today + timedelta(days=26)
    response = admin_client.post(reverse("territories:plan_publish", kwargs={"pk": draft.pk}), {
        "version": draft.version, "effective_from": later.isoformat(), "decree_number": "800/12/2026",
        "reviewed_active": split.plan.pk, "confirm": "on"}, follow=True)

    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.SCHEDULED
    assert coverage.active_plan(split.plan.regency) == split.plan
    text = response.content.decode()
    assert "terjadwal" in text and f"berlaku mulai {later.day}" in text
    assert reverse("territories:plan_withdraw", kwargs={"pk": draft.pk}) in text


def test_a_scheduled_plan_withdrawn_before_its_date_is_a_draft_again_and_never_takes_effect(
        split, moved, admin_client, clock, today):
    draft, village, _neighbour = moved
    tomorrow = today + timedelta(days=1)
    schedule(draft, tomorrow)

    response = admin_client.post(reverse("territories:plan_withdraw", kwargs={"pk": draft.pk}), follow=True)

    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.DRAFT and draft.effective_from is None
    assert "ditarik" in response.content.decode()
    clock(tomorrow, 0, 5)
    scheduled_plans_take_effect.enqueue()
    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.DRAFT
    assert coverage.active_plan(split.plan.regency) == split.plan
    assert holders(village, tomorrow) == [split.ba_mentor]
    # Being a draft again, it can be changed and published again.
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[village.pk],
                           to=BaTerritory.objects.get(plan=draft, name=split.territory.name))


def test_withdrawing_a_plan_that_is_not_scheduled_changes_nothing(split, admin_client):
    response = admin_client.post(reverse("territories:plan_withdraw", kwargs={"pk": split.plan.pk}), follow=True)
    split.plan.refresh_from_db()
    assert split.plan.status == TerritoryPlan.Status.ACTIVE
    assert "Hanya rencana terjadwal" in response.content.decode()


def test_while_a_plan_is_scheduled_no_other_plan_is_published_or_scheduled(split, moved, today):
    draft, _village, _neighbour = moved
    schedule(draft, today + timedelta(days=10))
    other = services.plan_create(actor=None, regency=split.plan.regency, name="Rencana lain")
    for day in (today, today + timedelta(days=20)):
        other.refresh_from_db()
        with pytest.raises(services.PlanError, match="dijadwalkan berlaku pada"):
            schedule(other, day)
    other.refresh_from_db()
    assert other.status == TerritoryPlan.Status.DRAFT
    assert coverage.active_plan(split.plan.regency) == split.plan


def test_a_scheduled_plan_that_fails_the_checks_on_its_day_stays_scheduled_and_the_office_is_told_once(
        split, moved, clock, today):
    draft, village, _neighbour = moved
    tomorrow = today + timedelta(days=1)
    schedule(draft, tomorrow)
    # Since it was scheduled, the neighbour's contract was cut short: it no longer covers the plan's first day.
    mentor = split.neighbour.mentor
    mentor.contract_end = today
    mentor.save()
    mail.outbox.clear()

    clock(tomorrow, 0, 5)
    assert scheduled_plans_take_effect.enqueue().return_value == {"in_force": [], "refused": [draft.pk]}
    clock(tomorrow, 0, 6)
    scheduled_plans_take_effect.enqueue()  # a minute later: not told again

    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.SCHEDULED
    assert coverage.active_plan(split.plan.regency) == split.plan
    assert holders(village, tomorrow) == [split.ba_mentor]
    assert PlanChange.objects.filter(plan=draft, message=publishing.NOT_IN_FORCE).count() == 1
    assert [message.to for message in mail.outbox] == [["admin@example.test"]]
    assert mentor.full_name in mail.outbox[0].body


def test_a_plan_that_passes_its_checks_only_a_day_late_takes_effect_that_day_and_history_says_so(
        split, moved, clock, today):
    draft, village, _neighbour = moved
    tomorrow, after = today + timedelta(days=1), today + timedelta(days=2)
    schedule(draft, tomorrow)
    mentor = split.neighbour.mentor
    Mentor.objects.filter(pk=mentor.pk).update(contract_end=today)
    clock(tomorrow, 0, 5)
    assert scheduled_plans_take_effect.enqueue().return_value["refused"] == [draft.pk]
    Mentor.objects.filter(pk=mentor.pk).update(contract_end=today + timedelta(days=365))  # renewed

    clock(after, 0, 5)
    assert scheduled_plans_take_effect.enqueue().return_value["in_force"] == [draft.pk]

    draft.refresh_from_db()
    split.plan.refresh_from_db()
    assert draft.effective_from == after and split.plan.effective_to == tomorrow
    assert holders(village, tomorrow, after) == [split.ba_mentor, mentor]


def test_a_scheduled_plan_that_failed_its_checks_can_still_be_withdrawn(split, moved, admin_client, clock, today):
    draft, _village, _neighbour = moved
    tomorrow = today + timedelta(days=1)
    schedule(draft, tomorrow)
    Mentor.objects.filter(pk=split.neighbour.mentor_id).update(contract_end=today)
    clock(tomorrow, 0, 5)
    scheduled_plans_take_effect.enqueue()

    admin_client.post(reverse("territories:plan_withdraw", kwargs={"pk": draft.pk}))

    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.DRAFT
    assert coverage.active_plan(split.plan.regency) == split.plan


def _office_needs(client) -> str:
    page = client.get("/").text
    return page[page.index('id="needs-title"'):]


def test_a_scheduled_plan_that_failed_its_checks_waits_in_the_offices_needs_with_why_until_withdrawn(
        split, moved, admin_client, clock, today):
    draft, _village, _neighbour = moved
    tomorrow = today + timedelta(days=1)
    schedule(draft, tomorrow)
    mentor = split.neighbour.mentor
    Mentor.objects.filter(pk=mentor.pk).update(contract_end=today)
    clock(tomorrow, 0, 5)
    assert draft.name not in _office_needs(admin_client)  # its day, before the job tried
    scheduled_plans_take_effect.enqueue()

    needs = _office_needs(admin_client)
    entry = needs[needs.index(f"“{draft.name}”"):]
    entry = entry[:entry.index("</li>")]
    assert "tidak dapat berlaku" in entry and mentor.full_name in entry  # why: the contract that does not cover it
    assert f'href="{draft.get_absolute_url()}"' in needs[needs.rindex("<li", 0, needs.index(f"“{draft.name}”")):]

    admin_client.post(reverse("territories:plan_withdraw", kwargs={"pk": draft.pk}))
    assert "tidak dapat berlaku" not in _office_needs(admin_client)  # a draft again: listed as a draft to publish


def test_a_failed_scheduled_plan_leaves_the_offices_needs_once_its_problem_is_fixed(
        split, moved, admin_client, clock, today):
    draft, _village, _neighbour = moved
    tomorrow = today + timedelta(days=1)
    schedule(draft, tomorrow)
    Mentor.objects.filter(pk=split.neighbour.mentor_id).update(contract_end=today)
    clock(tomorrow, 0, 5)
    scheduled_plans_take_effect.enqueue()
    assert "tidak dapat berlaku" in _office_needs(admin_client)

    Mentor.objects.filter(pk=split.neighbour.mentor_id).update(contract_end=today + timedelta(days=365))  # renewed
    clock(tomorrow, 0, 6)
    scheduled_plans_take_effect.enqueue()

    assert "tidak dapat berlaku" not in _office_needs(admin_client)
