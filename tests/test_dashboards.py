"""Dashboards, "needs you now" and the map: the figures agree with the raw rows, each role sees only its scope,
waiting work shows up on the home pages, every table exports."""

import io
import json
import random
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from cooperatives import services as registry
from cooperatives.models import Cooperative, FollowUp, MonthlyReport, Stage, StageChange, Visit
from cooperatives.selectors import month_start
from mentors.models import Mentor
from offices.models import OfficeSettings
from offices.services import office_settings_update
from regions.models import Boundary, Regency, Village
from reporting import dashboards
from reporting.figures import figures_refresh
from reporting.models import MonthlyFigures, RegencyFigures
from territories import services as plans
from territories.models import BaTerritory, BaVillage

from .factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def seeded(split, sukabumi):
    """Stages, visits at every age, overdue and open follow-ups and a BA without a contract any more, spread over
    the whole regency with a fixed seed."""
    rng = random.Random(7)
    today = TODAY()
    Village.objects.filter(district__regency=sukabumi).update(latitude="-7.0", longitude="106.7")
    cooperatives = list(Cooperative.objects.filter(village__district__regency=sukabumi).order_by("pk"))
    for cooperative in cooperatives:
        cooperative.stage = rng.choice(Stage.values)
    Cooperative.objects.bulk_update(cooperatives, ["stage"])
    mentor = split.ba_mentor
    visits = []
    for cooperative in rng.sample(cooperatives, 250):
        for _ in range(rng.randint(1, 3)):
            day = today - timedelta(days=rng.randint(0, 200))
            visits.append(Visit(cooperative=cooperative, mentor=mentor, date=day, summary="Kunjungan",
                                focus_areas=["training"]))
    Visit.objects.bulk_create(visits)
    for visit in rng.sample(list(Visit.objects.all()), 60):
        due = today + timedelta(days=rng.randint(-20, 20))
        FollowUp.objects.create(visit=visit, action="Tindak lanjut", due_date=due, done=rng.random() < 0.3)
    for cooperative in rng.sample(cooperatives, 30):
        StageChange.objects.create(cooperative=cooperative, stage=cooperative.stage,
                                   reached_on=today - timedelta(days=rng.randint(0, 300)))
    # A BA whose account is deactivated: their villages count as not covered.
    quiet = Mentor.objects.filter(ba_territories__plan=split.plan).exclude(pk=split.ba_mentor.pk).order_by("pk")[5]
    quiet.is_active = False
    quiet.save()
    return split


def _raw_figures(regency, today):
    """The dashboard's figures counted again, the slow way, from the rows themselves."""
    limits = OfficeSettings.of(regency)
    amber, red = today - timedelta(days=limits.recency_amber_days), today - timedelta(days=limits.recency_red_days)
    since = today - timedelta(days=30)
    districts = {}
    for village in Village.objects.filter(district__regency=regency).select_related("district"):
        row = districts.setdefault(village.district.name, {
            "villages": 0, "covered": 0, "bas": set(), "cooperatives": 0, "operating": 0, "visits": 0,
            "visited": set(), "last": None, "overdue": 0})
        row["villages"] += 1
    for link in BaVillage.objects.filter(plan__regency=regency, plan__status="active").select_related(
            "village__district", "ba_territory__mentor"):
        mentor = link.ba_territory.mentor
        if mentor is not None and mentor.is_active:
            districts[link.village.district.name]["covered"] += 1
            districts[link.village.district.name]["bas"].add(mentor.pk)
    buckets = {"green": 0, "amber": 0, "red": 0}
    stages = dict.fromkeys(Stage.values, 0)
    cooperatives = Cooperative.objects.filter(village__district__regency=regency).select_related("village__district")
    for cooperative in cooperatives:
        row = districts[cooperative.village.district.name]
        row["cooperatives"] += 1
        row["operating"] += cooperative.stage == Stage.OPERATING
        stages[cooperative.stage] += 1
        dates = [v.date for v in cooperative.visits.all()]
        last = max(dates, default=None)
        buckets["green" if last and last > amber else "amber" if last and last > red else "red"] += 1
        if last and (row["last"] is None or last > row["last"]):
            row["last"] = last
        recent = [d for d in dates if since < d <= today]
        row["visits"] += len(recent)
        if recent:
            row["visited"].add(cooperative.pk)
        row["overdue"] += sum(1 for f in FollowUp.objects.filter(visit__cooperative=cooperative)
                              if not f.done and f.due_date < today)
    return districts, buckets, stages


def test_office_dashboard_figures_equal_those_counted_from_the_raw_rows(seeded, sukabumi, admin_user, client_for):
    today = TODAY()
    response = client_for(admin_user).get("/dashboard/")
    assert response.status_code == 200
    districts, buckets, stages = _raw_figures(sukabumi, today)
    rows = {row["name"]: row for row in response.context["breakdown"]}
    assert set(rows) == set(districts)
    for name, raw in districts.items():
        row = rows[name]
        assert (row["villages"], row["villages_covered"], row["bas"], row["cooperatives"], row["stage_operating"],
                row["visits_30_days"], row["follow_ups_overdue"]) == (
            raw["villages"], raw["covered"], len(raw["bas"]), raw["cooperatives"], raw["operating"], raw["visits"],
            raw["overdue"]), name
        assert row["visited_share"] == (round(100 * len(raw["visited"]) / raw["cooperatives"])
                                        if raw["cooperatives"] else None)
        assert row["days_since_visit"] == ((today - raw["last"]).days if raw["last"] else None)
    assert {row["key"]: row["count"] for row in response.context["recency"]} == buckets
    # "Visited in the last 30 days" says the same in the key figures, the table and the recency buckets.
    assert buckets["green"] == sum(len(raw["visited"]) for raw in districts.values())
    assert {row["stage"]: row["count"] for row in response.context["funnel"]} == stages
    covered = sum(raw["covered"] for raw in districts.values())
    coverage = response.context["key_figures"][0]
    assert coverage.value == round(100 * covered / 386) and covered < 386
    assert f"{covered} dari 386" in response.content.decode() or f"{covered} of 386" in response.content.decode()


def test_the_trend_counts_the_visits_and_stage_changes_of_each_month(seeded, sukabumi, admin_user, client_for):
    response = client_for(admin_user).get("/dashboard/")
    trend = {row["month"]: row for row in response.context["trend"]}
    assert len(trend) == 12
    for month, row in trend.items():
        end = (month + timedelta(days=32)).replace(day=1)
        assert row["visits"] == Visit.objects.filter(date__gte=month, date__lt=end).count(), month
        assert row["stage_changes"] == StageChange.objects.filter(reached_on__gte=month, reached_on__lt=end).count()


def test_recency_limits_are_the_regencys_own(seeded, sukabumi, admin_user, client_for):
    client = client_for(admin_user)
    before = {row["key"]: row["count"] for row in client.get("/dashboard/").context["recency"]}
    office_settings_update(actor=None, regency=sukabumi, recency_amber_days=90, recency_red_days=150)
    figures_refresh(regency_ids=[sukabumi.pk])  # what the refresh job (or saving the limits' page) does
    after = client.get("/dashboard/")
    counts = {row["key"]: row["count"] for row in after.context["recency"]}
    assert counts["green"] > before["green"] and sum(counts.values()) == sum(before.values())
    assert "90" in after.context["recency"][0]["label"]


def test_key_figures_show_the_change_since_last_months_end(seeded, sukabumi, admin_user, client_for):
    client = client_for(admin_user)
    first = client.get("/dashboard/").context["key_figures"]
    assert first[1].change is None  # no figure was kept for last month
    last_month = month_start(month_start(TODAY()) - timedelta(days=1))
    MonthlyFigures.objects.update_or_create(regency=sukabumi, month=last_month, defaults={
        "recorded": True, "villages_covered": 300, "cooperatives": 386, "stage_operating": 10, "ba_active": 30,
        "pmo_active": 2})
    figures = {f.label: f for f in client.get("/dashboard/").context["key_figures"]}
    operating = Cooperative.objects.filter(stage=Stage.OPERATING).count()
    assert figures["koperasi beroperasi"].change == operating - 10
    assert figures["BA aktif"].change == Mentor.objects.filter(role="ba", is_active=True).count() - 30


def test_the_breakdown_sorts_by_any_column_and_links_to_the_filtered_registry(seeded, admin_user, client_for):
    client = client_for(admin_user)
    rows = client.get("/dashboard/", {"sort": "-visits_30_days"}).context["breakdown"]
    visits = [row["visits_30_days"] for row in rows]
    assert visits == sorted(visits, reverse=True)
    assert client.get("/dashboard/", {"sort": "drop table"}).context["sort"] == "name"
    registry_page = client.get(rows[0]["registry_url"])
    names = {c.village.district.name for c in registry_page.context["page_obj"]}
    assert names == {rows[0]["name"]}


@pytest.mark.parametrize("table", ["breakdown", "funnel", "trend", "workload", "recency"])
def test_every_office_table_exports_the_rows_the_page_shows(table, seeded, admin_user, client_for):
    client = client_for(admin_user)
    page = client.get("/dashboard/", {"sort": "-follow_ups_overdue"})
    response = client.get(f"/dashboard/{table}.xlsx", {"sort": "-follow_ups_overdue"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    if table == "breakdown":
        assert [row[1] for row in rows] == [row["name"] for row in page.context["breakdown"]]
    elif table == "recency":
        listed = page.context["recency"]
        assert len(rows) == sum(row["count"] for row in listed if row["key"] != "green")
    elif table == "workload":
        assert len(rows) == 39
    else:
        assert len(rows) == len(page.context[table])


def test_an_unknown_table_or_one_of_another_role_is_not_found(seeded, client_for):
    client = client_for(seeded.ba)
    assert client.get("/dashboard/nothing.xlsx").status_code == 404
    assert client.get("/dashboard/workload.xlsx").status_code == 404
    assert client.get("/dashboard/recency.xlsx").status_code == 200


def test_the_recency_export_reads_the_list_alone_and_only_where_the_dashboard_shows_one(
        seeded, superuser, client_for, count_queries):
    client = client_for(superuser)
    with count_queries() as run:
        response = count_queries.get(client, "/dashboard/recency.xlsx", {"regency": "32.02"})
    # No figure, breakdown, workload or trend of the dashboard is computed for the list.
    assert run.captured_queries
    assert not [q["sql"] for q in run.captured_queries if "reporting_" in q["sql"] or "COUNT(" in q["sql"]]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    page = client.get("/dashboard/", {"regency": "32.02"})
    assert len(rows) == sum(row["count"] for row in page.context["recency"] if row["key"] != "green") > 0
    assert [row[0] for row in rows[:len(page.context["recency_list"])]] == [
        row["village"] for row in page.context["recency_list"]]
    assert count_queries.get(client, "/dashboard/recency.xlsx", {"province": "32"}, status=404)
    assert count_queries.get(client, "/dashboard/recency.xlsx", status=404)  # the nation


def _scope_codes(villages):
    return set(Village.objects.filter(pk__in=villages).values_list("code", flat=True))


def test_a_ba_sees_only_their_own_villages_on_the_dashboard_and_the_map(seeded, sukabumi, client_for):
    client = client_for(seeded.ba)
    mine = _scope_codes(seeded.villages)
    data = client.get("/map/data/").json()
    assert {v["code"] for v in data["villages"]} == mine
    # Asking for the whole regency or another district changes nothing.
    assert {v["code"] for v in client.get("/map/data/", {"regency": "32.02"}).json()["villages"]} == mine
    page = client.get("/dashboard/", {"regency": "32.02"})
    my_districts = set(Village.objects.filter(code__in=mine).values_list("district__name", flat=True))
    assert {row["name"] for row in page.context["breakdown"]} == my_districts
    assert sum(row["villages"] for row in page.context["breakdown"]) == len(mine)
    assert {row["code"] for row in page.context["recency_list"]} <= mine
    others = Village.objects.filter(district__regency=sukabumi).exclude(code__in=mine).exclude(
        district__name__in=my_districts)
    names_inside = set(Village.objects.filter(code__in=mine).values_list("name", flat=True)) | my_districts
    outside = [v for v in others if not any(v.name in n or n in v.name for n in names_inside)][:20]
    content = page.content.decode() + json.dumps(data)
    assert outside and not [v.name for v in outside if v.name in content]
    assert not [v.code for v in outside if v.code in content]


def test_a_pmo_sees_only_their_districts_and_their_team(seeded, sukabumi, client_for):
    client = client_for(seeded.pmo)
    territory = seeded.territory.pmo_territory
    districts = set(territory.district_links.values_list("district__name", flat=True))
    codes = set(Village.objects.filter(district__name__in=districts, district__regency=sukabumi)
                .values_list("code", flat=True))
    data = client.get("/map/data/").json()
    assert {v["code"] for v in data["villages"]} == codes
    assert {t["mentor"] for t in data["territories"]} == set(
        territory.ba_territories.values_list("mentor__full_name", flat=True))
    page = client.get("/dashboard/")
    assert {row["name"] for row in page.context["breakdown"]} == districts
    team = {row["mentor"].full_name for row in page.context["team"]}
    assert team == set(territory.ba_territories.values_list("mentor__full_name", flat=True))
    assert seeded.other_territory.mentor.full_name not in page.content.decode()


def test_map_data_draws_polygons_where_boundaries_exist_and_points_elsewhere(seeded, sukabumi, admin_user,
                                                                             client_for):
    villages = list(Village.objects.filter(district__regency=sukabumi).order_by("code")[:3])
    Village.objects.filter(district__regency=sukabumi).update(latitude=None, longitude=None)
    Village.objects.filter(pk=villages[0].pk).update(latitude="-7.0", longitude="106.5")
    Boundary.objects.create(code=villages[1].code, geometry={}, outline={
        "type": "Polygon", "coordinates": [[[106.5, -7.0], [106.6, -7.0], [106.6, -7.1], [106.5, -7.0]]]})
    data = client_for(admin_user).get("/map/data/", {"regency": "32.02"}).json()
    by_code = {v["code"]: v for v in data["villages"]}
    assert by_code[villages[0].code]["point"] == [-7.0, 106.5] and by_code[villages[0].code]["shape"] is None
    assert by_code[villages[1].code]["shape"]["type"] == "Polygon"
    assert villages[2].code not in by_code and data["missing"] == 384
    drawn = BaVillage.objects.filter(plan=seeded.plan, village__in=villages[:2]).values_list("ba_territory__name",
                                                                                            flat=True)
    assert {t["name"] for t in data["territories"]} == set(drawn) and len(data["stages"]) == len(Stage.values)


def test_map_data_shows_each_cooperatives_stage_and_last_visit_date(seeded, sukabumi, admin_user, client_for):
    villages = list(Village.objects.filter(district__regency=sukabumi).order_by("code")[:3])
    Village.objects.filter(pk__in=[v.pk for v in villages]).update(latitude="-7.0", longitude="106.5")
    cooperatives = {c.village_id: c for c in Cooperative.objects.filter(village__in=villages)}
    day = TODAY() - timedelta(days=3)
    for village in villages[:2]:
        cooperatives[village.pk].visits.all().delete()
        Visit.objects.create(cooperative=cooperatives[village.pk], mentor=seeded.ba_mentor, date=day,
                             focus_areas=["training"], summary="-")
    Cooperative.objects.filter(pk=cooperatives[villages[0].pk].pk).update(stage=Stage.OPERATING)
    Cooperative.objects.filter(pk=cooperatives[villages[1].pk].pk).update(stage=Stage.NOTARY_DEED)
    data = client_for(admin_user).get("/map/data/", {"regency": "32.02"}).json()
    by_code = {v["code"]: v for v in data["villages"]}
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
              "November", "Desember"]
    shown = f"{day.day} {months[day.month - 1]} {day.year}"  # in Indonesian, the default language
    first, second = by_code[villages[0].code], by_code[villages[1].code]
    assert first["last_visit"] == second["last_visit"] == shown and first["recency"] == "green"
    assert first["stage"] == Stage.values.index(Stage.OPERATING) == len(Stage.values) - 1
    assert second["stage"] == Stage.values.index(Stage.NOTARY_DEED) == 1
    assert first["cooperative"] == cooperatives[villages[0].pk].pk


def test_the_map_page_says_which_command_imports_missing_coordinates(split, sukabumi, admin_user, client_for):
    Village.objects.filter(district__regency=sukabumi).update(latitude=None, longitude=None)
    page = client_for(admin_user).get("/map/")
    assert "import_geometry" in page.content.decode()


def test_an_office_cannot_open_another_regencys_dashboard_or_map(seeded, other_admin, client_for):
    client = client_for(other_admin)
    assert client.get("/dashboard/", {"regency": "32.02"}).status_code == 404
    assert client.get("/map/data/", {"regency": "32.02"}).status_code == 404
    assert client.get("/map/data/", {"plan": seeded.plan.pk}).status_code == 404
    assert client.get("/map/data/", {"plan": "x"}).status_code == 404
    assert "Cianjur" in client.get("/dashboard/").content.decode()


def test_someone_with_no_role_is_refused_the_dashboard_and_the_map(sukabumi, client_for):
    client = client_for(UserFactory(email="tamu@example.test"))
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/map/data/").status_code == 403


def test_a_superuser_chooses_the_nation_a_province_or_a_regency(seeded, other_regency, superuser, client_for):
    client = client_for(superuser)
    figures_refresh()  # the refresh job: a national page never computes them
    nation = client.get("/dashboard/")
    assert nation.context["place"].level == "nation" and nation.context["breakdown_kind"] == "province"
    assert [row["villages"] for row in nation.context["breakdown"]] == [387]
    province = client.get("/dashboard/", {"province": "32"})
    assert {row["name"] for row in province.context["breakdown"]} == {"Kabupaten Sukabumi", "Kabupaten Cianjur"}
    regency = client.get("/dashboard/", {"regency": "32.02"})
    assert regency.context["breakdown_kind"] == "district" and len(regency.context["workload"]) == 39
    assert client.get("/dashboard/", {"province": "99"}).status_code == 404
    assert client.get("/map/").status_code == 200  # asks for a regency first


# --- needs you now ------------------------------------------------------------------------------------


def test_on_the_first_day_of_a_month_the_pmo_is_asked_to_review_last_months_report(split, client_for):
    today = TODAY()
    last_month = month_start(month_start(today) - timedelta(days=1))
    registry.report_save(actor=None, mentor=split.ba_mentor, month=last_month, obstacles="-", next_month_plan="-",
                         submit=True)
    first_day = month_start(today)
    needs = dashboards.needs_of_pmo(split.pmo_mentor, first_day)
    review = [n for n in needs if split.ba_mentor.full_name in n.text and "/reports/" in n.url]
    assert review and review[0].url.endswith(f"/{last_month:%Y-%m}/")
    home = client_for(split.pmo).get("/")
    assert f"Tinjau laporan {split.ba_mentor.full_name}" in home.content.decode()


def test_the_ba_is_reminded_of_last_months_unsent_draft_with_its_deadline(split, client_for):
    today = TODAY()
    last_month = month_start(month_start(today) - timedelta(days=1))
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=last_month, obstacles="belum selesai")
    needs = dashboards.needs_of_ba(split.ba_mentor, month_start(today))
    due = month_start(today).replace(day=5)
    draft = [n for n in needs if n.url.endswith(f"/{last_month:%Y-%m}/")]
    assert draft and draft[0].urgency == "soon" and str(due.day) in draft[0].text
    late = dashboards.needs_of_ba(split.ba_mentor, month_start(today) + timedelta(days=9))
    assert [n for n in late if n.url.endswith(f"/{last_month:%Y-%m}/") and n.urgency == "late"]
    home = client_for(split.ba).get("/").content.decode()
    assert f"/reports/{split.ba_mentor.pk}/{last_month:%Y-%m}/" in home


def test_a_returned_report_is_listed_with_the_pmos_comment(split, client_for):
    last_month = month_start(month_start(TODAY()) - timedelta(days=1))
    report = registry.report_save(actor=None, mentor=split.ba_mentor, month=last_month, obstacles="-",
                                  next_month_plan="-", submit=True)
    registry.report_review(actor=None, report=report, accept=False, comment="Lengkapi foto kegiatan")
    home = client_for(split.ba).get("/").content.decode()
    assert "Lengkapi foto kegiatan" in home


def test_the_ba_sees_overdue_follow_ups_and_cooperatives_long_without_a_visit(split, client_for):
    today = TODAY()
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    registry.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative, date=today - timedelta(days=3),
                          mode="phone", focus_areas=["training"], summary="Cek",
                          follow_ups=[("Kirim foto lahan", today - timedelta(days=1))])
    needs = dashboards.needs_of_ba(split.ba_mentor, today)
    assert [n for n in needs if "Kirim foto lahan" in n.text and n.urgency == "late"]
    never = [n for n in needs if "/visits/new/" in n.url]
    assert never and str(cooperative.pk) not in never[0].url  # the visited one is not among them


def test_the_office_sees_uncovered_villages_waiting_drafts_and_reports_per_pmo(split, sukabumi, admin_user,
                                                                              client_for):
    last_month = month_start(month_start(TODAY()) - timedelta(days=1))
    registry.report_save(actor=None, mentor=split.ba_mentor, month=last_month, obstacles="-", next_month_plan="-",
                         submit=True)
    plans.plan_create(actor=None, regency=sukabumi, name="Rencana baru")
    BaVillage.objects.filter(village_id=split.villages[0]).delete()
    home = client_for(admin_user).get("/").content.decode()
    assert "1 desa/kelurahan belum memiliki BA" in home
    assert "Rencana baru" in home
    assert f"Laporan BA dari {split.pmo_mentor.full_name}" in home
    # The item opens the month's reports of that PMO's BAs only.
    link = f"/reports/?month={last_month:%Y-%m}&amp;pmo={split.pmo_mentor.pk}"
    assert link in home
    listed = client_for(admin_user).get(link.replace("&amp;", "&")).context["page_obj"]
    team = set(BaTerritory.objects.filter(plan=split.plan, pmo_territory__mentor=split.pmo_mentor)
               .values_list("mentor_id", flat=True))
    assert {m.pk for m in listed} == team and split.ba_mentor.pk in team


def test_a_returned_report_is_not_counted_late(split, sukabumi, admin_user, client_for):
    last_month = month_start(month_start(TODAY()) - timedelta(days=1))
    report = registry.report_save(actor=None, mentor=split.ba_mentor, month=last_month, obstacles="-",
                                  next_month_plan="-", submit=True)
    registry.report_review(actor=None, report=report, accept=False, comment="Lengkapi")
    day_after_due = month_start(TODAY()) + timedelta(days=OfficeSettings.of(sukabumi).report_due_day)
    figures_refresh(regency_ids=[sukabumi.pk], today=day_after_due)
    bas = Mentor.objects.filter(regency=sukabumi, role="ba", is_active=True).count()
    assert RegencyFigures.objects.get(regency=sukabumi).reports_late == bas - 1


def test_dashboards_keep_their_query_count_as_the_data_grows(seeded, admin_user, client_for, count_queries, settings):
    settings.FIGURES_MAX_AGE = 3600  # the office's figures are read, not refreshed, here (tests/test_figures.py)
    for user in (admin_user, seeded.pmo, seeded.ba):
        client = client_for(user)
        client.get("/dashboard/")
        with count_queries() as few:
            count_queries.get(client, "/dashboard/")
            count_queries.get(client, "/map/data/", {"regency": "32.02"} if user == admin_user else None)
        cooperatives = list(Cooperative.objects.filter(village_id__in=seeded.villages))
        Visit.objects.bulk_create([Visit(cooperative=c, mentor=seeded.ba_mentor, date=TODAY() - timedelta(days=i),
                                         summary="x", focus_areas=[]) for i in range(20) for c in cooperatives])
        with count_queries() as many:
            count_queries.get(client, "/dashboard/")
            count_queries.get(client, "/map/data/", {"regency": "32.02"} if user == admin_user else None)
        count_queries.assert_same(few, many, most=40)


def test_an_office_admin_sets_the_recency_limits_and_the_figures_follow(seeded, sukabumi, admin_user, client_for,
                                                                         settings):
    settings.FIGURES_MAX_AGE = 60  # the dashboard is kept: saving the limits must still show them at once
    client = client_for(admin_user)
    assert "/dashboard/limits/32.02/" in client.get("/dashboard/").content.decode()
    refused = client.post("/dashboard/limits/32.02/", {"ba_target_min": 9, "ba_target_max": 8,
                                                       "recency_amber_days": 40, "recency_red_days": 40,
                                                       "report_due_day": 31})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Merah harus setelah kuning" in page and "tanggal 1 sampai 28" in page
    assert "tidak boleh kurang dari" in page  # the most villages per BA below the fewest
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()  # the defaults still hold
    version = client.get("/dashboard/limits/32.02/").context["version"]
    saved = client.post("/dashboard/limits/32.02/", {"ba_target_min": 8, "ba_target_max": 14,
                                                     "recency_amber_days": 45, "recency_red_days": 90,
                                                     "report_due_day": 10, "ba_span_max_km": 25, "version": version})
    assert saved.status_code == 302
    limits = OfficeSettings.objects.get(regency=sukabumi)
    assert (limits.recency_amber_days, limits.recency_red_days, limits.report_due_day) == (45, 90, 10)
    assert (limits.ba_target, limits.ba_span_max_km) == ((8, 14), 25)
    recency = client.get("/dashboard/").context["recency"]
    assert "45" in recency[0]["label"]
    _, buckets, _ = _raw_figures(Regency.objects.get(pk=sukabumi.pk), TODAY())  # its settings as saved
    assert {row["key"]: row["count"] for row in recency} == buckets


def test_office_staff_see_the_dashboard_but_cannot_change_its_limits(seeded, office_user, client_for):
    client = client_for(office_user)
    assert "/dashboard/limits/" not in client.get("/dashboard/").content.decode()
    assert client.post("/dashboard/limits/32.02/", {"recency_amber_days": 1, "recency_red_days": 2,
                                                    "report_due_day": 1}).status_code == 403


def test_a_dashboard_is_kept_for_a_minute_per_place_and_language(seeded, admin_user, office_user, client_for,
                                                                  count_queries, settings):
    settings.FIGURES_MAX_AGE = 60
    client = client_for(admin_user)
    first = client.get("/dashboard/")
    with count_queries() as again:  # a kept page: read from the cache on purpose (no count_queries.get)
        second = client.get("/dashboard/")

    def page(response):  # without the per-request CSRF token of the language form
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(second) == page(first) and len(again.captured_queries) <= 6
    assert "Angka per" in second.content.decode()
    # Staff see the same figures but not the admin's link to change the limits.
    staff = client_for(office_user).get("/dashboard/").content.decode()
    assert "/dashboard/limits/" not in staff and "Per kecamatan" in staff
    english = client_for(admin_user)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Per district" in english.get("/dashboard/").content.decode()


def test_the_pmos_queue_says_whether_the_ba_or_the_review_is_late(split, client_for, monkeypatch):
    today = TODAY()
    last_month = month_start(month_start(today) - timedelta(days=1))
    due = month_start(today).replace(day=OfficeSettings.of(split.plan.regency).report_due_day)
    team = [row["mentor"] for row in dashboards.team_rows(split.pmo_mentor, today) if row["mentor"]]
    on_time, sent_late, missing = team[0], team[1], team[2]
    local = timezone.get_current_timezone()
    for mentor, sent in ((on_time, due - timedelta(days=1)), (sent_late, due + timedelta(days=2))):
        MonthlyReport.objects.create(mentor=mentor, month=last_month, status="submitted",
                                     submitted_at=datetime.combine(sent, time(9), tzinfo=local))
    later = due + timedelta(days=4)
    with translation.override("id"):
        needs = {n.url: n for n in dashboards.needs_of_pmo(split.pmo_mentor, later)}

    def need_of(mentor):
        return needs[f"/reports/{mentor.pk}/{last_month:%Y-%m}/"]

    assert need_of(on_time).badge == "menunggu Anda 5 hari" and need_of(on_time).urgency == "soon"
    assert need_of(sent_late).badge == "BA mengirimnya terlambat 2 hari" and need_of(sent_late).urgency == "late"
    assert need_of(missing).badge == "BA terlambat" and "belum mengirim laporan" in need_of(missing).text
    # Before the due day nobody is late: a missing report is not listed yet.
    early = {n.url for n in dashboards.needs_of_pmo(split.pmo_mentor, due)}
    assert f"/reports/{missing.pk}/{last_month:%Y-%m}/" not in early
    # On the PMO's home, in Indonesian.
    instant = datetime.combine(later, time(10), tzinfo=local).astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    needs_html = client_for(split.pmo).get("/").content.decode().split('id="needs-title"')[1].split("</section>")[0]
    for badge in ("menunggu Anda 5 hari", "BA mengirimnya terlambat 2 hari", "BA terlambat</span>"):
        assert badge in needs_html


def test_the_ba_names_of_the_dashboards_recency_list_link_to_their_pages(split, client_for, office_user):
    # Nobody has been visited: the list "longest without a visit" is full, each row with its village's BA.
    for user, query in ((office_user, {"regency": "32.02"}), (split.pmo, {}), (split.ba, {})):
        page = client_for(user).get("/dashboard/", query).content.decode()
        recency = page.split("Paling lama tanpa kunjungan")[1].split("</table>")[0]
        cells = re.findall(r'data-label="Business Assistant">(.*?)</td>', recency)
        assert cells and all(re.fullmatch(r'<a href="/mentors/\d+/">BA \d\d</a>', cell) for cell in cells), cells
        if user == split.ba:
            assert set(cells) == {f'<a href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>'}


def test_a_pmos_team_sheet_lists_the_team_of_their_dashboard_and_nobody_else_has_one(split, admin_user, client_for):
    client = client_for(split.pmo)
    team = client.get("/dashboard/").context["team"]
    response = client.get("/dashboard/team.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    assert [row[:3] for row in rows] == [(r["mentor"].full_name if r["mentor"] else "", r["territory"].name,
                                          r["villages"]) for r in team]
    assert [row[6] for row in rows] == [r["report_status"] for r in team]
    assert client_for(split.ba).get("/dashboard/team.xlsx").status_code == 404
    assert client_for(admin_user).get("/dashboard/team.xlsx").status_code == 404
