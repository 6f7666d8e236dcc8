"""What a user may do with cooperatives, visits, follow-ups and monthly reports: named predicates, each
correct on its own (they do not assume the object came through a scoped fetch).

Seeing an object (404 outside the scope) is the selectors' job; these answer the 403 questions, tell
templates which buttons to show and let services refuse a change.
"""

from datetime import timedelta

from django.utils import timezone

from mentors.access import access_for
from mentors.models import Mentor
from territories.coverage import mentor_scope, reviewer_of

from .models import Cooperative, FollowUp, Visit

CORRECTION_DAYS = 7  # an author corrects their visit for a week; after that only an admin can


def _holds_village(mentor: Mentor, village) -> bool:
    scope = mentor_scope(mentor)
    return village.pk in scope.village_ids or village.district_id in scope.district_ids


def can_export_registry(user) -> bool:
    return access_for(user).sees_regencies


def can_import_cooperatives(user) -> bool:
    return access_for(user).is_admin


def can_edit_cooperative(user, cooperative: Cooperative) -> bool:
    """Admins and staff of the regency, and the BA whose territory in the plan in force holds the village."""
    access = access_for(user)
    village = cooperative.village
    if access.is_office_of(village.district.regency_id):
        return True
    return access.is_ba and _holds_village(access.mentor, village)


def can_record_visits(user) -> bool:
    """Visits are recorded by mentors (BAs and PMOs), from their phone."""
    return access_for(user).mentor is not None


def can_record_visit(user, cooperative: Cooperative) -> bool:
    """A mentor whose territory in the plan in force holds the cooperative's village."""
    access = access_for(user)
    return access.mentor is not None and _holds_village(access.mentor, cooperative.village)


def visit_in_correction_window(visit: Visit) -> bool:
    return timezone.now() - visit.created_at <= timedelta(days=CORRECTION_DAYS)


def can_correct_visit(user, visit: Visit) -> bool:
    """Its author for 7 days after recording it; an admin of the regency at any time."""
    access = access_for(user)
    if access.manages(visit.cooperative.village.district.regency_id):
        return True
    return access.is_mentor(visit.mentor_id) and visit_in_correction_window(visit)


def can_close_follow_up(user, follow_up: FollowUp) -> bool:
    """The mentor who holds it today (work follows the village, not the leaver who opened it: the BA who covers
    the village; for a PMO's visit, the PMO of its district), or the office of the regency."""
    access = access_for(user)
    visit = follow_up.visit
    village = visit.cooperative.village
    if access.is_office_of(village.district.regency_id):
        return True
    mentor = access.mentor
    if mentor is None or not _holds_village(mentor, village):
        return False
    return mentor.role != Mentor.Role.PMO or visit.mentor.role == Mentor.Role.PMO


def can_list_follow_ups(user) -> bool:
    """Mentors list their own open follow-ups; the office (and readers) read those of its regencies."""
    access = access_for(user)
    return access.mentor is not None or access.sees_regencies


def lists_office_follow_ups(user) -> bool:
    """The follow-up list of an office user (without a mentor record of their own) is their regencies', to read:
    the mentor who opened a follow-up marks it done."""
    access = access_for(user)
    return access.mentor is None and access.sees_regencies


def can_view_reports(user) -> bool:
    access = access_for(user)
    return access.sees_regencies or access.mentor is not None


def can_list_report_statuses(user) -> bool:
    """Who sees every BA's report status for a month: the office (and readers), and a PMO for their BAs."""
    access = access_for(user)
    return access.sees_regencies or access.is_pmo


def can_list_pmo_reports(user) -> bool:
    """The PMOs' report statuses (beside the BAs'): the office (and readers)."""
    return access_for(user).sees_regencies


def can_write_report(user, mentor: Mentor) -> bool:
    """Only the BA or PMO themselves writes and submits their report (while it is a draft or returned)."""
    return mentor.role in (Mentor.Role.BA, Mentor.Role.PMO) and access_for(user).is_mentor(mentor.pk)


_UNKNOWN = object()


def can_review_report(user, mentor: Mentor, month, reviewer=_UNKNOWN) -> bool:
    """A BA's report: the PMO over them in the plan in force at the end of the month; when there is none, an
    admin of the regency's office. A PMO's report: an admin of the regency's office. (`reviewer`: the BA's PMO
    when the caller already looked it up.)"""
    access = access_for(user)
    if mentor.role == Mentor.Role.BA:
        if reviewer is _UNKNOWN:
            reviewer = reviewer_of(mentor, month)
        if reviewer is not None:
            return access.is_mentor(reviewer.pk)
    return mentor.role in (Mentor.Role.BA, Mentor.Role.PMO) and access.manages(mentor.regency_id)




def can_hand_over(user) -> bool:
    """Admins of a regency (and the national operator) hand a leaving mentor's villages over."""
    return access_for(user).is_admin


def can_hand_over_in(user, regency_id: int) -> bool:
    """An admin of the regency's office drafts and publishes its handovers."""
    return access_for(user).manages(regency_id)


def can_write_handover_note(user, cooperative: Cooperative, handover) -> bool:
    """The leaving mentor writes the note for their successor while their handover is a draft, for the cooperatives
    they still cover (the office writes them in the handover itself)."""
    access = access_for(user)
    return (handover is not None and handover.status == "draft" and access.is_mentor(handover.leaver_id)
            and _holds_village(access.mentor, cooperative.village))
