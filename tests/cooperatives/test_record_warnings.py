"""Every rule kept as a warning (not confirmed by the programme's public sources) shows where an office sees it: the
warnings box of the cooperative's page, the page of the part, and `check_cooperatives`' output (listed by
default)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from cooperatives import services
from cooperatives.models import BoardMember, Cooperative, FinancingProposal, LandPlot

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    return Cooperative.objects.select_related("village").get(village__code="32.02.01.2002")


def plot(record, **changes):
    village = record.village
    values = {"latitude": village.latitude, "longitude": village.longitude, "area_m2": 1200,
              "title": LandPlot.Title.CERTIFICATE, "disaster_prone": False, "under_power_lines": False,
              "recorded_on": date(2026, 1, 5), **changes}
    return LandPlot.objects.create(cooperative=record, **values)


def board(record, *roles):
    for index, role in enumerate(roles):
        BoardMember.objects.create(cooperative=record, role=role, name=f"Pengurus {index} (fiktif)",
                                   term_start=date(2025, 8, 1))


R = BoardMember.Role
FULL_BOARD = (R.CHAIR, R.VICE_CHAIR, R.VICE_CHAIR, R.SECRETARY, R.TREASURER, R.SUPERVISOR_CHAIR)
WARNINGS = [
    ("land", lambda r: plot(r, area_m2=800), "800 m² di bawah 1000 m²", "800 m² is below the 1000 m²"),
    ("land", lambda r: plot(r, title=LandPlot.Title.NONE), "belum jelas status haknya", "has no clear title"),
    ("land", lambda r: plot(r, disaster_prone=True), "kawasan rawan bencana", "disaster-prone area"),
    ("land", lambda r: plot(r, under_power_lines=True), "jaringan SUTET", "high-voltage lines (SUTET)"),
    ("board", lambda r: board(r, R.CHAIR, R.VICE_CHAIR, R.SECRETARY, R.TREASURER, R.MEMBER, R.SUPERVISOR_CHAIR),
     "dua wakil ketua", "two vice chairs"),
    ("board", lambda r: board(r, R.CHAIR, R.VICE_CHAIR, R.VICE_CHAIR, R.SECRETARY, R.SUPERVISOR_CHAIR),
     "berjumlah ganjil", "odd number of at least five"),
    ("board", lambda r: board(r, *FULL_BOARD[:-1]), "Tidak ada ketua pengawas", "No chair of the supervisors"),
    ("financing", lambda r: FinancingProposal.objects.create(
        cooperative=r, operational_spending=400_000_000, tenor_months=72, submitted_on=date(2026, 1, 5),
        repayment_support=False), "Dana Desa / DAU / DBH untuk pengembalian", "Dana Desa / DAU / DBH for repayment"),
]


@pytest.mark.parametrize("part, make, indonesian, english", WARNINGS)
def test_each_warning_shows_in_the_warnings_box_of_the_cooperative_and_its_part(admin_client, record, part, make,
                                                                                indonesian, english):
    make(record)
    page = admin_client.get(record.get_absolute_url())
    box = page.text.split('id="rules"', 1)
    assert len(box) == 2 and indonesian in box[1].split("</section>", 1)[0], page.context["warnings"]
    part_page = admin_client.get(reverse("cooperatives:cooperative_part", kwargs={"pk": record.pk, "part": part}))
    assert indonesian in part_page.text.split('id="rules"', 1)[1].split("</article>", 1)[0]


@pytest.mark.parametrize("part, make, indonesian, english", WARNINGS)
def test_each_warning_is_listed_by_check_cooperatives_without_a_flag(record, part, make, indonesian, english):
    make(record)
    output = io.StringIO()
    call_command("check_cooperatives", "32.02", stdout=output)
    text = output.getvalue()
    assert "32.02.01.2002" in text and (indonesian in text or english in text), text
    assert "1 with warnings" in text
    quiet = io.StringIO()
    call_command("check_cooperatives", "32.02", "--no-warnings", stdout=quiet)
    assert indonesian not in quiet.getvalue() and english not in quiet.getvalue()


def test_a_record_that_keeps_every_rule_shows_no_warnings_box(admin_client, record):
    plot(record)
    board(record, *FULL_BOARD)  # a pengurus of five (chair, two vice chairs, secretary, treasurer), a supervisor chair
    assert 'id="rules"' not in admin_client.get(record.get_absolute_url()).text
