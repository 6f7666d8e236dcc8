"""Who a user is in the portal, and which mentors they may see.

Roles: a superuser sees every regency; an admin or office-staff member sees the regencies of their
memberships; a PMO or BA sees themselves (and, once territory plans exist, what the active plan gives
them). Everything outside the scope answers 404, a permitted read with a forbidden write answers 403.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Membership, Mentor


@dataclass(frozen=True)
class Access:
    is_superuser: bool = False
    admin_regency_ids: frozenset[int] = frozenset()
    staff_regency_ids: frozenset[int] = frozenset()
    mentor: Mentor | None = None

    @property
    def office_regency_ids(self) -> frozenset[int]:
        return self.admin_regency_ids | self.staff_regency_ids

    @property
    def is_office(self) -> bool:
        """Admins, office staff and superusers: they see whole regencies."""
        return self.is_superuser or bool(self.office_regency_ids)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or bool(self.admin_regency_ids)

    def can_manage(self, regency_id: int) -> bool:
        return self.is_superuser or regency_id in self.admin_regency_ids

    @property
    def role(self) -> str:
        """The role the home page is built for."""
        if self.is_superuser:
            return "superuser"
        if self.admin_regency_ids:
            return "admin"
        if self.staff_regency_ids:
            return "staff"
        if self.mentor is not None:
            return self.mentor.role
        return "none"


NO_ACCESS = Access()


def access_for(user) -> Access:
    """The user's roles, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_portal_access", None)
    if cached is not None:
        return cached
    admin, staff = set(), set()
    for regency_id, role in Membership.objects.filter(user=user).values_list("regency_id", "role"):
        (admin if role == Membership.Role.ADMIN else staff).add(regency_id)
    mentor = Mentor.objects.filter(user=user, is_active=True).select_related("regency").first()
    access = Access(
        is_superuser=user.is_superuser,
        admin_regency_ids=frozenset(admin),
        staff_regency_ids=frozenset(staff),
        mentor=mentor,
    )
    user._portal_access = access
    return access


def regency_ids_visible_to(user) -> set[int] | None:
    """The regencies the user works in; None means every regency (superuser)."""
    access = access_for(user)
    if access.is_superuser:
        return None
    ids = set(access.office_regency_ids)
    if access.mentor is not None:
        ids.add(access.mentor.regency_id)
    return ids


def regency_model():
    """The region model mentors point at; read through the relation so this app imports no region code."""
    return Mentor._meta.get_field("regency").related_model


def regencies_managed_by(user) -> QuerySet:
    access = access_for(user)
    regencies = regency_model().objects.order_by("code")
    return regencies if access.is_superuser else regencies.filter(id__in=access.admin_regency_ids)


def regencies_seen_by_office(user) -> QuerySet:
    access = access_for(user)
    regencies = regency_model().objects.order_by("code")
    return regencies if access.is_superuser else regencies.filter(id__in=access.office_regency_ids)


def mentors_visible_to(user) -> QuerySet[Mentor]:
    access = access_for(user)
    if access.is_superuser:
        return Mentor.objects.all()
    scope = Q(regency_id__in=access.office_regency_ids)
    if access.mentor is not None:
        scope |= Q(pk=access.mentor.pk) | supervised_by(access.mentor)
    return Mentor.objects.filter(scope)


def supervised_by(mentor: Mentor) -> Q:
    """The BAs a PMO supervises under the plan in force (nobody for a BA).

    Read through the reverse relations of the territory models, so this app imports none of their code.
    """
    if mentor.role != Mentor.Role.PMO:
        return Q(pk__in=[])
    team = Mentor.objects.filter(
        ba_territories__plan__status="active", ba_territories__pmo_territory__mentor=mentor
    ).values("pk")
    return Q(pk__in=team)


def require_office(user) -> Access:
    """Roster pages are for the office; a signed-in mentor may not list them (403)."""
    access = access_for(user)
    if not access.is_office:
        raise PermissionDenied
    return access


def require_admin(user) -> Access:
    access = access_for(user)
    if not access.is_admin:
        raise PermissionDenied
    return access


def mentor_get_for_user(user, pk) -> Mentor:
    return get_object_or_404(mentors_visible_to(user).select_related("regency", "user"), pk=pk)


def mentor_get_for_admin(user, pk) -> Mentor:
    """The mentor, if the user may see it (else 404) and manage it (else 403)."""
    mentor = mentor_get_for_user(user, pk)
    if not access_for(user).can_manage(mentor.regency_id):
        raise PermissionDenied
    return mentor


def roster_for(user) -> QuerySet[Mentor]:
    return mentors_visible_to(user).select_related("regency", "user").order_by("full_name", "id")


def office_overview(user, *, today: date, horizon_days: int = 30) -> dict:
    """Counts for the office home page: mentors by role and state, and contracts ending soon."""
    mentors = mentors_visible_to(user)
    counts = mentors.aggregate(
        pmo_active=Count("id", filter=Q(role=Mentor.Role.PMO, is_active=True)),
        ba_active=Count("id", filter=Q(role=Mentor.Role.BA, is_active=True)),
        pmo_inactive=Count("id", filter=Q(role=Mentor.Role.PMO, is_active=False)),
        ba_inactive=Count("id", filter=Q(role=Mentor.Role.BA, is_active=False)),
    )
    ending = (
        mentors.filter(is_active=True, contract_end__gte=today, contract_end__lte=today + timedelta(days=horizon_days))
        .select_related("regency")
        .order_by("contract_end", "full_name")
    )
    return {"counts": counts, "contracts_ending": ending[:20], "contracts_ending_count": ending.count()}
