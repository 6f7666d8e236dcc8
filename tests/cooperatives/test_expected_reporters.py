"""Only a BA whose territory in force holds villages is expected to report: an active BA without one is not in the
report lists and their missing counts, the month-end recap, the office's figures or the reminders."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cooperatives import reports, selectors
from cooperatives.selectors import month_start
from mentors.models import Mentor
from reporting.figures import figures_refresh
from reporting.models import RegencyFigures
from reporting.recap import recap

from ..factories import MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def test_an_active_ba_without_a_territory_is_not_expected_to_report(split, sukabumi, office_user):
    idle = MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="BA Tanpa Wilayah",
                         user=UserFactory(email="tanpa.wilayah@contoh.test"))
    month = last_month()
    assert idle not in selectors.report_rows(office_user, month)
    counts = selectors.report_status_counts(office_user, month)
    expected = Mentor.objects.filter(regency=sukabumi, role="ba", is_active=True).count() - 1
    assert counts["missing"] == expected
    assert recap([sukabumi.pk], month)["reports"]["ba"]["expected"] == expected
    mail.outbox.clear()
    due = reports.due_date(sukabumi, month)
    call_command("send_report_reminders", "--today", (due + timedelta(days=1)).isoformat(), stdout=io.StringIO())
    told = {address for message in mail.outbox for address in message.to}
    assert split.ba.email in told and "tanpa.wilayah@contoh.test" not in told
    figures_refresh(regency_ids=[sukabumi.pk], today=due + timedelta(days=1))
    assert RegencyFigures.objects.get(regency=sukabumi).reports_late == expected
