"""One rule for the month a page opens on: last month until its reports are settled for the reader's scope (every
expected report sent and accepted), then the current month. Checked on the 1st and the 10th of a month, for the
BA, the PMO and the office, in the rule itself and on the pages that open a month."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cooperatives.models import MonthlyReport
from cooperatives.months import month_needing_work
from cooperatives.selectors import month_start
from mentors.models import Mentor

pytestmark = pytest.mark.django_db

THIS_MONTH = month_start(timezone.localdate())
LAST_MONTH = month_start(THIS_MONTH - timedelta(days=1))
FIRST, TENTH = THIS_MONTH, THIS_MONTH.replace(day=10)


def accept(*mentors, month=LAST_MONTH):
    for mentor in mentors:
        MonthlyReport.objects.update_or_create(mentor=mentor, month=month, defaults={"status": "accepted"})


def team_of(split):
    return list(Mentor.objects.filter(ba_territories__plan=split.plan,
                                      ba_territories__pmo_territory__mentor=split.pmo_mentor))


@pytest.fixture
def on_day(monkeypatch):
    """Freeze `timezone.now()` at 10:00 WIB of a day (the pages read "today" from it)."""
    def freeze(day):
        instant = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: instant)
    return freeze


@pytest.mark.parametrize("day", [FIRST, TENTH])
def test_with_nothing_sent_every_role_works_on_last_month(split, office_user, day):
    for user in (split.ba, split.pmo, office_user):
        assert month_needing_work(user, day) == LAST_MONTH


@pytest.mark.parametrize("day", [FIRST, TENTH])
def test_a_ba_moves_on_once_sent_and_comes_back_when_returned_while_the_pmo_stays_until_accepted(split, day):
    report = MonthlyReport.objects.create(mentor=split.ba_mentor, month=LAST_MONTH, status="submitted")
    # Sent: the BA's work is this month's report; the PMO still has last month's to review.
    assert month_needing_work(split.ba, day) == THIS_MONTH
    assert month_needing_work(split.pmo, day) == LAST_MONTH
    MonthlyReport.objects.filter(pk=report.pk).update(status="returned")
    assert month_needing_work(split.ba, day) == LAST_MONTH
    accept(split.ba_mentor)
    assert month_needing_work(split.ba, day) == THIS_MONTH


def test_each_scope_settles_on_its_own(split, office_user):
    team = team_of(split)
    accept(*team)
    # The PMO's own report to the office is part of their month.
    assert month_needing_work(split.pmo, TENTH) == LAST_MONTH
    accept(split.pmo_mentor)
    assert month_needing_work(split.pmo, TENTH) == THIS_MONTH
    # The office waits for every BA and PMO of the regency.
    assert month_needing_work(office_user, TENTH) == LAST_MONTH
    accept(*Mentor.objects.filter(regency=split.plan.regency, is_active=True))
    assert month_needing_work(office_user, TENTH) == THIS_MONTH


def test_the_pages_open_on_the_month_that_needs_work(split, office_user, client_for, on_day):
    on_day(TENTH)
    last = f"{LAST_MONTH:%Y-%m}"
    office = client_for(office_user)
    listing = office.get("/reports/")
    assert listing.context["month"] == LAST_MONTH
    assert f"/recap/?month={last}" in listing.content.decode()
    home = office.get("/")
    assert home.context["month"] == LAST_MONTH and f"/reports/?month={last}" in home.content.decode()

    ba_home = client_for(split.ba).get("/").content.decode()
    assert f"/reports/{split.ba_mentor.pk}/{last}/" in ba_home
    ba_list = client_for(split.ba).get("/reports/")
    assert ba_list.context["current"] == LAST_MONTH
    # This month's report stays one tap away (visits of the running month go into it).
    assert f"/reports/{split.ba_mentor.pk}/{THIS_MONTH:%Y-%m}/" in ba_list.content.decode()
    pmo = client_for(split.pmo)
    assert pmo.get("/reports/").context["month"] == LAST_MONTH
    assert pmo.get("/").context["team"][0]["report_month"] == LAST_MONTH

    accept(*Mentor.objects.filter(regency=split.plan.regency, is_active=True))
    assert client_for(office_user).get("/reports/").context["month"] == THIS_MONTH
    assert client_for(split.pmo).get("/").context["team"][0]["report_month"] == THIS_MONTH
    ba_home = client_for(split.ba).get("/").content.decode()
    assert f"/reports/{split.ba_mentor.pk}/{THIS_MONTH:%Y-%m}/" in ba_home


def test_on_the_first_the_office_home_counts_last_months_reports(split, office_user, client_for, on_day):
    on_day(FIRST)
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=LAST_MONTH, status="submitted")
    home = client_for(office_user).get("/")
    assert home.context["month"] == LAST_MONTH and home.context["reports"]["submitted"] == 1
