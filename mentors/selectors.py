"""Reads of people in the office's scope: the regencies a user works in, the mentors of those regencies and
their office accounts.

What the plan in force adds to a mentor's view (a PMO's team) is read by the app that knows plans.
"""

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from regions.models import Regency

from .access import access_for
from .models import Membership, Mentor


def regency_ids_visible_to(user) -> set[int] | None:
    """The regencies the user works in or reads; None means every regency (superuser, national reader)."""
    access = access_for(user)
    if access.sees_everything:
        return None
    ids = set(access.seen_regency_ids)
    if access.mentor is not None:
        ids.add(access.mentor.regency_id)
    return ids


def regencies_managed_by(user) -> QuerySet[Regency]:
    access = access_for(user)
    regencies = Regency.objects.order_by("code")
    return regencies if access.is_superuser else regencies.filter(id__in=access.admin_regency_ids)


def regencies_seen_by_office(user) -> QuerySet[Regency]:
    return Regency.objects.filter(access_for(user).office_scope("")).order_by("code")


def office_mentor_scope(user) -> Q:
    """The mentors of the regencies the user sees whole (office or reader), and the user's own mentor record."""
    access = access_for(user)
    if access.sees_everything:
        return Q()
    scope = access.office_scope("regency")
    if access.mentor is not None:
        scope |= Q(pk=access.mentor.pk)
    return scope


def mentor_get_for_manager(user, pk) -> Mentor:
    """A mentor of the office's regencies (else 404). Callers check `can_manage_mentor` for the change."""
    return get_object_or_404(Mentor.objects.filter(office_mentor_scope(user)).select_related("regency", "user"),
                             pk=pk)


RENEWAL_HORIZON_DAYS = 60


def mentors_to_renew(user, *, today: date, show: str = "due") -> QuerySet[Mentor]:
    """The mentors of the regencies the admin manages whose contract may be renewed here: `due` (the default) those
    whose contract ends within RENEWAL_HORIZON_DAYS or has ended (access ended by it), `all` every mentor with a
    contract end; by contract end, then name."""
    managed = Q() if access_for(user).is_superuser else Q(regency_id__in=access_for(user).admin_regency_ids)
    mentors = Mentor.objects.filter(managed, contract_end__isnull=False).select_related("regency")
    if show != "all":
        mentors = mentors.filter(contract_end__lte=today + timedelta(days=RENEWAL_HORIZON_DAYS))
    return mentors.order_by("contract_end", "full_name", "id")


def office_overview(user, *, today: date, horizon_days: int = 30) -> dict:
    """The active mentors of the office's regencies whose contract ends soon (the home page's list)."""
    ending = (
        Mentor.objects.filter(office_mentor_scope(user), is_active=True, contract_end__gte=today,
                              contract_end__lte=today + timedelta(days=horizon_days))
        .only("full_name", "role", "contract_end")
        .order_by("contract_end", "full_name")
    )
    first = list(ending[:20])
    return {"contracts_ending": first, "contracts_ending_count": len(first) if len(first) < 20 else ending.count()}


# --- office accounts --------------------------------------------------------------------------------------


def office_regency_get_for_user(user, code: str) -> Regency:
    """A regency whose office the user works in, by its code (else 404); superusers: any regency.

    Callers check `can_manage_office` next: the regency's own staff (and its readers) get 403 there, everyone else
    404 here."""
    return get_object_or_404(Regency.objects.filter(access_for(user).office_scope("")), code=code)


def office_regencies_managed_by(user) -> QuerySet[Regency]:
    """The regencies whose office accounts the user manages, with how many accounts each has."""
    return regencies_managed_by(user).annotate(accounts=Count("memberships"))


def office_accounts(regency: Regency) -> QuerySet[Membership]:
    """The office accounts of a regency: admins first, then by name."""
    return (Membership.objects.filter(regency=regency).select_related("user")
            .order_by("role", "user__full_name", "user__email"))


def office_account_get(regency: Regency, pk) -> Membership:
    """An office account of this regency (else 404: an id of another regency's office is not found here)."""
    return get_object_or_404(Membership.objects.filter(regency=regency).select_related("user", "regency"), pk=pk)


def office_changes(regency: Regency) -> QuerySet:
    """Every change to the regency's office accounts, newest first, with who made it and whose account it was
    (also for accounts removed since)."""
    return (Membership.history.filter(regency_id=regency.pk).select_related("history_user", "user")
            .order_by("-history_date", "-history_id"))


def office_admin_addresses(regency_id: int) -> list[str]:
    """The e-mail addresses of the regency's office admins who can sign in and take e-mail (for what the office is
    told by the background jobs)."""
    return sorted(set(Membership.objects.filter(
        regency_id=regency_id, role=Membership.Role.ADMIN, user__is_active=True, user__email_notifications=True,
    ).exclude(user__email="").values_list("user__email", flat=True)))
