"""Reads of regions, always through the user's scope.

Views turn a code from the URL into an object only through the `*_get_for_user` helpers, which answer
404 for anything outside the user's scope so that existence does not leak.
"""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Boundary, District, Regency, Village


def regencies_visible_to(user) -> QuerySet[Regency]:
    if not user.is_authenticated or not user.is_active:
        return Regency.objects.none()
    return Regency.objects.all()


def districts_visible_to(user) -> QuerySet[District]:
    return District.objects.filter(regency__in=regencies_visible_to(user))


def villages_visible_to(user) -> QuerySet[Village]:
    return Village.objects.filter(district__in=districts_visible_to(user))


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
