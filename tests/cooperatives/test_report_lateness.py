"""Lateness is a fact of a report, decided when it is first sent and kept; a PMO report names the team's reports it
would be sent without and keeps the reason."""

import io
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cooperatives import reports, services
from cooperatives.models import MonthlyReport
from cooperatives.selectors import month_start
from mentors.models import Mentor
from offices.services import office_settings_update
from reporting.recap import recap

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def this_month():
    return month_start(timezone.localdate())


def last_month():
    return month_start(this_month() - timedelta(days=1))


def report_url(mentor, month):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": mentor.pk, "month": f"{month:%Y-%m}"})


def at(day, hour=10):
    """A moment of a day in the regency's time (Sukabumi: WIB)."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def now_is(monkeypatch):
    """Make `timezone.now()` (and so `localdate()`) answer a chosen moment: the day a report is sent."""

    def travel(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def send(split, moment, now_is, monkeypatch):
    now_is(moment)
    report = services.report_save(actor=split.ba, mentor=split.ba_mentor, month=last_month(), obstacles="-",
                                  next_month_plan="-", submit=True)
    monkeypatch.undo()
    return report


# --- lateness ------------------------------------------------------------------------------------------------


def test_a_report_sent_two_days_after_its_due_day_is_late_and_stays_late(split, sukabumi, now_is, monkeypatch,
                                                                         client_for, office_user):
    due = reports.due_date(sukabumi, last_month())
    report = send(split, at(due + timedelta(days=2)), now_is, monkeypatch)
    assert (report.sent_late, report.due_on, timezone.localdate(report.first_submitted_at)) == (
        True, due, due + timedelta(days=2))
    # A later change of the due day rewrites nothing; returned and sent again (before the new due day): still late.
    office_settings_update(actor=None, regency=sukabumi, report_due_day=28)
    services.report_review(actor=split.pmo, report=report, accept=False, comment="Lengkapi")
    now_is(at(due + timedelta(days=3)))
    services.report_save(actor=split.ba, mentor=Mentor.objects.get(pk=split.ba_mentor.pk), month=last_month(),
                         obstacles="+", next_month_plan="-", submit=True)
    monkeypatch.undo()
    report.refresh_from_db()
    assert report.sent_late and report.due_on == due and report.status == "submitted"
    page = client_for(office_user).get(report_url(split.ba_mentor, last_month()))
    assert page.context["late"] == "sent" and "dikirim terlambat" in page.text
    listing = client_for(office_user).get(reverse("cooperatives:report_list"), {"month": f"{last_month():%Y-%m}"})
    row = next(m for m in listing.context["page_obj"] if m.pk == split.ba_mentor.pk)
    assert row.late == "sent" and listing.context["counts"]["late_sent"] == 1
    exported = client_for(office_user).get(reverse("cooperatives:report_list"),
                                           {"month": f"{last_month():%Y-%m}", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert [r[3] for r in sheet.iter_rows(values_only=True) if r[0] == split.ba_mentor.full_name] == [
        "terlambat, sudah dikirim"]
    own = client_for(split.ba).get(reverse("cooperatives:report_list"))
    assert "dikirim terlambat" in own.text


def test_a_report_sent_on_its_due_day_is_not_late(split, sukabumi, now_is, monkeypatch):
    due = reports.due_date(sukabumi, last_month())
    report = send(split, at(due, hour=23), now_is, monkeypatch)
    assert not report.sent_late
    assert reports.lateness(report.status, sukabumi, last_month(), sent_late=report.sent_late,
                            today=due + timedelta(days=30)) == ""


def test_lateness_is_decided_in_the_regencys_time(split, sukabumi, now_is, monkeypatch):
    """20:00 UTC on the due day is 03:00 the next morning in WIB: late."""
    due = reports.due_date(sukabumi, last_month())
    assert send(split, datetime.combine(due, time(20), tzinfo=UTC), now_is, monkeypatch).sent_late


def test_the_recap_counts_late_sent_and_late_unsent_reports_apart(split, sukabumi, now_is, monkeypatch):
    month = last_month()
    due = reports.due_date(sukabumi, month)
    send(split, at(due + timedelta(days=2)), now_is, monkeypatch)
    on_time = split.neighbour.mentor
    MonthlyReport.objects.create(mentor=on_time, month=month, status="accepted", sent_late=False)
    figures = recap([sukabumi.pk], month, today=due + timedelta(days=3))["reports"]["ba"]
    assert figures["late_sent"] == 1
    assert figures["late_unsent"] == figures["expected"] - 2
    before_due = recap([sukabumi.pk], month, today=due)["reports"]["ba"]
    assert (before_due["late_sent"], before_due["late_unsent"]) == (1, 0)


def test_the_pmo_report_follows_the_same_rule(split, sukabumi, now_is, monkeypatch):
    due = reports.due_date(sukabumi, last_month())
    now_is(at(due + timedelta(days=2)))
    report = services.report_save(actor=split.pmo, mentor=split.pmo_mentor, month=last_month(), obstacles="",
                                  next_month_plan="", submit=True, send_reason="Tenggat dinas")
    assert report.sent_late


def test_the_migration_backfill_marks_reports_sent_after_their_due_day(split, sukabumi):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("cooperatives.migrations.0009_report_lateness_and_send_reason").backfill_lateness
    month = last_month()
    due = reports.due_date(sukabumi, month)
    late = MonthlyReport.objects.create(mentor=split.ba_mentor, month=month, status="accepted",
                                        submitted_at=at(due + timedelta(days=2)))
    on_time = MonthlyReport.objects.create(mentor=split.neighbour.mentor, month=month, status="submitted",
                                           submitted_at=at(due - timedelta(days=1)))
    draft = MonthlyReport.objects.create(mentor=split.other_territory.mentor, month=month)
    backfill(apps, None)
    for report in (late, on_time, draft):
        report.refresh_from_db()
    assert (late.sent_late, late.due_on) == (True, due)
    assert (on_time.sent_late, on_time.due_on) == (False, due)
    assert (draft.sent_late, draft.first_submitted_at) == (False, None)


# --- the PMO report names the open reports -------------------------------------------------------------------


def test_a_pmo_report_is_not_sent_over_open_team_reports_without_a_reason(split, client_for):
    month = last_month()
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True)
    client = client_for(split.pmo)
    page = client.get(report_url(split.pmo_mentor, month))
    states = {row["ba"].pk: row["state"] for row in page.context["open_reports"]}
    assert states[split.ba_mentor.pk] == "waiting" and states[split.neighbour.mentor.pk] == "missing"
    assert "menunggu pemeriksaan Anda" in page.text and "belum dikirim" in page.text
    refused = client.post(report_url(split.pmo_mentor, month), {"action": "submit", "obstacles": "Analisis",
                                                                "next_month_plan": "", "send_reason": "  "})
    assert refused.status_code == 200 and "Tidak ada yang dikirim" in refused.text
    assert not MonthlyReport.objects.filter(mentor=split.pmo_mentor).exists()
    client.post(report_url(split.pmo_mentor, month), {"action": "submit", "obstacles": "Analisis",
                                                      "next_month_plan": "", "send_reason": "Rapat dinas"})
    report = MonthlyReport.objects.get(mentor=split.pmo_mentor, month=month)
    assert (report.status, report.send_reason) == ("submitted", "Rapat dinas")
    office = client_for(UserFactory(is_superuser=True)).get(report_url(split.pmo_mentor, month))
    assert "Rapat dinas" in office.text


def test_no_warning_when_every_team_report_is_accepted(split, client_for):
    month = last_month()
    for ba in reports.bas_of_pmo(split.pmo_mentor, month):
        MonthlyReport.objects.create(mentor=ba, month=month, status="accepted", submitted_at=timezone.now())
    page = client_for(split.pmo).get(report_url(split.pmo_mentor, month))
    assert page.context["open_reports"] == [] and "send_reason" not in page.context["form"].fields
    services.report_save(actor=split.pmo, mentor=split.pmo_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True)
    assert MonthlyReport.objects.get(mentor=split.pmo_mentor, month=month).status == "submitted"


def test_the_demo_has_reports_sent_late_and_on_time(sukabumi):
    call_command("demo", stdout=io.StringIO())
    month = last_month()
    before = month_start(month - timedelta(days=1))
    sent = MonthlyReport.objects.filter(month=before).exclude(status="draft").select_related("mentor__regency")
    assert sent.filter(sent_late=True).exists() and sent.filter(sent_late=False).exists()
    for report in sent:
        assert report.first_submitted_at <= timezone.now()
        assert report.sent_late == (timezone.localdate(report.first_submitted_at) > report.due_on)
    waiting = MonthlyReport.objects.get(mentor__email__startswith="ba01@", month=month)
    assert waiting.status == "submitted" and waiting.due_on == reports.due_date(sukabumi, month)
