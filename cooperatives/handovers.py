"""Serah terima: when a mentor leaves, the office drafts the plan change that hands their villages over, sees what
moves, writes a note per cooperative and publishes. The work itself needs no moving: open follow-ups are read
through coverage (`selectors.follow_ups_held_by`), so whoever covers the village from the plan's day holds them.
What the handover adds is the record (who handed what to whom, from which day), the notes, and the leaver's unsent
report of the month: it stays the leaver's (their visits are in it), is marked handed over on the handover, and the
successors are told in "Needs you now" that the villages' work of the month is theirs from the handover's day.

Villages change hands by other routes too (the editor, an imported workbook, a fresh proposal, a scheduled plan on
its day): `plan_in_force_hand_over`, called by `territories.publishing` whenever a plan takes effect, records the
same handover (without notes) for every mentor who gave villages away. Visits have no drafts in the portal (the
field app keeps a visit on the phone until it is sent, then it is a visit like any other): what is unsent is the
month's report.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import services as people
from mentors.access import access_for, require
from mentors.models import Mentor
from offices.models import OfficeSettings
from regions.timezones import regency_today
from territories import coverage, publishing
from territories import selectors as plans
from territories import services as plan_services
from territories.planning import diff

from .access import can_hand_over_in, can_write_handover_note
from .models import Cooperative, FollowUp, Handover, HandoverItem, MonthlyReport

NOTE_MAX = 2000
NEWS_DAYS = 30  # the successor is told of a handover in "Needs you now" for this many days after its day


def _month_start(day: date) -> date:
    return day.replace(day=1)


# --- reads ------------------------------------------------------------------------------------------------


def handovers_visible_to(user) -> QuerySet[Handover]:
    return Handover.objects.filter(access_for(user).office_scope("regency")).select_related(
        "leaver", "successor", "regency", "plan")


def handover_get_for_admin(user, pk) -> Handover:
    """A handover of a regency the user's office sees (else 404) that they manage (else 403)."""
    handover = get_object_or_404(handovers_visible_to(user), pk=pk)
    require(can_hand_over_in(user, handover.regency_id))
    return handover


def leavers_for(user) -> QuerySet[Mentor]:
    """The mentors an admin may hand over: PMOs and BAs of the regencies they manage."""
    access = access_for(user)
    mentors = Mentor.objects.filter(role__in=[Mentor.Role.BA, Mentor.Role.PMO], is_active=True)
    if not access.is_superuser:
        mentors = mentors.filter(regency_id__in=access.admin_regency_ids)
    return mentors.select_related("regency").order_by("regency__code", "role", "full_name", "pk")


def pmo_choices_for(user) -> list[tuple[str, str]]:
    """(name, label) of the PMO territories in force of the regencies the admin manages: where a BA may become PMO."""
    access = access_for(user)
    regency_ids = coverage.regencies_with_plan_in_force() if access.is_superuser else sorted(access.admin_regency_ids)
    return [(t.name, f"{t.name} ({t.mentor.full_name if t.mentor else '–'})")
            for t in coverage.pmo_territories_in_force(regency_ids)]


def _held_follow_ups(role: str) -> Q:
    """The open follow-ups a mentor of the role holds (what goes with each cooperative), as `follow_ups_held_by`."""
    held = Q(done=False)
    return held & Q(visit__mentor__role=Mentor.Role.PMO) if role == Mentor.Role.PMO else held


def _unsent_report(leaver: Mentor, month: date) -> tuple[MonthlyReport | None, bool]:
    """The leaver's report of the month and whether it is unsent (missing, a draft, or returned)."""
    report = MonthlyReport.objects.filter(mentor=leaver, month=month).first()
    return report, report is None or report.status in (MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED)


@dataclass
class Preview:
    rows: list[dict]  # village, cooperative, follow-ups, who holds it after, the note
    other_moves: int  # villages of other mentors that the plan change moves as well
    validation: object
    report: MonthlyReport | None
    report_unsent: bool
    report_month: date
    active_id: int | None
    follow_ups: int
    over_maximum: dict | None = None  # the named successor would hold more villages than the office's maximum
    new_role: dict | None = None  # a BA who becomes a PMO: the territory, its districts and BAs, its PMO until now


def _draft_snapshot(handover: Handover):
    """The draft as plain data, with the leaver already a PMO when they become one (their role changes when the
    handover is published; the draft's checks judge the plan as it will be)."""
    snapshot = plans.plan_snapshot(handover.plan)
    leaver = snapshot.mentors.get(handover.leaver_id)
    if handover.becomes_pmo_of and leaver is not None:
        snapshot.mentors[handover.leaver_id] = replace(leaver, role=Mentor.Role.PMO)
    return snapshot


def _over_maximum(handover: Handover, snapshot) -> dict | None:
    """{"name", "count", "maximum"} when the named successor of a BA would hold more villages than the office's
    most villages per BA in the draft; None otherwise."""
    if handover.successor_id is None or handover.leaver.role != Mentor.Role.BA:
        return None
    count = sum(len(t.members) for t in snapshot.ba.values() if t.mentor_id == handover.successor_id)
    maximum = OfficeSettings.of(handover.regency).ba_target[1]
    return {"name": handover.successor.full_name, "count": count, "maximum": maximum} if count > maximum else None


def _new_role(handover: Handover, snapshot, active) -> dict | None:
    """What a BA who becomes a PMO takes over: the territory, its districts and BAs in the draft, its PMO until now."""
    if not handover.becomes_pmo_of:
        return None
    territory = next((t for t in snapshot.pmo.values() if t.mentor_id == handover.leaver_id), None)
    if territory is None:
        return None
    before = next((t for t in plans.plan_snapshot(active).pmo.values() if t.name == territory.name), None) if active \
        else None
    previous = snapshot.mentors.get(before.mentor_id) if before and before.mentor_id else None
    return {"territory": territory.name, "districts": len(territory.members),
            "bas": sum(1 for t in snapshot.ba.values() if t.pmo_id == territory.id),
            "previous": previous.name if previous and previous.id != handover.leaver_id else ""}


def handover_preview(handover: Handover) -> Preview:
    """What the draft hands over: the leaver's villages under the plan in force, each with its cooperative, its
    open follow-ups and its holder in the draft; the other villages the change moves; the draft's checks."""
    plan = handover.plan
    active = coverage.active_plan(handover.regency)
    village_ids = list(coverage.mentor_villages(handover.leaver).values_list("id", flat=True))
    after = coverage.territory_of_villages(village_ids, regency=handover.regency, plan=plan) if plan else {}
    cooperatives = {c.village_id: c for c in Cooperative.objects.filter(village_id__in=village_ids).select_related(
        "village__district").annotate(open_count=Count("visits__follow_ups", filter=Q(
            visits__follow_ups__done=False) & (Q(visits__mentor__role=Mentor.Role.PMO)
                                               if handover.leaver.role == Mentor.Role.PMO else Q())))}
    notes = dict(handover.items.values_list("cooperative__village_id", "note"))
    rows = []
    for cooperative in sorted(cooperatives.values(), key=lambda c: c.village.code):
        holder = after.get(cooperative.village_id)
        rows.append({"cooperative": cooperative, "village": cooperative.village,
                     "follow_ups": cooperative.open_count, "territory": holder[1] if holder else "",
                     "after": (holder[2] or "") if holder else "", "note": notes.get(cooperative.village_id, "")})
    snapshot = _draft_snapshot(handover) if plan else None
    moved = diff(plans.plan_snapshot(active), snapshot).moves if plan and active else []
    mine = set(village_ids)
    month = _month_start(handover.last_day)
    report, unsent = _unsent_report(handover.leaver, month)
    return Preview(
        rows=rows, other_moves=sum(1 for move in moved if move.village.id not in mine),
        validation=plans.plan_validation(plan, snapshot, effective_date=handover.effective_from) if plan else None,
        report=report, report_unsent=unsent, report_month=month, active_id=active.pk if active else None,
        follow_ups=sum(row["follow_ups"] for row in rows),
        over_maximum=_over_maximum(handover, snapshot) if plan else None,
        new_role=_new_role(handover, snapshot, active) if plan else None)


def cooperative_handovers(cooperative: Cooperative) -> list[HandoverItem]:
    """The handovers of a cooperative, newest first, for its page."""
    return list(HandoverItem.objects.filter(cooperative=cooperative, handover__status=Handover.Status.PUBLISHED)
                .select_related("handover__leaver", "successor").order_by("-handover__last_day", "-pk")[:5])


def handovers_received(mentor: Mentor, today: date) -> list[HandoverItem]:
    """The cooperatives handed to the mentor whose handover took effect in the last NEWS_DAYS days (or takes effect
    by today), with their handover."""
    return list(HandoverItem.objects.filter(
        successor=mentor, handover__status=Handover.Status.PUBLISHED,
        handover__last_day__gte=today - timedelta(days=NEWS_DAYS), handover__last_day__lt=today,
    ).select_related("handover__leaver", "handover__report", "cooperative__village").order_by(
        "-handover__last_day", "cooperative__village__code"))


def draft_handover_of(mentor: Mentor | None) -> Handover | None:
    """The mentor's own handover still in draft (the latest), if the office drafted one."""
    if mentor is None:
        return None
    return Handover.objects.filter(leaver=mentor, status=Handover.Status.DRAFT).order_by("-created_at", "-pk").first()


# --- writes -----------------------------------------------------------------------------------------------


@transaction.atomic
def handover_start(*, actor, leaver: Mentor, last_day: date, successor: Mentor | None = None,
                   becomes_pmo_of: str = "") -> Handover:
    """Draft a handover: the plan change (a draft of the plan in force without the leaver) and its record. With
    `becomes_pmo_of` (a PMO territory's name) the leaving BA stays, as the PMO of that territory."""
    if actor is not None and not can_hand_over_in(actor, leaver.regency_id):
        raise PermissionDenied
    name = _("Handover of %(name)s after %(day)s") % {"name": leaver.full_name,
                                                       "day": last_day.strftime("%d-%m-%Y")}
    try:
        plan = plan_services.plan_handover_draft(actor=actor, leaver=leaver, successor=successor, name=name[:100],
                                                 becomes_pmo_of=becomes_pmo_of)
    except plan_services.PlanError as error:
        raise ValidationError(str(error)) from error
    return Handover.objects.create(regency_id=leaver.regency_id, leaver=leaver, successor=successor,
                                   last_day=last_day, plan=plan, created_by=actor, becomes_pmo_of=becomes_pmo_of)


def handover_notes_save(*, actor, handover: Handover, notes: dict[int, str], clear_blank: bool = True) -> None:
    """Keep the office's notes of a draft handover ({cooperative id: text}); blank ones are dropped (with
    `clear_blank=False` a blank one leaves the stored note, e.g. one the leaver wrote since the page was loaded)."""
    if actor is not None and not can_hand_over_in(actor, handover.regency_id):
        raise PermissionDenied
    if handover.status != Handover.Status.DRAFT:
        raise ValidationError(_("This handover was published already: nothing was changed."))
    too_long = [pk for pk, text in notes.items() if len(text) > NOTE_MAX]
    if too_long:
        raise ValidationError(_("A handover note may have at most %(count)s characters.") % {"count": NOTE_MAX})
    leavers = Cooperative.objects.filter(coverage.mentor_scope(handover.leaver).villages_via("village"))
    allowed = set(leavers.filter(pk__in=list(notes)).values_list("pk", flat=True))
    if set(notes) - allowed:
        raise ValidationError(_("Some of these cooperatives are not the leaving mentor's: nothing was changed."))
    with transaction.atomic():
        if clear_blank:
            handover.items.filter(cooperative_id__in=[pk for pk, text in notes.items() if not text.strip()]).delete()
        for pk, text in notes.items():
            if text.strip():
                HandoverItem.objects.update_or_create(handover=handover, cooperative_id=pk,
                                                      defaults={"note": text.strip()})


@transaction.atomic
def handover_publish(*, actor, handover: Handover, reviewed_active_id: int | None,
                     notes: dict[int, str] | None = None, exception_reason: str = "") -> Handover:
    """Publish the handover's plan change, in force from the day after the last day, and record what went to whom:
    one item per cooperative of the leaver with who holds it from that day, its open follow-ups and its note; the
    leaver's unsent report of the month. A plan that cannot be published changes nothing.

    A named successor who would hold more villages than the office's maximum needs `exception_reason` (kept with
    the handover); more than twice the maximum the plan's own checks refuse, as for any plan. A BA who becomes a PMO
    is one from the publishing (their role changes, in their history), so the plan change must be in force by then:
    their last day is before today."""
    if actor is not None and not can_hand_over_in(actor, handover.regency_id):
        raise PermissionDenied
    handover = (Handover.objects.select_for_update(of=("self",)).select_related("leaver", "plan", "successor",
                                                                                 "regency").get(pk=handover.pk))
    if handover.status != Handover.Status.DRAFT or handover.plan is None:
        raise ValidationError(_("This handover was published already: nothing was changed."))
    over = _over_maximum(handover, _draft_snapshot(handover))
    exception_reason = exception_reason.strip()
    if over and not exception_reason:
        raise ValidationError(_("%(name)s would hold %(count)d villages, more than the office's maximum of %(maximum)d "
                                "per BA: give the reason for this exception to publish, or move some villages to "
                                "other BAs in the plan change. Nothing was changed.") % over)
    if len(exception_reason) > NOTE_MAX:
        raise ValidationError(_("The reason may have at most %(count)s characters.") % {"count": NOTE_MAX})
    if handover.becomes_pmo_of and handover.effective_from > regency_today(handover.regency):
        raise ValidationError(_("%(name)s becomes a PMO when the handover is published, so publish it from %(day)s, "
                                "the day after the last day. Nothing was changed.")
                              % {"name": handover.leaver.full_name,
                                 "day": handover.effective_from.strftime("%d-%m-%Y")})
    if notes is not None:
        handover_notes_save(actor=actor, handover=handover, notes=notes, clear_blank=False)
    leaver = handover.leaver
    cooperatives = list(Cooperative.objects.filter(coverage.mentor_scope(leaver).villages_via("village"))
                        .select_related("village"))
    follow_ups = dict(FollowUp.objects.filter(_held_follow_ups(leaver.role), visit__cooperative__in=cooperatives)
                      .order_by().values_list("visit__cooperative").annotate(n=Count("id")))
    plan = handover.plan
    if handover.becomes_pmo_of:  # before the plan's checks, which want a PMO in a PMO territory
        people.mentor_becomes_pmo(actor=actor, mentor=leaver)
    try:
        publishing.plan_publish(actor=actor, plan=plan, version=plan.version, effective_from=handover.effective_from,
                                decree_number="", reviewed_active_id=reviewed_active_id)
    except plan_services.PlanError as error:
        raise ValidationError(str(error)) from error
    day = handover.effective_from
    holder = coverage.pmo_of if leaver.role == Mentor.Role.PMO else coverage.ba_of
    notes_kept = dict(handover.items.values_list("cooperative_id", "note"))
    handover.items.all().delete()
    HandoverItem.objects.bulk_create([
        HandoverItem(handover=handover, cooperative=cooperative, successor=holder(cooperative.village, day),
                     note=notes_kept.get(cooperative.pk, ""), open_follow_ups=follow_ups.get(cooperative.pk, 0))
        for cooperative in cooperatives])
    month = _month_start(handover.last_day)
    report, unsent = _unsent_report(leaver, month)
    handover.report = report if unsent else None
    handover.report_month = month if unsent else None
    handover.exception_reason = exception_reason if over else ""
    handover.status = Handover.Status.PUBLISHED
    handover.published_by = actor
    handover.published_at = timezone.now()
    handover.save()
    return handover


def plan_in_force_hand_over(*, plan, previous, actor) -> list[Handover]:
    """The hook `territories.publishing` calls when `plan` takes effect after `previous`: for each mentor whose
    villages (BA) or districts (PMO) went to someone else, a published handover from the plan's day with an item per
    cooperative (who holds it now, its open follow-ups) and the mentor's unsent report of the month, as the wizard
    records it. Mentors whose handover the wizard is publishing with this plan are left to it."""
    if previous is None:
        return []
    changes = coverage.holders_changed(previous, plan)
    done = set(Handover.objects.filter(plan=plan).values_list("leaver_id", flat=True))
    changes = {mentor: villages for mentor, villages in changes.items() if mentor not in done}
    if not changes:
        return []
    cooperatives = {c.village_id: c for c in Cooperative.objects.filter(
        village_id__in={village for villages in changes.values() for village in villages})}
    open_counts = {}
    for role in (Mentor.Role.BA, Mentor.Role.PMO):
        open_counts[role] = dict(FollowUp.objects.filter(_held_follow_ups(role),
                                                         visit__cooperative__in=list(cooperatives.values()))
                                 .order_by().values_list("visit__cooperative").annotate(n=Count("id")))
    last_day = plan.effective_from - timedelta(days=1)
    month = _month_start(last_day)
    leavers = Mentor.objects.in_bulk(list(changes))
    reports = {r.mentor_id: r for r in MonthlyReport.objects.filter(mentor_id__in=list(changes), month=month)}
    now = timezone.now()
    made = []
    for mentor_id, villages in sorted(changes.items()):
        leaver = leavers[mentor_id]
        given = [cooperatives[village] for village in villages if village in cooperatives]
        if not given:
            continue
        report = reports.get(mentor_id)
        unsent = report is None or report.status in (MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED)
        handover = Handover.objects.create(
            regency_id=plan.regency_id, leaver=leaver, last_day=last_day, plan=plan, status=Handover.Status.PUBLISHED,
            report=report if unsent else None, report_month=month if unsent else None,
            created_by=actor, published_by=actor, published_at=now)
        counts = open_counts[Mentor.Role.PMO if leaver.role == Mentor.Role.PMO else Mentor.Role.BA]
        HandoverItem.objects.bulk_create([
            HandoverItem(handover=handover, cooperative=cooperative, successor_id=villages[cooperative.village_id],
                         open_follow_ups=counts.get(cooperative.pk, 0)) for cooperative in given])
        made.append(handover)
    return made


@transaction.atomic
def handover_note_write(*, actor, handover: Handover, cooperative: Cooperative, note: str) -> None:
    """The leaver's note for the successor of one cooperative, before the handover is published."""
    if not can_write_handover_note(actor, cooperative, handover):
        raise PermissionDenied
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("A handover note may have at most %(count)s characters.") % {"count": NOTE_MAX})
    if note:
        HandoverItem.objects.update_or_create(handover=handover, cooperative=cooperative, defaults={"note": note})
    else:
        HandoverItem.objects.filter(handover=handover, cooperative=cooperative).delete()
