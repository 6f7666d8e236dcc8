"""The month-end recap scales with the place: the nation is a table of provinces, a province a table of its
regencies, a regency its BAs; a closed month is computed once by the job and again when something dated in it
changes; the Excel download of a large place is streamed."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from cooperatives import services
from cooperatives.models import BusinessUnit, Cooperative, FinancingProposal, Instalment, LandPlot
from cooperatives.selectors import month_start
from mentors.models import Membership
from regions.models import Regency, Village
from reporting import tasks
from reporting.models import RegencyRecap
from reporting.recap import recap_store

from .factories import (
    NOTARY,
    DistrictFactory,
    MembershipFactory,
    ProvinceFactory,
    RegencyFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


def last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def recap_url(**query):
    return reverse("reporting:recap"), {"month": f"{last_month():%Y-%m}", **query}


def _regency(code, province):
    regency = RegencyFactory(code=code, name=f"Kabupaten {code}", province=province)
    VillageFactory(district=DistrictFactory(regency=regency, code=f"{code}.01"), code=f"{code}.01.2001")
    return regency


@pytest.fixture
def elsewhere(db):
    """Two regencies of another province, besides Sukabumi (Jawa Barat)."""
    province = ProvinceFactory(code="73", name="Sulawesi Selatan")
    return [_regency("73.01", province), _regency("73.02", province)]


# --- drill-down ----------------------------------------------------------------------------------------------


def test_a_superuser_lands_on_the_table_of_provinces_and_drills_down_to_a_regencys_bas(
    client_for, superuser, split, sukabumi, elsewhere
):
    client = client_for(superuser)
    nation = client.get(*recap_url())
    assert nation.status_code == 200 and nation.context["level"] == "nation"
    assert [row["code"] for row in nation.context["figures"]["table"]] == ["32", "73"]
    assert 'class="recap-bas' not in nation.text  # never the BA rows of the country on one page
    assert f"?province={sukabumi.province.code}&amp;month=" in nation.text
    province = client.get(*recap_url(province="73"))
    assert [row["code"] for row in province.context["figures"]["table"]] == ["73.01", "73.02"]
    assert "?regency=73.01&amp;month=" in province.text
    regency = client.get(*recap_url(regency="32.02"))
    assert regency.context["level"] == "regency"
    bas = regency.text.split('class="recap-bas')[1].split("</table>")[0]
    assert f'<a href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>' in bas
    # The nation's totals are the sum of its regencies' rows.
    assert nation.context["figures"]["villages"] == Village.objects.count() == 386 + 2
    assert nation.context["figures"]["covered"] == regency.context["figures"]["covered"] == 386


def test_an_office_lands_on_its_regency_and_cannot_open_another_place(client_for, office_user, split, elsewhere):
    client = client_for(office_user)
    page = client.get(*recap_url())
    assert page.status_code == 200 and page.context["level"] == "regency"
    assert page.context["place"] == "Kabupaten Sukabumi"
    assert 'class="breadcrumb' not in page.text  # no place above its own to go to
    assert client.get(*recap_url(regency="73.01")).status_code == 404
    assert client.get(*recap_url(province="73")).status_code == 404
    assert client.get(*recap_url(province="99")).status_code == 404
    assert client.get(*recap_url(regency="73.01", format="xlsx")).status_code == 404
    # Its own province shows only its own regency.
    province = client.get(*recap_url(province="32"))
    assert [row["code"] for row in province.context["figures"]["table"]] == ["32.02"]


def test_a_province_office_lands_on_the_table_of_its_regencies(client_for, elsewhere):
    user = UserFactory(email="provinsi@example.test")
    for regency in elsewhere:
        MembershipFactory(user=user, regency=regency, role=Membership.Role.STAFF)
    page = client_for(user).get(*recap_url())
    assert page.context["level"] == "province"
    assert [row["code"] for row in page.context["figures"]["table"]] == ["73.01", "73.02"]


@pytest.mark.parametrize("persona, status", [("anonymous", 302), ("ba", 403), ("pmo", 403), ("other_admin", 404)])
def test_people_without_the_recap_get_no_table(client_for, split, other_admin, persona, status):
    user = {"anonymous": None, "ba": split.ba, "pmo": split.pmo, "other_admin": other_admin}[persona]
    response = client_for(user).get(*recap_url(regency="32.02"))
    assert response.status_code == status
    if persona != "other_admin":
        assert client_for(user).get(*recap_url(province="32")).status_code == status


# --- the job ---------------------------------------------------------------------------------------------


def test_a_closed_month_is_computed_once_by_the_job_and_again_when_a_late_report_is_sent(split, sukabumi):
    month = last_month()
    tasks.recap_refresh.call()
    row = RegencyRecap.objects.get(regency=sukabumi, month=month)
    assert row.reports["ba"]["sent"] == 0 and not row.stale
    assert RegencyRecap.objects.filter(regency=sukabumi, month=month_start(timezone.localdate())).exists()
    computed = row.computed_at
    tasks.recap_refresh.call()  # nothing changed: not computed again
    assert RegencyRecap.objects.get(regency=sukabumi, month=month).computed_at == computed
    services.report_save(
        actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="-", next_month_plan="-", submit=True
    )  # sent after its month: the month's row is computed again
    row.refresh_from_db()
    assert row.reports["ba"]["sent"] == 1 and not row.stale and row.computed_at > computed


def test_a_visit_recorded_late_into_a_closed_month_recomputes_it(split, sukabumi):
    month = last_month()
    recap_store([sukabumi.pk], month)
    row = RegencyRecap.objects.get(regency=sukabumi, month=month)
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    services.visit_create(
        actor=split.ba,
        mentor=split.ba_mentor,
        cooperative=cooperative,
        date=month + timedelta(1),
        mode="phone",
        focus_areas=["training"],
        summary="x",
        follow_ups=[("Tindak", month + timedelta(days=2))],
    )
    row.refresh_from_db()
    assert (row.visits, row.not_visited, row.overdue) == (1, 385, 1)
    ba = next(r for r in row.ba_rows if r["mentor"] == split.ba_mentor.pk)
    assert (ba["visits"], ba["cooperatives"]) == (1, 1)


def test_the_page_of_a_regency_shows_its_kept_row_of_a_closed_month(client_for, office_user, split, sukabumi):
    month = last_month()
    recap_store([sukabumi.pk], month)
    RegencyRecap.objects.filter(regency=sukabumi, month=month).update(visits=4242)
    assert client_for(office_user).get(*recap_url()).context["figures"]["visits"] == 4242


# --- the workbook ------------------------------------------------------------------------------------------


def _workbook(response):
    assert isinstance(response, StreamingHttpResponse) and response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_national_workbook_is_streamed_and_holds_every_ba_row(client_for, superuser, split, sukabumi, elsewhere):
    recap_store(Regency.objects.values_list("pk", flat=True), last_month())
    book = _workbook(client_for(superuser).get(*recap_url(format="xlsx")))
    assert book.sheetnames == ["Rekap", "Provinsi", "Kunjungan per BA"]
    assert [row[0] for row in book["Provinsi"].iter_rows(min_row=2, values_only=True)] == ["32", "73"]
    bas = list(book["Kunjungan per BA"].iter_rows(min_row=2, values_only=True))
    assert len(bas) == 39 and {row[0] for row in bas} == {"32.02"}


def test_the_regency_workbook_keeps_its_bas_readiness_and_every_cooperative_not_visited(client_for, office_user, split):
    book = _workbook(client_for(office_user).get(*recap_url(format="xlsx")))
    figures = [row[0] for row in book["Rekap"].iter_rows(min_row=2, values_only=True)]
    assert any(str(label).startswith("Kesiapan pembiayaan") for label in figures)
    assert len(list(book["Kunjungan per BA"].iter_rows(min_row=2))) == 39
    assert len(list(book["Tidak dikunjungi"].iter_rows(min_row=2))) == 386


# --- queries -----------------------------------------------------------------------------------------------


def test_the_tables_answer_in_the_same_queries_for_one_regency_and_for_three(
    client_for, superuser, sukabumi, count_queries
):
    month = last_month()
    province = ProvinceFactory(code="73", name="Sulawesi Selatan")
    recap_store([sukabumi.pk, _regency("73.01", province).pk], month)
    client = client_for(superuser)
    count_queries.get(client, *recap_url())  # the session's first request (sign-in checks) is not measured
    with count_queries() as one:
        first = count_queries.get(client, *recap_url(province="73"))
    with count_queries() as nation_before:
        count_queries.get(client, *recap_url())
    recap_store([_regency("73.02", province).pk, _regency("73.03", province).pk], month)
    with count_queries() as three:
        second = count_queries.get(client, *recap_url(province="73"))
    with count_queries() as nation_after:
        nation = count_queries.get(client, *recap_url())
    assert (len(first.context["figures"]["table"]), len(second.context["figures"]["table"])) == (1, 3)
    assert nation.context["figures"]["villages"] == 386 + 3
    count_queries.assert_same(one, three, most=12)
    count_queries.assert_same(nation_before, nation_after, most=12)


def test_a_new_report_due_day_recomputes_last_months_kept_recap(client_for, admin_user, split, sukabumi):
    month = last_month()
    recap_store([sukabumi.pk], month)
    client = client_for(admin_user)
    version = client.get("/dashboard/limits/32.02/").context["version"]
    saved = client.post(
        "/dashboard/limits/32.02/",
        {
            "ba_target_min": 8,
            "ba_target_max": 14,
            "recency_amber_days": 45,
            "recency_red_days": 90,
            "report_due_day": 27,
            "ba_span_max_km": 25,
            "version": version,
        },
    )
    assert saved.status_code == 302
    assert RegencyRecap.objects.get(regency=sukabumi, month=month).due_on == month_start(timezone.localdate()).replace(
        day=27
    )


def test_a_stage_change_back_dated_into_a_closed_month_recomputes_it(split, sukabumi, admin_user):
    month = last_month()
    recap_store([sukabumi.pk], month)
    before = RegencyRecap.objects.get(regency=sukabumi, month=month).stages
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    services.cooperative_update(
        actor=admin_user,
        cooperative=cooperative,
        version=None,
        stage="notary_deed",
        stage_reached_on=month + timedelta(days=3),
        **NOTARY,
    )
    after = RegencyRecap.objects.get(regency=sukabumi, month=month).stages
    assert after["notary_deed"] == before["notary_deed"] + 1
    assert after[cooperative.stage] == before[cooperative.stage] - 1


# --- land, outlet construction and financing ---------------------------------------------------------------------


def _crafted(province):
    """A regency of three cooperatives with land, outlets and financing dated in last month and after its end. At the
    month's end: land of 2 cooperatives (2,000 m², 1 clear title, 1 building handed over), 3 units built and 1
    operating, 4 proposals made, 2 approved (Rp 1.5 bn), 2 disbursed (Rp 1.4 bn), 1 cooperative in arrears."""
    month = last_month()
    regency = _regency("73.05", province)
    district = regency.districts.get()
    a, b, c = (
        Cooperative.objects.create(
            village=VillageFactory(district=district, code=f"73.05.01.200{i}"), name=f"KDMP Uji {i}"
        )
        for i in (2, 3, 4)
    )
    on, after = (lambda days: month + timedelta(days=days)), month_start(timezone.localdate())

    def plot(cooperative, recorded_on, area, title, **values):
        LandPlot.objects.create(
            cooperative=cooperative,
            latitude="-5.1",
            longitude="119.4",
            area_m2=area,
            title=title,
            recorded_on=recorded_on,
            **values,
        )

    plot(a, on(1), 1200, "certificate", programme_status="handed_over", handed_over_on=on(10))
    plot(b, on(2), 800, "none")
    plot(c, after, 5000, "asset_record")  # recorded after the month's end
    BusinessUnit.objects.create(cooperative=a, kind="sembako", status="built", construction_started_on=on(2))
    BusinessUnit.objects.create(cooperative=a, kind="pharmacy", status="operating", opened_on=on(3))
    BusinessUnit.objects.create(
        cooperative=b, kind="sembako", status="operating", construction_started_on=on(1), opened_on=after
    )  # built by month end, open only after it
    BusinessUnit.objects.create(cooperative=c, kind="sembako", status="planned")

    def proposal(cooperative, submitted_on, **values):
        return FinancingProposal.objects.create(
            cooperative=cooperative,
            operational_spending=500_000_000,
            capital_spending=1_000_000_000,
            tenor_months=72,
            submitted_on=submitted_on,
            **values,
        )

    disbursed = proposal(
        a,
        on(1),
        status="disbursed",
        decided_on=on(5),
        approved_amount=1_000_000_000,
        disbursed_on=on(6),
        disbursed_amount=900_000_000,
    )
    Instalment.objects.create(proposal=disbursed, number=1, due_on=on(7), amount=10_000_000)  # unpaid: arrears
    proposal(b, on(2), status="approved", decided_on=after, approved_amount=700_000_000)  # approved after month end
    proposal(c, on(3), status="refused", decided_on=on(4))
    paid = proposal(
        c,
        on(1),
        status="disbursed",
        decided_on=on(1),
        approved_amount=500_000_000,
        disbursed_on=on(2),
        disbursed_amount=500_000_000,
    )
    Instalment.objects.create(
        proposal=paid, number=1, due_on=on(8), amount=10_000_000, paid_amount=10_000_000, paid_on=on(8)
    )
    proposal(c, after)  # made after the month's end
    return regency


CRAFTED = {
    "land_cooperatives": 2,
    "land_area": 2000,
    "land_titled": 1,
    "units_built": 3,
    "units_operating": 1,
    "handed_over": 1,
    "proposals": 4,
    "approved": 2,
    "approved_amount": 1_500_000_000,
    "disbursed": 2,
    "disbursed_amount": 1_400_000_000,
    "arrears": 1,
}


def test_a_regencys_land_outlet_and_financing_figures_are_those_of_the_month_end(client_for, superuser):
    regency = _crafted(ProvinceFactory(code="73", name="Sulawesi Selatan"))
    page = client_for(superuser).get(*recap_url(regency="73.05"))
    assert page.context["figures"]["programme"] == CRAFTED
    assert RegencyRecap.objects.get(regency=regency, month=last_month()).programme == CRAFTED
    assert '<tr id="recap-approved_amount"><th>Pembiayaan disetujui (Rp)</th><td class="num">1.500.000.000</td>' in (
        page.text
    )
    # A payment after the month's end does not take the instalment out of that month's arrears.
    Instalment.objects.filter(due_on=last_month() + timedelta(days=7)).update(
        paid_amount=10_000_000, paid_on=month_start(timezone.localdate())
    )
    recap_store([regency.pk], last_month())
    assert RegencyRecap.objects.get(regency=regency, month=last_month()).programme["arrears"] == 1


def test_the_province_table_sums_its_regencies_figures_and_a_row_kept_before_them_shows_a_dash(client_for, superuser):
    province = ProvinceFactory(code="73", name="Sulawesi Selatan")
    crafted, other = _crafted(province), _regency("73.01", province)
    recap_store([crafted.pk, other.pk], last_month())
    client = client_for(superuser)
    figures = client.get(*recap_url(province="73")).context["figures"]
    assert figures["programme"] == CRAFTED
    assert [row["programme"]["proposals"] for row in figures["table"]] == [0, 4]
    # A row kept before these figures were counted: the sums say "–", not a figure short of that regency's.
    RegencyRecap.objects.filter(regency=other).update(programme={})
    page = client.get(*recap_url(province="73"))
    assert set(page.context["figures"]["programme"].values()) == {None}
    assert '<tr id="recap-proposals"><th>Usulan pembiayaan diajukan</th><td class="num">–</td>' in page.text


def test_both_workbooks_hold_the_land_outlet_and_financing_figures(client_for, superuser):
    province = ProvinceFactory(code="73", name="Sulawesi Selatan")
    crafted = _crafted(province)
    recap_store([crafted.pk], last_month())
    client = client_for(superuser)
    regency = _workbook(client.get(*recap_url(regency="73.05", format="xlsx")))
    summary = dict(regency["Rekap"].iter_rows(min_row=2, values_only=True))
    assert summary["Koperasi yang memiliki lahan"] == 2
    assert summary["Pembiayaan dicairkan (Rp)"] == 1_400_000_000
    assert summary["Koperasi dengan angsuran menunggak"] == 1
    assert any(str(label).startswith("Kesiapan pembiayaan") for label in summary)  # every row it had is kept
    assert len(list(regency["Tidak dikunjungi"].iter_rows(min_row=2))) == 3
    table = _workbook(client.get(*recap_url(province="73", format="xlsx")))
    assert dict(table["Rekap"].iter_rows(min_row=2, values_only=True))["Usulan pembiayaan disetujui"] == 2
    headers, *rows = table.worksheets[1].iter_rows(values_only=True)
    assert dict(zip(headers, rows[0], strict=True))["Pembiayaan disetujui (Rp)"] == 1_500_000_000


def test_a_regencys_figures_take_the_same_statements_with_one_cooperative_and_with_three(count_queries):
    province = ProvinceFactory(code="73", name="Sulawesi Selatan")
    small, crafted = _regency("73.01", province), _crafted(province)
    Cooperative.objects.create(village=small.districts.get().villages.get(), name="KDMP Sendiri")
    with count_queries() as one:
        recap_store([small.pk], last_month())
    with count_queries() as three:
        recap_store([crafted.pk], last_month())
    count_queries.assert_same(one, three, most=30)


def test_a_payment_or_a_plot_dated_back_into_a_closed_month_recomputes_its_figures(superuser):
    month = last_month()
    regency = _crafted(ProvinceFactory(code="73", name="Sulawesi Selatan"))
    recap_store([regency.pk], month)
    row = RegencyRecap.objects.get(regency=regency, month=month)
    instalment = Instalment.objects.get(due_on=month + timedelta(days=7))
    services.instalment_pay(
        actor=superuser,
        cooperative=instalment.proposal.cooperative,
        instalment=instalment,
        amount=10_000_000,
        paid_on=month + timedelta(days=9),
    )
    row.refresh_from_db()
    assert row.programme["arrears"] == 0 and not row.stale
    plot = LandPlot.objects.get(recorded_on=month_start(timezone.localdate()))
    services.part_save(
        actor=superuser, cooperative=plot.cooperative, part=plot, values={"recorded_on": month + timedelta(days=4)}
    )
    row.refresh_from_db()
    assert (row.programme["land_cooperatives"], row.programme["land_area"]) == (3, 7000)
