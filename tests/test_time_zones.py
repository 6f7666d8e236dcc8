"""Each regency works in its own time zone (WIB, WITA, WIT): a visit, a report's month and lateness, the reminders,
the figures, scheduled plans, contracts and a photo's time are all read in the regency's zone, whoever looks;
the pages follow the reader's regency. Sukabumi (WIB) is moved to WIT where a test needs a WIT regency.

The clock is frozen by replacing `timezone.now`, as the rest of the suite does."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from lokal import wilayah

from cooperatives import reports, services
from cooperatives.models import Cooperative, MonthlyReport, ReportNotice, Visit
from cooperatives.tasks import report_reminders_send
from mentors.access import access_for
from mentors.models import Mentor
from mentors.tasks import contracts_check
from regions import timezones
from regions.models import Regency
from regions.services import regions_import
from reporting.figures import figures_refresh
from reporting.models import RegencyFigures
from territories import publishing
from territories.models import TerritoryPlan
from toolkit import jobs

from .cooperatives.test_visit_evidence import photo
from .factories import MembershipFactory, MentorFactory, RegencyFactory, UserFactory

pytestmark = pytest.mark.django_db

WIB, WITA, WIT = (ZoneInfo(name) for name in timezones.ZONES)


@pytest.fixture
def now_is(monkeypatch):
    """`timezone.now()` answers the chosen moment (and so `localdate()`, `regency_today()` …)."""

    def travel(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def in_wit(regency):
    Regency.objects.filter(pk=regency.pk).update(time_zone=timezones.WIT)
    regency.refresh_from_db()
    return regency


def visit(split, day, **extra):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    mentor = Mentor.objects.select_related("regency").get(pk=split.ba_mentor.pk)
    return services.visit_create(actor=split.ba, mentor=mentor, cooperative=cooperative, date=day, mode="on_site",
                                 focus_areas=["outlets"], summary="Kunjungan", **extra)


# --- the mapping and the import -------------------------------------------------------------------------------


def test_every_province_of_the_kemendagri_codes_has_the_zone_of_its_clocks():
    zones = {p.code: timezones.zone_for_code(p.code) for p in wilayah.list_wilayah()}
    assert {code for code, name in zones.items() if name == timezones.WITA} == {
        "51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
    assert {code for code, name in zones.items() if name == timezones.WIT} == {
        "81", "82", "91", "92", "93", "94", "95", "96"}
    assert zones["61"] == zones["62"] == zones["32"] == zones["11"] == timezones.WIB
    assert timezones.zone_for_code("97.01") == timezones.WIT  # a Papua province yet to come


def test_the_region_import_gives_each_regency_its_provinces_zone():
    regions_import(regency_code="91.71")  # Kota Jayapura
    assert Regency.objects.get(code="91.71").time_zone == timezones.WIT
    Regency.objects.filter(code="91.71").update(time_zone=timezones.WIB)
    regions_import(regency_code="91.71")  # imported again: the province decides
    assert Regency.objects.get(code="91.71").time_zone == timezones.WIT


def test_the_regency_page_and_the_django_admin_show_its_zone(client_for, superuser, sukabumi):
    client = client_for(superuser)
    page = client.get(reverse("regions:regency_detail", kwargs={"code": sukabumi.code})).content.decode()
    assert "WIB (UTC+7, Asia/Jakarta)" in page
    admin = client.get(reverse("admin:regions_regency_change", args=[sukabumi.pk])).content.decode()
    assert 'name="time_zone"' in admin


# --- whose zone a page is in ----------------------------------------------------------------------------------


def test_a_reader_is_in_their_regencys_zone_and_an_office_across_zones_in_wib(sukabumi, other_regency, superuser):
    mentor = MentorFactory(regency=in_wit(sukabumi), user=UserFactory())
    assert access_for(mentor.user).time_zone == timezones.WIT
    office = UserFactory()
    MembershipFactory(user=office, regency=sukabumi)
    assert access_for(office).time_zone == timezones.WIT
    office = UserFactory()
    MembershipFactory(user=office, regency=sukabumi)
    MembershipFactory(user=office, regency=other_regency)
    assert access_for(office).time_zone == timezones.WIB
    assert access_for(superuser).time_zone == timezones.WIB


def test_a_wit_bas_visit_form_offers_their_own_today_at_half_past_midnight(split, client_for, now_is):
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))  # 30 November 22:30 in Jakarta
    client = client_for(split.ba)
    url = reverse("cooperatives:visit_create_any")
    assert 'max="2026-11-30"' in client.get(url).content.decode()  # a WIB regency: still the 30th
    in_wit(split.ba_mentor.regency)
    assert 'max="2026-12-01"' in client.get(url).content.decode()


# --- visits and reports ---------------------------------------------------------------------------------------


def test_a_wit_visit_at_half_past_midnight_on_the_first_belongs_to_that_month_its_report_and_reminder(
        split, now_is, settings):
    """The issue's case: a WIT regency's BA records a visit at 00:30 local on the 1st."""
    regency = in_wit(split.ba_mentor.regency)
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    recorded = visit(split, date(2026, 12, 1))
    assert recorded.date == date(2026, 12, 1)
    report = services.report_save(actor=split.ba, mentor=split.ba_mentor, month=date(2026, 12, 1), obstacles="-",
                                  next_month_plan="-")
    assert report.month == date(2026, 12, 1)
    snapshot = reports.ba_snapshot(split.ba_mentor, date(2026, 12, 1))
    assert [row["visited"] for row in snapshot["cooperatives"]].count(True) == 1

    # The reminder of December's report goes out on the regency's due day at the configured local hour, once.
    settings.REPORT_REMINDER_DAYS, settings.REPORT_REMINDER_TIME = 0, "07:15"
    due = reports.due_date(regency, date(2026, 12, 1))
    mine = ReportNotice.objects.filter(mentor=split.ba_mentor, kind=ReportNotice.Kind.REMINDER)
    now_is(datetime.combine(due - timedelta(days=1), datetime.min.time(), WIT).replace(hour=23, minute=30))
    report_reminders_send.call()
    now_is(datetime.combine(due, datetime.min.time(), WIT).replace(hour=7, minute=14))
    report_reminders_send.call()
    assert not mine.exists()
    now_is(datetime.combine(due, datetime.min.time(), WIT).replace(hour=7, minute=15))
    result = report_reminders_send.call()
    assert mine.count() == 1 and result["month"] == "2026-12" and timezones.WIT in result["zones"]
    assert timezones.WIB not in result["zones"]  # 05:15 in Jakarta: the WIB regencies wait for their hour
    now_is(datetime.combine(due, datetime.min.time(), WIT).replace(hour=9, minute=15))
    report_reminders_send.call()
    assert mine.count() == 1  # sent once however often the job runs


def test_a_wib_visit_at_the_same_moment_is_still_in_the_future(split, now_is):
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    with pytest.raises(ValidationError, match="date"):
        visit(split, date(2026, 12, 1))
    assert visit(split, date(2026, 11, 30)).date == date(2026, 11, 30)


def test_the_field_apps_visit_is_judged_in_the_regencys_zone(split, client_for, now_is):
    from .cooperatives.test_field_app import FIELD, _data

    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    data = {**_data("a" * 32), "date": "2026-12-01", "follow-0-due_date": "2026-12-08"}
    refused = client_for(split.ba).post(url, data, **FIELD)
    assert refused.status_code == 400 and "masa depan" in str(refused.json()["errors"]) and not Visit.objects.exists()
    in_wit(split.ba_mentor.regency)
    answer = client_for(split.ba).post(url, {**data, "submission": "b" * 32}, **FIELD)
    assert answer.status_code in (200, 201), answer.content
    assert Visit.objects.get().date == date(2026, 12, 1)


def test_a_photos_time_without_a_zone_is_read_in_the_regencys_zone(split, now_is):
    in_wit(split.ba_mentor.regency)
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    recorded = visit(split, date(2026, 12, 1), files=[photo(original="2026:12:01 00:20:00")])
    assert recorded.files.get().taken_at == datetime(2026, 12, 1, 0, 20, tzinfo=WIT)


@pytest.mark.parametrize(("hour", "minute", "late"), [(23, 30, False), (0, 30, True)])
def test_a_report_sent_at_the_edge_of_its_due_day_is_late_by_the_regencys_clock(split, now_is, hour, minute, late):
    regency = in_wit(split.ba_mentor.regency)
    due = reports.due_date(regency, date(2026, 11, 1))
    day = due if hour == 23 else due + timedelta(days=1)
    now_is(datetime.combine(day, datetime.min.time(), WIT).replace(hour=hour, minute=minute))
    report = services.report_save(actor=split.ba, mentor=split.ba_mentor, month=date(2026, 11, 1), obstacles="-",
                                  next_month_plan="-", submit=True)
    assert report.sent_late is late
    assert reports.is_late(None, regency, date(2026, 11, 1)) is late  # a report not sent yet


# --- jobs -------------------------------------------------------------------------------------------------------


def test_an_hourly_job_runs_at_its_minute_of_every_hour():
    at = datetime(2026, 12, 1, 6, 20, tzinfo=WIT)
    assert jobs.next_run("*:15", at) == datetime(2026, 12, 1, 7, 15, tzinfo=WIT)
    assert jobs.next_run("*:15", datetime(2026, 12, 1, 7, 15, tzinfo=WIT)) == datetime(2026, 12, 1, 8, 15,
                                                                                          tzinfo=WIT)
    assert jobs.next_run("*:15", datetime(2026, 12, 1, 7, 10, tzinfo=WIB)) == datetime(2026, 12, 1, 7, 15,
                                                                                          tzinfo=WIB)


def test_the_figures_of_a_wit_regency_turn_to_the_new_month_at_its_own_midnight(sukabumi, other_regency, now_is):
    in_wit(sukabumi)
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    figures_refresh(regency_ids=[sukabumi.pk, other_regency.pk])
    months = dict(RegencyFigures.objects.values_list("regency_id", "month"))
    assert months == {sukabumi.pk: date(2026, 12, 1), other_regency.pk: date(2026, 11, 1)}


def test_a_contract_ends_at_the_end_of_its_day_in_the_mentors_regency(sukabumi, other_regency, now_is):
    east = MentorFactory(regency=in_wit(sukabumi), contract_end=date(2026, 11, 30))
    west = MentorFactory(regency=other_regency, contract_end=date(2026, 11, 30))
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))
    contracts_check.call()
    east.refresh_from_db()
    west.refresh_from_db()
    assert (east.is_active, west.is_active) == (False, True)


def test_a_scheduled_plan_is_taken_up_at_the_start_of_its_day_in_its_regency(sukabumi, now_is):
    in_wit(sukabumi)
    plan = TerritoryPlan.objects.create(regency=sukabumi, name="Rencana Desember", effective_from=date(2026, 12, 1),
                                        status=TerritoryPlan.Status.SCHEDULED)
    now_is(datetime(2026, 11, 30, 23, 30, tzinfo=WIT))
    assert publishing.plans_take_effect() == {"in_force": [], "refused": []}
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIT))  # 30 November 22:30 in Jakarta
    done = publishing.plans_take_effect()
    assert done["in_force"] + done["refused"] == [plan.pk]  # its day came (an empty plan fails its checks)


def test_a_wib_regency_is_unchanged_by_another_regencys_zone(split, other_regency, now_is):
    in_wit(RegencyFactory(code="91.99", name="Kabupaten Timur"))
    now_is(datetime(2026, 11, 30, 23, 30, tzinfo=WIB))
    assert timezones.regency_today(split.ba_mentor.regency) == date(2026, 11, 30)
    assert visit(split, date(2026, 11, 30)).date == date(2026, 11, 30)
    with pytest.raises(ValidationError, match="date"):
        visit(split, date(2026, 12, 1))
    now_is(datetime(2026, 12, 1, 0, 30, tzinfo=WIB))
    assert visit(split, date(2026, 12, 1)).date == date(2026, 12, 1)
    assert MonthlyReport.objects.count() == 0
