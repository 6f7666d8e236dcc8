"""Reads of cooperatives, visits, follow-ups and monthly reports, always through the user's scope."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mentors.models import Mentor
from mentors.selectors import access_for, mentor_get_for_user, mentors_visible_to
from territories.models import BaVillage, TerritoryPlan, Village
from territories.selectors import mentor_village_scope, villages_visible_to

from .models import Cooperative, FollowUp, MonthlyReport, StageChange, Visit

EDIT_WINDOW_DAYS = 7


def cooperatives_visible_to(user) -> QuerySet[Cooperative]:
    return Cooperative.objects.filter(village_id__in=villages_visible_to(user).values("id"))


def cooperative_get_for_user(user, pk) -> Cooperative:
    return get_object_or_404(
        cooperatives_visible_to(user).select_related("village__district__regency"), pk=pk
    )


def can_edit_cooperative(user, cooperative: Cooperative) -> bool:
    """Admins and staff of the regency, and the BA whose territory holds the village."""
    access = access_for(user)
    if access.is_superuser or cooperative.village.district.regency_id in access.office_regency_ids:
        return True
    return access.mentor is not None and access.mentor.role == Mentor.Role.BA


def cooperative_get_for_editor(user, pk) -> Cooperative:
    cooperative = cooperative_get_for_user(user, pk)  # 404 outside the scope
    if not can_edit_cooperative(user, cooperative):
        raise PermissionDenied
    return cooperative


def current_ba_name():
    """The name of the village's BA under the plan in force, as a subquery for annotations."""
    links = BaVillage.objects.filter(village=OuterRef("village_id"), plan__status=TerritoryPlan.Status.ACTIVE)
    return Subquery(links.values("ba_territory__mentor__full_name")[:1])


def registry_for(user) -> QuerySet[Cooperative]:
    return (
        cooperatives_visible_to(user)
        .select_related("village__district")
        .annotate(ba_name=current_ba_name(), last_visit=Max("visits__date"))
        .order_by("village__code")
    )


def visits_visible_to(user) -> QuerySet[Visit]:
    access = access_for(user)
    if access.is_superuser:
        return Visit.objects.all()
    scope = Q(cooperative__village__district__regency_id__in=access.office_regency_ids)
    if access.mentor is not None:
        scope |= Q(mentor=access.mentor) | Q(cooperative__in=cooperatives_visible_to(user))
    return Visit.objects.filter(scope)


def visit_get_for_editor(user, pk) -> Visit:
    """A visit its author may correct for 7 days; after that, or for anyone else, only an admin."""
    visit = get_object_or_404(visits_visible_to(user).select_related("cooperative__village__district", "mentor"),
                              pk=pk)
    access = access_for(user)
    if access.can_manage(visit.cooperative.village.district.regency_id):
        return visit
    own = access.mentor is not None and visit.mentor_id == access.mentor.pk
    if own and visit_correctable_by_author(visit):
        return visit
    raise PermissionDenied


def visit_correctable_by_author(visit: Visit) -> bool:
    return timezone.now() - visit.created_at <= timedelta(days=EDIT_WINDOW_DAYS)


def cooperative_visits(cooperative: Cooperative) -> QuerySet[Visit]:
    return (
        cooperative.visits.select_related("mentor", "created_by")
        .prefetch_related("follow_ups__done_by")
        .order_by("-date", "-id")
    )


def open_follow_ups(mentor: Mentor) -> QuerySet[FollowUp]:
    """A mentor's open follow-ups by due date: the overdue ones come first."""
    return (
        FollowUp.objects.filter(visit__mentor=mentor, done=False)
        .select_related("visit__cooperative__village")
        .order_by("due_date", "id")
    )


def follow_up_get_for_user(user, pk) -> FollowUp:
    follow_up = get_object_or_404(
        FollowUp.objects.filter(visit__in=visits_visible_to(user)).select_related(
            "visit__mentor", "visit__cooperative__village__district"), pk=pk)
    access = access_for(user)
    own = access.mentor is not None and follow_up.visit.mentor_id == access.mentor.pk
    if not (own or access.is_superuser
            or follow_up.visit.cooperative.village.district.regency_id in access.office_regency_ids):
        raise PermissionDenied
    return follow_up


def my_cooperatives(mentor: Mentor) -> QuerySet[Cooperative]:
    """A BA's cooperatives with their last visit and the next due follow-up."""
    open_due = Min("visits__follow_ups__due_date", filter=Q(visits__follow_ups__done=False))
    return (
        Cooperative.objects.filter(village_id__in=Village.objects.filter(mentor_village_scope(mentor)).values("id"))
        .select_related("village__district")
        .annotate(last_visit=Max("visits__date"), next_due=open_due)
        .order_by("village__district__name", "village__name")
    )


# --- monthly reports ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def report_mentor_get_for_user(user, mentor_pk) -> Mentor:
    """The BA whose reports the user may read: themselves, the BAs of a PMO, the office's BAs."""
    mentor = mentor_get_for_user(user, mentor_pk)
    if mentor.role != Mentor.Role.BA:
        raise PermissionDenied
    return mentor


def report_or_new(mentor: Mentor, month: date) -> MonthlyReport:
    return MonthlyReport.objects.filter(mentor=mentor, month=month).first() or MonthlyReport(mentor=mentor, month=month)


def reviewer_of(mentor: Mentor) -> Mentor | None:
    """The PMO over a BA in the plan in force."""
    return Mentor.objects.filter(
        pmo_territories__plan__status=TerritoryPlan.Status.ACTIVE,
        pmo_territories__ba_territories__mentor=mentor,
    ).first()


def report_compilation(mentor: Mentor, month: date) -> dict:
    """What the BA did in the month: visits per cooperative, stage changes, follow-ups opened and closed."""
    end = next_month(month)
    visits = list(
        Visit.objects.filter(mentor=mentor, date__gte=month, date__lt=end)
        .select_related("cooperative__village__district")
        .prefetch_related("follow_ups")
        .order_by("cooperative__village__code", "date", "id")
    )
    by_cooperative: dict[int, dict] = {}
    for visit in visits:
        entry = by_cooperative.setdefault(visit.cooperative_id, {"cooperative": visit.cooperative, "visits": []})
        entry["visits"].append(visit)
    cooperatives = Q(cooperative__village_id__in=Village.objects.filter(mentor_village_scope(mentor)).values("id")) | Q(
        cooperative_id__in=[v.cooperative_id for v in visits])
    stage_changes = list(
        StageChange.objects.filter(cooperatives, reached_on__gte=month, reached_on__lt=end)
        .select_related("cooperative__village", "recorded_by")
        .order_by("reached_on", "id")
    )
    follow_ups = FollowUp.objects.filter(visit__mentor=mentor).select_related("visit__cooperative__village")
    return {
        "visits": visits,
        "by_cooperative": list(by_cooperative.values()),
        "stage_changes": stage_changes,
        "opened": list(follow_ups.filter(visit__date__gte=month, visit__date__lt=end).order_by("due_date")),
        "closed": list(follow_ups.filter(done=True, done_at__date__gte=month, done_at__date__lt=end)
                       .order_by("done_at")),
        "month_end": end - timedelta(days=1),
    }


def report_statuses(user, month: date, *, regency_ids=None) -> list[dict]:
    """For the office (or a PMO): every BA in scope and the status of their report for the month."""
    bas = mentors_visible_to(user).filter(role=Mentor.Role.BA, is_active=True)
    if regency_ids is not None:
        bas = bas.filter(regency_id__in=regency_ids)
    reports = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=month)
    end = next_month(month)
    rows = (
        bas.select_related("regency")
        .annotate(
            report_status=Subquery(reports.values("status")[:1]),
            visit_count=Count("visits", filter=Q(visits__date__gte=month, visits__date__lt=end)),
        )
        .order_by("full_name", "id")
    )
    return [{"mentor": mentor, "status": mentor.report_status or "missing",
             "visit_count": mentor.visit_count} for mentor in rows]
