"""Reads of regions, always through the user's scope.

Views turn a code from the URL into an object only through the `*_get_for_user` helpers, which answer
404 for anything outside the user's scope so that existence does not leak.
"""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from mentors.models import Mentor
from mentors.selectors import access_for, regency_ids_visible_to

from .models import Boundary, District, Regency, Village


def regencies_visible_to(user) -> QuerySet[Regency]:
    """Office people see their regencies, mentors the regency they work in, superusers all."""
    ids = regency_ids_visible_to(user)
    return Regency.objects.all() if ids is None else Regency.objects.filter(id__in=ids)


def mentor_village_scope(mentor: Mentor) -> Q:
    """The villages a mentor covers under the active territory plan (none until a plan is published)."""
    return Q(pk__in=[])


def villages_visible_to(user) -> QuerySet[Village]:
    access = access_for(user)
    if access.is_superuser:
        return Village.objects.all()
    scope = Q(district__regency_id__in=access.office_regency_ids)
    if access.mentor is not None:
        scope |= mentor_village_scope(access.mentor)
    return Village.objects.filter(scope)


def districts_visible_to(user) -> QuerySet[District]:
    """Whole regencies for the office; for a mentor, the districts that hold one of their villages."""
    access = access_for(user)
    if access.is_superuser:
        return District.objects.all()
    scope = Q(regency_id__in=access.office_regency_ids)
    if access.mentor is not None:
        scope |= Q(id__in=Village.objects.filter(mentor_village_scope(access.mentor)).values("district_id"))
    return District.objects.filter(scope)


def regency_get_for_user(user, code: str) -> Regency:
    return get_object_or_404(regencies_visible_to(user).select_related("province"), code=code)


def district_get_for_user(user, code: str) -> District:
    return get_object_or_404(districts_visible_to(user).select_related("regency__province"), code=code)


def village_get_for_user(user, code: str) -> Village:
    return get_object_or_404(villages_visible_to(user).select_related("district__regency__province"), code=code)


def regencies_with_counts(user) -> QuerySet[Regency]:
    return (
        regencies_visible_to(user)
        .select_related("province")
        .annotate(district_count=Count("districts", distinct=True), village_count=Count("districts__villages"))
        .order_by("code")
    )


def districts_with_counts(user, *, regency: Regency) -> QuerySet[District]:
    kind = Village.Kind
    return (
        districts_visible_to(user)
        .filter(regency=regency)
        .annotate(
            village_count=Count("villages"),
            desa_count=Count("villages", filter=Q(villages__kind=kind.DESA)),
            kelurahan_count=Count("villages", filter=Q(villages__kind__in=[kind.KELURAHAN, kind.DESA_ADAT])),
        )
        .order_by("code")
    )


def villages_of_district(user, *, district: District) -> QuerySet[Village]:
    return villages_visible_to(user).filter(district=district).order_by("code")


def boundary_of(code: str) -> Boundary | None:
    return Boundary.objects.filter(code=code).first()
