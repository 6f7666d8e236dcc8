"""Reads through the plan in force: what a user may see of regions and mentors, and the plans themselves.

Views turn an id or code from the URL into an object only through the `*_get_for_user` helpers, which answer
404 for anything outside the user's scope so that existence does not leak.

A mentor's scope is resolved to ids first (the villages of a BA's territory, the districts and team of a
PMO: a few indexed lookups, kept for the request) and then used as a plain `IN (…)` list, so that pages
over a mentor's mentoring read only the mentor's own rows.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import replace

from django.db.models import BigIntegerField, Case, Count, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mentors.access import access_for, require
from mentors.models import Mentor
from mentors.selectors import office_mentor_scope, regency_ids_visible_to
from offices.models import OfficeSettings
from regions.models import Boundary, District, Regency, Village

from .access import can_manage_plans_of
from .coverage import (  # noqa: F401 (the coverage API, re-exported for the territories app's own modules)
    MentorScope,
    active_plan,
    ba_territory_of,
    mentor_scope,
    mentor_villages,
    pmo_team,
    village_history,
    who_covered,
)
from .models import BaTerritory, BaVillage, PmoDistrict, PmoTerritory, TerritoryPlan, VillageGraph
from .planning import (
    Geography,
    MentorInfo,
    Place,
    Proposal,
    Snapshot,
    TerritoryInfo,
    Validation,
    diff,
    geography_from_edges,
    geography_of,
    graph_edges,
    validate,
)

ACTIVE = TerritoryPlan.Status.ACTIVE


def user_mentor_scope(user) -> MentorScope | None:
    mentor = access_for(user).mentor
    return mentor_scope(mentor) if mentor is not None else None


# --- regions, through the scope -------------------------------------------------------------------


def regencies_visible_to(user) -> QuerySet[Regency]:
    """Office people see their regencies, mentors the regency they work in, superusers all."""
    ids = regency_ids_visible_to(user)
    return Regency.objects.all() if ids is None else Regency.objects.filter(id__in=ids)


def village_scope(user, prefix: str = "") -> Q | None:
    """The villages the user may see, as a filter on Village (or through `prefix`, e.g. "village" on
    Cooperative); None means every village (superuser)."""
    access = access_for(user)
    if access.sees_everything:
        return None
    path = f"{prefix}__" if prefix else ""
    scope = access.office_scope(f"{path}district__regency")
    if access.mentor is not None:
        mine = mentor_scope(access.mentor)
        scope |= mine.villages_via(prefix) if prefix else mine.villages()
    return scope


def villages_visible_to(user) -> QuerySet[Village]:
    scope = village_scope(user)
    return Village.objects.all() if scope is None else Village.objects.filter(scope)


def districts_visible_to(user) -> QuerySet[District]:
    """Whole regencies for the office; for a mentor, the districts that hold one of their villages."""
    access = access_for(user)
    if access.sees_everything:
        return District.objects.all()
    scope = access.office_scope("regency")
    if access.mentor is not None:
        mine = mentor_scope(access.mentor)
        held = Village.objects.filter(id__in=mine.village_ids).values_list("district_id", flat=True)
        scope |= Q(id__in=set(held) | set(mine.district_ids))
    return District.objects.filter(scope)


def regency_get_for_user(user, code: str) -> Regency:
    return get_object_or_404(regencies_visible_to(user).select_related("province"), code=code)


def district_get_for_user(user, code: str) -> District:
    return get_object_or_404(districts_visible_to(user).select_related("regency__province"), code=code)


def village_get_for_user(user, code: str) -> Village:
    return get_object_or_404(villages_visible_to(user).select_related("district__regency__province"), code=code)


def regencies_with_counts(user) -> QuerySet[Regency]:
    # Counted per regency by subqueries (the page's rows only), not by joining every district and village of the
    # country and grouping (177 ms nationally, for 50 rows shown).
    districts = District.objects.filter(regency=OuterRef("pk")).order_by().values("regency").annotate(
        n=Count("pk")).values("n")
    villages = Village.objects.filter(district__regency=OuterRef("pk")).order_by().values("district__regency").annotate(
        n=Count("pk")).values("n")
    return (
        regencies_visible_to(user)
        .select_related("province")
        .annotate(district_count=Coalesce(Subquery(districts), 0), village_count=Coalesce(Subquery(villages), 0))
        .order_by("code")
    )


def districts_with_counts(user, *, regency: Regency) -> QuerySet[District]:
    kind = Village.Kind
    return (
        districts_visible_to(user)
        .filter(regency=regency)
        .annotate(
            village_count=Count("villages"),
            desa_count=Count("villages", filter=Q(villages__kind__in=[kind.DESA, kind.DESA_ADAT])),
            kelurahan_count=Count("villages", filter=Q(villages__kind=kind.KELURAHAN)),
        )
        .order_by("code")
    )


def villages_of_district(user, *, district: District) -> QuerySet[Village]:
    return villages_visible_to(user).filter(district=district).order_by("code")


def regency_has_coordinates(regency: Regency) -> bool:
    return Village.objects.filter(district__regency=regency, latitude__isnull=False).exists()


def boundary_of(code: str) -> Boundary | None:
    return Boundary.objects.filter(code=code).first()


# --- mentors, through the scope -------------------------------------------------------------------


def mentors_visible_to(user) -> QuerySet[Mentor]:
    """The office's mentors, the user's own record and, for a PMO, the BAs they supervise."""
    scope = office_mentor_scope(user)
    mine = user_mentor_scope(user)
    if mine is not None and mine.team_ids:
        scope |= Q(pk__in=mine.team_ids)
    return Mentor.objects.filter(scope)


def mentor_ids_openable_by(user, ids) -> set[int]:
    """Which of these mentors' pages the user may open (the others' names are shown without a link): one query."""
    ids = {pk for pk in ids if pk is not None}
    access = access_for(user)
    if not (access.sees_regencies or access.is_pmo):  # a BA opens only their own page: no query
        return ids & ({access.mentor.pk} if access.mentor is not None else set())
    return set(mentors_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def mentor_get_for_user(user, pk) -> Mentor:
    return get_object_or_404(mentors_visible_to(user).select_related("regency", "user"), pk=pk)


def roster_for(user) -> QuerySet[Mentor]:
    return mentors_visible_to(user).select_related("regency", "user").order_by("full_name", "id")


def holds_territory(mentor: Mentor) -> bool:
    """Whether the plan in force gives the mentor a territory."""
    return (BaTerritory.objects.filter(plan__status=ACTIVE, mentor=mentor).exists()
            or PmoTerritory.objects.filter(plan__status=ACTIVE, mentor=mentor).exists())


def territory_holder_ids(regency) -> set[int]:
    """The ids of the regency's mentors who hold a territory (BA or PMO) in the plan in force."""
    in_force = {"plan__regency": regency, "plan__status": ACTIVE, "mentor__isnull": False}
    return (set(BaTerritory.objects.filter(**in_force).values_list("mentor_id", flat=True))
            | set(PmoTerritory.objects.filter(**in_force).values_list("mentor_id", flat=True)))


def territories_of(mentor: Mentor) -> list:
    """The territories the mentor holds in the plan in force, with their size (villages or districts)."""
    return [
        *BaTerritory.objects.filter(plan__status=ACTIVE, mentor=mentor).annotate(size=Count("village_links")),
        *PmoTerritory.objects.filter(plan__status=ACTIVE, mentor=mentor).annotate(size=Count("district_links")),
    ]


def mentors_in_district(district: District) -> QuerySet[Mentor]:
    """Mentors working in the district under the plan in force: its BAs and its PMO."""
    bas = BaVillage.objects.filter(plan__status=ACTIVE, village__district=district).values("ba_territory__mentor_id")
    pmos = PmoDistrict.objects.filter(plan__status=ACTIVE, district=district).values("pmo_territory__mentor_id")
    return Mentor.objects.filter(Q(pk__in=bas) | Q(pk__in=pmos))


# --- territory plans ------------------------------------------------------------------------------


def plans_visible_to(user) -> QuerySet[TerritoryPlan]:
    """Plans are the office's business: admins, staff and superusers see those of their regencies."""
    return TerritoryPlan.objects.filter(access_for(user).office_scope("regency"))


def plan_get_for_user(user, pk) -> TerritoryPlan:
    return get_object_or_404(plans_visible_to(user).select_related("regency", "created_by", "published_by"), pk=pk)


def plan_get_for_admin(user, pk) -> TerritoryPlan:
    """The plan if the user may see it (else 404) and edit it as an admin of its regency (else 403)."""
    plan = plan_get_for_user(user, pk)
    require(can_manage_plans_of(user, plan.regency_id))
    return plan


def plan_territory_get(plan: TerritoryPlan, kind: str, pk) -> PmoTerritory | BaTerritory:
    """A territory of a plan the caller already holds through `plan_get_for_*`; 404 for any other plan's."""
    model = PmoTerritory if kind == "pmo" else BaTerritory
    return get_object_or_404(model, plan=plan, pk=pk)


def plans_with_counts(user) -> QuerySet[TerritoryPlan]:
    return (
        plans_visible_to(user)
        .select_related("regency", "published_by")
        .annotate(ba_count=Count("ba_territories", distinct=True), pmo_count=Count("pmo_territories", distinct=True))
        .order_by("regency__code", Case(When(status="draft", then=0), When(status="scheduled", then=1),
                                              When(status="active", then=2), default=3),
                  "-effective_from", "-created_at")
    )


def plan_predecessor(plan: TerritoryPlan, others) -> TerritoryPlan | None:
    """What a plan is compared with by default, among the other plans of its regency (already loaded): for a
    draft the plan in force, for a published plan the one it replaced."""
    published = [p for p in others if p.status in (TerritoryPlan.Status.ACTIVE, TerritoryPlan.Status.ARCHIVED)]
    if plan.is_draft:
        return next((p for p in published if p.status == TerritoryPlan.Status.ACTIVE), None)
    earlier = [p for p in published if p.effective_from and p.effective_from < plan.effective_from]
    return max(earlier, key=lambda p: p.effective_from, default=None)


def _places(rows):
    return {
        row["id"]: Place(row["id"], row["code"], row["name"], row.get("district_id"),
                         float(row["latitude"]) if row["latitude"] is not None else None,
                         float(row["longitude"]) if row["longitude"] is not None else None)
        for row in rows
    }


def regency_places(regency) -> tuple[dict[int, Place], dict[int, Place]]:
    """The villages and districts of a regency as plain data (two queries). For planning, a village without a
    point of its own stands at its district's (`villages_without_point` names them), so that one missing point
    does not leave the whole regency without geography."""
    fields = ["id", "code", "name", "latitude", "longitude"]
    villages = _places(Village.objects.filter(district__regency=regency).values(*fields, "district_id"))
    districts = _places(District.objects.filter(regency=regency).values(*fields))
    for pk, village in villages.items():
        district = districts.get(village.district_id)
        if village.lat is None and district is not None and district.lat is not None:
            villages[pk] = replace(village, lat=district.lat, lng=district.lng, located=False)
        elif village.lat is None:
            villages[pk] = replace(village, located=False)
    return villages, districts


def regency_geography(regency, villages: dict[int, Place]) -> Geography:
    """Which of the regency's villages neighbour which: from the boundaries' recorded neighbours where they are
    imported, from the points otherwise. Read from the regency's stored graph (`VillageGraph`) when it was built
    from the same points and boundaries; otherwise built, and stored for the next reads."""
    boundaries = Boundary.objects.filter(code__startswith=regency.code + ".")
    stamp = boundaries.aggregate(count=Count("id"), latest=Max("imported_at"))
    points = sorted((v.id, v.lat, v.lng, v.located) for v in villages.values())
    fingerprint = hashlib.sha256(repr((points, stamp["count"], str(stamp["latest"]))).encode()).hexdigest()
    stored = VillageGraph.objects.filter(regency=regency, fingerprint=fingerprint).values_list("edges", flat=True)
    for edges in stored:
        return geography_from_edges(villages, edges)
    by_code = {v.code: v.id for v in villages.values()}
    touching = {}
    if stamp["count"]:
        for code, others in boundaries.values_list("code", "neighbours").iterator(chunk_size=2000):
            if code in by_code:
                touching[by_code[code]] = {by_code[o] for o in others if o in by_code}
    geo = geography_of(villages, touching or None)
    # Two first reads at once store the same graph: the later one overwrites the earlier.
    VillageGraph.objects.bulk_create(
        [VillageGraph(regency=regency, fingerprint=fingerprint, edges=graph_edges(geo.graph))],
        update_conflicts=True, unique_fields=["regency"], update_fields=["fingerprint", "edges", "built_at"])
    return geo


def villages_without_point(regency) -> list[Village]:
    """The villages of a regency with no coordinates of their own (they are planned at their district's)."""
    return list(Village.objects.filter(district__regency=regency, latitude__isnull=True)
                .select_related("district").order_by("code"))


def mentor_infos(regency) -> dict[int, MentorInfo]:
    return {
        m.id: MentorInfo(m.id, m.full_name, m.role, m.is_active, m.contract_start, m.contract_end, m.email)
        for m in Mentor.objects.filter(regency=regency).only(
            "id", "full_name", "role", "is_active", "contract_start", "contract_end", "email")
    }


def plan_snapshot(plan: TerritoryPlan, *, places=None, mentors=None) -> Snapshot:
    """The plan as plain data: two queries for the plan (its territories, their members) whatever its size,
    plus the regency's places and mentors unless the caller already holds them."""
    villages, districts = places or regency_places(plan.regency)
    none = Value(None, output_field=BigIntegerField())
    territories = (
        PmoTerritory.objects.filter(plan=plan).order_by().annotate(pmo=none, kind=Value("pmo"))
        .values_list("id", "name", "mentor_id", "pmo", "kind")
        .union(BaTerritory.objects.filter(plan=plan).order_by().annotate(kind=Value("ba"))
               .values_list("id", "name", "mentor_id", "pmo_territory_id", "kind"), all=True)
    )
    pmo, ba = {}, {}
    for pk, name, mentor_id, pmo_id, kind in territories:
        if kind == "pmo":
            pmo[pk] = TerritoryInfo(pk, name, mentor_id)
        else:
            ba[pk] = TerritoryInfo(pk, name, mentor_id, pmo_id=pmo_id)
    members = (
        PmoDistrict.objects.filter(plan=plan).order_by().annotate(kind=Value("pmo"))
        .values_list("pmo_territory_id", "district_id", "kind")
        .union(BaVillage.objects.filter(plan=plan).order_by().annotate(kind=Value("ba"))
               .values_list("ba_territory_id", "village_id", "kind"), all=True)
    )
    for territory, member, kind in members:
        (pmo if kind == "pmo" else ba)[territory].members.add(member)
    return Snapshot(villages=villages, districts=districts, mentors=mentors or mentor_infos(plan.regency),
                    pmo=pmo, ba=ba)


def rows_snapshot(places, mentors, pmo_rows, ba_rows) -> Snapshot:
    """A split given as rows (see `services.proposal_for`) as plain data, for checks and diffs before writing."""
    villages, districts = places
    pmo = {-(i + 1): TerritoryInfo(-(i + 1), name, mentor, set(members))
           for i, (name, mentor, members) in enumerate(pmo_rows)}
    pmo_id = {t.name: t.id for t in pmo.values()}
    ba = {-(i + 1): TerritoryInfo(-(i + 1), name, mentor, set(members), pmo_id.get(pmo_name))
          for i, (name, mentor, pmo_name, members) in enumerate(ba_rows)}
    return Snapshot(villages=villages, districts=districts, mentors=mentors, pmo=pmo, ba=ba)


def proposal_preview(plan: TerritoryPlan, pmo_rows, ba_rows, proposal: Proposal | None = None) -> dict:
    """What applying a proposal changes: against the draft's split, or the plan in force for an empty draft. With
    the `proposal`, also why it is shaped as it is: Business Assistants moved to another PMO area, districts
    moved across the PMO border, or a split kept that cannot meet the target."""
    places = regency_places(plan.regency)
    mentors = mentor_infos(plan.regency)
    current = plan_snapshot(plan, places=places, mentors=mentors)
    if not current.ba:
        active = active_plan(plan.regency)
        current = plan_snapshot(active, places=places, mentors=mentors) if active else None
    proposed = rows_snapshot(places, mentors, pmo_rows, ba_rows)
    changes = diff(current, proposed)
    validation = plan_validation(plan, proposed)
    low, high = OfficeSettings.of(plan.regency).ba_target
    sizes = sorted(len(t.members) for t in proposed.ba.values())
    villages, districts = places
    holders = defaultdict(set)
    for territory in proposed.ba.values():
        for village in territory.members:
            holders[villages[village].district_id].add(territory.id)
    district_sizes = Counter(v.district_id for v in villages.values())
    return {
        "diff": changes, "moves": len(changes.moves), "mentors": len(changes.gains), "against": current is not None,
        "validation": validation, "publishable": validation.ok, "sizes": sizes,
        "in_target": bool(sizes) and low <= sizes[0] and sizes[-1] <= high, "target": (low, high),
        # Districts that one Business Assistant could hold whole, shared between several.
        "districts_shared": sorted(districts[d].name for d, held in holders.items()
                                   if len(held) > 1 and district_sizes[d] <= high),
        "kept": bool(proposal and proposal.kept),
        "reshaped": bool(proposal and proposal.kept and (proposal.bas_moved or proposal.districts_moved
                                                          or not proposal.fits)),
        "bas_moved": sorted(mentors[m].name for m in proposal.bas_moved if m in mentors) if proposal else [],
        "districts_moved": sorted(districts[d].name for d in proposal.districts_moved) if proposal else [],
    }


def plan_validation(plan: TerritoryPlan, snapshot: Snapshot, *, effective_date=None) -> Validation:
    regency = plan.regency
    limits = OfficeSettings.of(regency)
    return validate(snapshot, effective_date=effective_date or plan.effective_from, target=limits.ba_target,
                    geo=regency_geography(regency, snapshot.villages), span_km=limits.ba_span_max_km,
                    today=timezone.localdate())


def in_force_checks(plan: TerritoryPlan, snapshot: Snapshot) -> Validation:
    """What needs the office's attention in the plan in force today: mentors whose contract has ended or ends
    within 30 days, territories whose mentor left."""
    today = timezone.localdate()
    regency = plan.regency
    checks = validate(snapshot, effective_date=today, target=OfficeSettings.of(regency).ba_target)
    wanted = {"contract", "contract_ending", "ba_unstaffed", "pmo_unstaffed"}
    return Validation(blocking=[i for i in checks.blocking if i.code in wanted],
                      warnings=[i for i in checks.warnings if i.code in wanted])


def ba_row(snapshot: Snapshot, ba: TerritoryInfo, target: tuple[int, int]) -> dict:
    """One BA territory for pages: its mentor, villages, districts (with their villages) and PMO territory."""
    villages = sorted((snapshot.villages[v] for v in ba.members if v in snapshot.villages), key=lambda v: v.code)
    by_district = defaultdict(list)
    for village in villages:
        by_district[village.district_id].append(village)
    return {
        "territory": ba, "mentor": snapshot.mentors.get(ba.mentor_id), "villages": villages,
        "districts": [(snapshot.districts[d], vs) for d, vs in sorted(
            by_district.items(), key=lambda item: snapshot.districts[item[0]].code)],
        "in_target": target[0] <= len(villages) <= target[1], "pmo": snapshot.pmo.get(ba.pmo_id),
    }


def plan_overview(plan: TerritoryPlan, snapshot: Snapshot) -> list[dict]:
    """PMO territories with their districts and BA territories, BA territories with their villages: for pages,
    the annex and the export. Territories with no PMO territory come last under None."""
    target = OfficeSettings.of(plan.regency).ba_target
    groups = []
    for pmo in sorted(snapshot.pmo.values(), key=lambda t: (t.name, t.id)) + [None]:
        bas = sorted((b for b in snapshot.ba.values() if b.pmo_id == (pmo.id if pmo else None)
                      or (pmo is None and b.pmo_id not in snapshot.pmo)), key=lambda t: (t.name, t.id))
        if pmo is None and not bas:
            continue
        rows = [ba_row(snapshot, ba, target) for ba in bas]
        groups.append({
            "territory": pmo, "mentor": snapshot.mentors.get(pmo.mentor_id) if pmo else None,
            "districts": sorted((snapshot.districts[d] for d in pmo.members), key=lambda d: d.code) if pmo else [],
            "ba_rows": rows, "village_count": sum(len(row["villages"]) for row in rows),
        })
    return groups
