"""Work follows the village (open follow-ups, "Needs you now", the lists and counts per mentor read through coverage,
whatever changed the plan), and the handover of a leaving mentor's villages: the draft, what moves, the notes, the
record of who received what, the unsent report of the month."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cooperatives import handovers
from cooperatives.models import Cooperative, FollowUp, Handover, HandoverItem, MonthlyReport, Visit
from cooperatives.selectors import month_start, open_follow_ups
from mentors.models import Mentor
from regions.models import Village
from reporting.dashboards import needs_of_ba, needs_of_pmo, team_rows
from territories import coverage, publishing, services, workbook
from territories.models import BaTerritory, BaVillage, TerritoryPlan

from ..factories import MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _work(split):
    """An overdue follow-up and one due in three days at the cooperative of the BA's first village, opened by the
    BA; and the BA's draft report of the month."""
    today = timezone.localdate()
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    visit = Visit.objects.create(cooperative=cooperative, mentor=split.ba_mentor, date=today - timedelta(days=10),
                                 summary="Rapat pengurus", focus_areas=["institutions"], created_by=split.ba)
    late = FollowUp.objects.create(visit=visit, action="Kirim draf AD/ART ke notaris",
                                   due_date=today - timedelta(days=2))
    soon = FollowUp.objects.create(visit=visit, action="Undang bank untuk sosialisasi",
                                   due_date=today + timedelta(days=3))
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=month_start(today), obstacles="Belum selesai")
    return cooperative, late, soon


def _publish(split, draft):
    draft.refresh_from_db()
    publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=timezone.localdate(),
                            reviewed_active_id=split.plan.pk)


def _by_the_editor(split, admin_user):
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Pindah satu desa")
    to = BaTerritory.objects.get(plan=draft, mentor=split.neighbour.mentor)
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[split.villages[0]], to=to)
    _publish(split, draft)


def _by_a_workbook(split, admin_user):
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Dari buku kerja")
    rows = []
    links = BaVillage.objects.filter(plan=split.plan).select_related(
        "village", "ba_territory__mentor", "ba_territory__pmo_territory__mentor").order_by("village__code")
    for number, link in enumerate(links, start=2):
        territory = split.neighbour if link.village_id == split.villages[0] else link.ba_territory
        rows.append({"_row": number, "village_code": link.village.code, "ba_territory": territory.name,
                     "ba": territory.mentor.full_name, "pmo_territory": territory.pmo_territory.name,
                     "pmo": territory.pmo_territory.mentor.full_name})
    workbook.plan_import_apply(actor=None, plan=draft, version=draft.version, rows=rows)
    _publish(split, draft)


def _by_a_fresh_proposal(split, admin_user):
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Usulan baru")
    bas = [t.mentor for t in BaTerritory.objects.filter(plan=split.plan).exclude(mentor=split.ba_mentor)
           .select_related("mentor")]
    pmos = list(Mentor.objects.filter(role=Mentor.Role.PMO, regency=split.plan.regency))
    services.plan_propose(actor=None, plan=draft, version=draft.version, ba_mentors=bas, pmo_mentors=pmos, keep=False)
    _publish(split, draft)


def _by_the_wizard(split, admin_user):
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor,
                                        last_day=timezone.localdate() - timedelta(days=1))
    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)


def _texts(needs):
    return " | ".join(need.text for need in needs)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("route", [_by_the_wizard, _by_the_editor, _by_a_workbook, _by_a_fresh_proposal],
                         ids=["wizard", "editor", "workbook", "fresh-proposal"])
def test_the_open_follow_ups_of_a_village_are_its_new_bas_whatever_moved_it(route, split, admin_user, client_for):
    today = timezone.localdate()
    cooperative, late, soon = _work(split)
    village = Village.objects.get(pk=split.villages[0])
    assert set(open_follow_ups(split.ba_mentor)) == {late, soon}

    route(split, admin_user)

    successor = coverage.ba_of(village, today)
    assert successor is not None and successor != split.ba_mentor
    successor = Mentor.objects.get(pk=successor.pk)
    leaver = Mentor.objects.get(pk=split.ba_mentor.pk)
    assert set(open_follow_ups(successor)) == {late, soon}
    assert set(open_follow_ups(leaver)) == set()
    assert late.action in _texts(needs_of_ba(successor, today))
    assert late.action not in _texts(needs_of_ba(leaver, today))
    pmo = coverage.pmo_of(village, today)
    rows = {row["mentor"].pk: row["follow_ups_overdue"] for row in team_rows(pmo, today) if row["mentor"]}
    assert rows[successor.pk] == 1
    assert rows.get(leaver.pk, 0) == 0

    successor.user = UserFactory(email="penerus@contoh.test", full_name=successor.full_name)
    successor.save()
    page = client_for(successor.user).get("/follow-ups/").content.decode()
    assert late.action in page and soon.action in page
    assert late.action not in client_for(split.ba).get("/follow-ups/").content.decode()
    # The successor closes it; the leaver, who opened it, still reads their visit but no longer closes it.
    assert client_for(split.ba).post(f"/follow-ups/{late.pk}/done/").status_code == 403
    assert client_for(successor.user).post(f"/follow-ups/{late.pk}/done/").status_code == 302
    late.refresh_from_db()
    assert late.done


@pytest.mark.parametrize("route", [_by_the_wizard, _by_the_editor, _by_a_workbook, _by_a_fresh_proposal],
                         ids=["wizard", "editor", "workbook", "fresh-proposal"])
def test_every_route_records_the_handover_and_the_leavers_unsent_report(route, split, admin_user):
    """Visits have no drafts (the field app sends a visit kept on the phone as a whole): what is unsent is the month's
    report. Whatever moved the village, the handover says who gave it to whom from which day, with the report."""
    today = timezone.localdate()
    cooperative, _late, _soon = _work(split)
    report = MonthlyReport.objects.get(mentor=split.ba_mentor)

    route(split, admin_user)

    handover = Handover.objects.get(leaver=split.ba_mentor)
    assert handover.status == Handover.Status.PUBLISHED and handover.effective_from == today
    assert handover.report == report and handover.report_month == month_start(today - timedelta(days=1))
    item = handover.items.get(cooperative=cooperative)
    successor = coverage.ba_of(cooperative.village, today)
    assert item.successor == successor and item.open_follow_ups == 2
    texts = _texts(needs_of_ba(successor, today + timedelta(days=1)))
    assert f"handed over to you by {split.ba_mentor.full_name} from" in texts
    assert f"{split.ba_mentor.full_name} did not send the report" in texts


def test_a_scheduled_plan_hands_the_villages_over_on_its_day_not_before(split):
    today = timezone.localdate()
    cooperative, _late, _soon = _work(split)
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Pindah besok")
    to = BaTerritory.objects.get(plan=draft, mentor=split.neighbour.mentor)
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[split.villages[0]], to=to)
    draft.refresh_from_db()
    tomorrow = today + timedelta(days=1)
    publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=tomorrow,
                            reviewed_active_id=split.plan.pk)
    assert not Handover.objects.exists()

    publishing.plans_take_effect(today=tomorrow)

    handover = Handover.objects.get()
    assert handover.leaver == split.ba_mentor and handover.last_day == today and handover.created_by is None
    assert [(i.cooperative, i.successor) for i in handover.items.all()] == [(cooperative, split.neighbour.mentor)]
    assert handover.report_month == month_start(today)


def test_a_pmo_holds_the_follow_ups_of_pmo_visits_in_their_districts_not_those_of_their_bas(split):
    today = timezone.localdate()
    cooperative, late, _soon = _work(split)
    own = Visit.objects.create(cooperative=cooperative, mentor=split.pmo_mentor, date=today, summary="Supervisi",
                               focus_areas=["institutions"], created_by=split.pmo)
    mine = FollowUp.objects.create(visit=own, action="Rapat koordinasi BA", due_date=today - timedelta(days=1))
    assert set(open_follow_ups(split.pmo_mentor)) == {mine}
    assert "Rapat koordinasi BA" in _texts(needs_of_pmo(split.pmo_mentor, today))
    row = next(r for r in team_rows(split.pmo_mentor, today) if r["mentor"] == split.ba_mentor)
    assert row["follow_ups_overdue"] == 1  # the BA's late one, not the PMO's own


def test_the_wizard_hands_the_villages_to_the_neighbours_with_notes_history_and_the_unsent_report(split, admin_user):
    today = timezone.localdate()
    cooperative, late, soon = _work(split)
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1))
    assert handover.plan.status == TerritoryPlan.Status.DRAFT
    preview = handovers.handover_preview(handover)
    assert {row["village"].pk for row in preview.rows} == set(split.villages)
    assert preview.follow_ups == 2 and preview.report_unsent and preview.validation.ok
    assert all(row["after"] and row["after"] != split.ba_mentor.full_name for row in preview.rows)

    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk,
                               notes={cooperative.pk: "Ketua minta jadwal ulang; draf AD/ART di map biru."})

    handover.refresh_from_db()
    assert handover.status == Handover.Status.PUBLISHED and handover.published_by == admin_user
    assert handover.report.mentor == split.ba_mentor and handover.report_month == month_start(today - timedelta(days=1))
    items = {item.cooperative_id: item for item in handover.items.all()}
    assert len(items) == len(split.villages)
    item = items[cooperative.pk]
    successor = coverage.ba_of(cooperative.village, today)
    assert item.successor == successor and item.open_follow_ups == 2
    assert item.note.startswith("Ketua minta jadwal ulang")
    assert len({i.successor_id for i in items.values()}) >= 2  # the neighbours share the villages
    texts = _texts(needs_of_ba(successor, today))
    assert f"{cooperative.village.name} was handed over to you by {split.ba_mentor.full_name}" in texts
    assert "did not send the report" in texts
    assert item.note[:40] in " ".join(need.detail for need in needs_of_ba(successor, today))


def test_a_plan_change_that_cannot_be_published_hands_nothing_over(split, admin_user):
    """Another plan was published since the office reviewed the handover: the publish is refused and nothing
    changes: the plan in force, the follow-ups' holder, the handover stays a draft."""
    today = timezone.localdate()
    _cooperative, late, _soon = _work(split)
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1))
    with pytest.raises(ValidationError):
        handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=None)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DRAFT and not HandoverItem.objects.exists()
    assert coverage.active_plan(split.plan.regency) == split.plan
    assert set(open_follow_ups(Mentor.objects.get(pk=split.ba_mentor.pk))) >= {late}


def test_a_named_successor_without_a_territory_takes_the_leavers_whole(split, admin_user):
    today = timezone.localdate()
    cooperative, late, _soon = _work(split)
    newcomer = MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, full_name="BA Baru")
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1),
                                        successor=newcomer)
    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)
    assert set(coverage.mentor_villages(newcomer).values_list("id", flat=True)) == set(split.villages)
    assert late in open_follow_ups(newcomer)


def test_a_leaving_pmos_bas_go_to_another_pmos_team(split, admin_user):
    today = timezone.localdate()
    other_pmo = split.other_territory.pmo_territory.mentor
    team = {t.mentor_id for t in coverage.pmo_team(split.pmo_mentor)}
    handover = handovers.handover_start(actor=admin_user, leaver=split.pmo_mentor, last_day=today - timedelta(days=1),
                                        successor=other_pmo)
    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)
    assert team <= {t.mentor_id for t in coverage.pmo_team(Mentor.objects.get(pk=other_pmo.pk))}
    assert coverage.pmo_team(Mentor.objects.get(pk=split.pmo_mentor.pk)) == []
    assert coverage.reviewer_of(split.ba_mentor, month_start(today)) == other_pmo


def test_a_bad_choice_is_refused_and_changes_nothing(split, admin_user):
    plans_before = TerritoryPlan.objects.count()
    with pytest.raises(ValidationError):  # a PMO cannot take a BA's villages
        handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=timezone.localdate(),
                                 successor=split.pmo_mentor)
    spare = MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, full_name="Tanpa Wilayah")
    with pytest.raises(ValidationError):  # nothing to hand over
        handovers.handover_start(actor=admin_user, leaver=spare, last_day=timezone.localdate())
    assert TerritoryPlan.objects.count() == plans_before and not Handover.objects.exists()


# --- the pages --------------------------------------------------------------------------------------------


def test_the_office_drafts_previews_notes_and_publishes_a_handover(split, admin_client):
    today = timezone.localdate()
    cooperative, late, _soon = _work(split)
    assert admin_client.get("/handovers/").status_code == 200
    response = admin_client.post("/handovers/", {"leaver": split.ba_mentor.pk, "to": "neighbours",
                                                 "last_day": f"{today - timedelta(days=1):%Y-%m-%d}"})
    handover = Handover.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/handovers/{handover.pk}/"
    page = admin_client.get(f"/handovers/{handover.pk}/").content.decode()
    assert cooperative.village.name in page and f'name="note-{cooperative.pk}"' in page
    response = admin_client.post(f"/handovers/{handover.pk}/publish/", {
        "reviewed_active": split.plan.pk, f"note-{cooperative.pk}": "Stempel koperasi ada di kantor desa."})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PUBLISHED
    successor = coverage.ba_of(cooperative.village, today)
    successor.user = UserFactory(email="penerus@contoh.test", full_name=successor.full_name)
    successor.save()
    admin_client.force_login(successor.user)
    page = admin_client.get(f"/cooperatives/{cooperative.pk}/").content.decode()
    assert "Stempel koperasi ada di kantor desa." in page
    assert "Stempel koperasi ada di kantor desa." in admin_client.get("/").content.decode()


def test_the_handover_form_says_what_is_wrong_and_drafts_nothing(split, admin_client):
    response = admin_client.post("/handovers/", {"leaver": split.ba_mentor.pk, "to": "successor", "last_day": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"successor", "last_day"}
    assert not Handover.objects.exists()


def test_a_handover_published_with_a_stale_review_changes_nothing(split, admin_client, admin_user):
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor,
                                        last_day=timezone.localdate() - timedelta(days=1))
    response = admin_client.post(f"/handovers/{handover.pk}/publish/", {"reviewed_active": "999999"}, follow=True)
    assert "Another plan was published" in response.content.decode() or "Rencana lain" in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DRAFT


def test_the_leaver_writes_a_note_before_the_last_day_and_the_successor_reads_it(split, admin_user, client_for):
    today = timezone.localdate()
    cooperative, _late, _soon = _work(split)
    leaver = client_for(split.ba)
    assert 'name="note"' not in leaver.get(f"/cooperatives/{cooperative.pk}/").content.decode()  # no handover yet
    assert leaver.post(f"/cooperatives/{cooperative.pk}/handover-note/", {"note": "x"}).status_code == 403
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1))
    assert 'name="note"' in leaver.get(f"/cooperatives/{cooperative.pk}/").content.decode()
    response = leaver.post(f"/cooperatives/{cooperative.pk}/handover-note/", {"note": "Bendahara baru sejak Senin."})
    assert response.status_code == 302
    assert leaver.post(f"/cooperatives/{cooperative.pk}/handover-note/", {"note": "x" * 2001}).status_code == 302
    assert HandoverItem.objects.get(handover=handover, cooperative=cooperative).note == "Bendahara baru sejak Senin."
    # The office publishes from a page loaded before the leaver wrote: its blank note keeps the leaver's.
    admin = client_for(admin_user)
    admin.post(f"/handovers/{handover.pk}/publish/", {"reviewed_active": split.plan.pk, f"note-{cooperative.pk}": ""})
    item = HandoverItem.objects.get(handover=handover, cooperative=cooperative)
    assert item.note == "Bendahara baru sejak Senin." and item.successor is not None
    # Once published the leaver no longer writes.
    assert leaver.post(f"/cooperatives/{cooperative.pk}/handover-note/", {"note": "y"}).status_code == 403


def test_only_the_leaver_writes_their_handover_note(split, admin_user, client_for):
    cooperative, _late, _soon = _work(split)
    handovers.handover_start(actor=admin_user, leaver=split.ba_mentor,
                             last_day=timezone.localdate() - timedelta(days=1))
    assert client_for(split.pmo).post(f"/cooperatives/{cooperative.pk}/handover-note/",
                                      {"note": "x"}).status_code == 403
    assert client_for(split.other_ba).post(f"/cooperatives/{cooperative.pk}/handover-note/",
                                           {"note": "x"}).status_code == 404
    assert not HandoverItem.objects.exists()


# --- a named successor over the office's maximum ------------------------------------------------------------


def test_a_named_successor_over_the_offices_maximum_is_published_only_with_a_reason(split, admin_user, admin_client):
    today = timezone.localdate()
    cooperative, _late, _soon = _work(split)
    successor = split.neighbour.mentor  # holds a territory already: the leaver's villages come on top
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1),
                                        successor=successor)
    preview = handovers.handover_preview(handover)
    count = split.neighbour.village_links.count() + len(split.villages)
    assert preview.over_maximum == {"name": successor.full_name, "count": count, "maximum": 15}
    assert preview.validation.ok  # more than the maximum, less than twice it: the plan's checks only warn
    page = admin_client.get(f"/handovers/{handover.pk}/").content.decode()
    assert 'id="over-maximum"' in page and 'name="exception_reason"' in page

    with pytest.raises(ValidationError, match=f"{successor.full_name} .* {count} "):
        handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)
    admin_client.post(f"/handovers/{handover.pk}/publish/", {"reviewed_active": split.plan.pk,
                                                              "exception_reason": "   "})
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DRAFT and coverage.active_plan(split.plan.regency) == split.plan

    admin_client.post(f"/handovers/{handover.pk}/publish/", {
        "reviewed_active": split.plan.pk, "exception_reason": "Desa-desanya bertetangga; BA baru direkrut Januari."})
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PUBLISHED
    assert handover.exception_reason == "Desa-desanya bertetangga; BA baru direkrut Januari."
    assert coverage.ba_of(cooperative.village, today) == successor
    assert "BA baru direkrut Januari" in admin_client.get(f"/handovers/{handover.pk}/").content.decode()


def test_a_named_successor_within_the_maximum_needs_no_reason(split, admin_user):
    newcomer = MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, full_name="BA Baru")
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, successor=newcomer,
                                        last_day=timezone.localdate() - timedelta(days=1))
    assert handovers.handover_preview(handover).over_maximum is None
    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PUBLISHED and handover.exception_reason == ""


# --- a BA who becomes a PMO ---------------------------------------------------------------------------------


def test_a_ba_who_becomes_a_pmo_hands_their_villages_over_and_takes_a_pmo_territory_with_history(split, admin_user):
    today = timezone.localdate()
    cooperative, late, soon = _work(split)
    territory = split.other_territory.pmo_territory  # the other PMO's districts and BAs
    previous_pmo = territory.mentor
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=today - timedelta(days=1),
                                        becomes_pmo_of=territory.name)
    preview = handovers.handover_preview(handover)
    assert preview.validation.ok, preview.validation.blocking
    assert preview.new_role["territory"] == territory.name and preview.new_role["previous"] == previous_pmo.full_name
    assert Mentor.objects.get(pk=split.ba_mentor.pk).role == Mentor.Role.BA  # not before it is published

    handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)

    mentor = Mentor.objects.get(pk=split.ba_mentor.pk)
    assert mentor.role == Mentor.Role.PMO
    assert mentor.history.order_by("-history_date", "-history_id").first().history_change_reason == "became PMO"
    # The villages went to the BAs around, with the work...
    successor = coverage.ba_of(cooperative.village, today)
    assert successor is not None and successor != mentor
    assert set(open_follow_ups(Mentor.objects.get(pk=successor.pk))) == {late, soon}
    assert HandoverItem.objects.get(handover=handover, cooperative=cooperative).successor == successor
    # ...and the new PMO supervises the territory's BAs and reviews their reports.
    assert split.other_territory.mentor_id in {t.mentor_id for t in coverage.pmo_team(mentor)}
    assert coverage.reviewer_of(split.other_territory.mentor, month_start(today)) == mentor
    assert coverage.pmo_team(Mentor.objects.get(pk=previous_pmo.pk)) == []
    # The PMO who held the territory handed it over, on the record, to the new PMO.
    given = Handover.objects.get(leaver=previous_pmo)
    assert given.status == Handover.Status.PUBLISHED and {i.successor for i in given.items.all()} == {mentor}


def test_a_ba_becomes_a_pmo_only_once_the_last_day_is_over(split, admin_user):
    territory = split.other_territory.pmo_territory
    handover = handovers.handover_start(actor=admin_user, leaver=split.ba_mentor, last_day=timezone.localdate(),
                                        becomes_pmo_of=territory.name)
    with pytest.raises(ValidationError, match="becomes a PMO"):
        handovers.handover_publish(actor=admin_user, handover=handover, reviewed_active_id=split.plan.pk)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DRAFT
    assert Mentor.objects.get(pk=split.ba_mentor.pk).role == Mentor.Role.BA
    assert coverage.active_plan(split.plan.regency) == split.plan


def test_the_office_drafts_a_ba_becoming_a_pmo_from_the_form_and_a_pmo_cannot(split, admin_client):
    yesterday = f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}"
    territory = split.other_territory.pmo_territory
    assert f'value="{territory.name}"' in admin_client.get("/handovers/").content.decode()
    response = admin_client.post("/handovers/", {"leaver": split.pmo_mentor.pk, "to": "successor",
                                                 "successor": territory.mentor.pk, "last_day": yesterday,
                                                 "becomes_pmo_of": territory.name})
    assert response.status_code == 200 and "becomes_pmo_of" in response.context["form"].errors
    assert not Handover.objects.exists()
    response = admin_client.post("/handovers/", {"leaver": split.ba_mentor.pk, "to": "neighbours",
                                                 "last_day": yesterday, "becomes_pmo_of": territory.name})
    handover = Handover.objects.get()
    assert response.status_code == 302 and handover.becomes_pmo_of == territory.name
    page = admin_client.get(f"/handovers/{handover.pk}/").content.decode()
    assert 'id="new-role"' in page and territory.name in page
