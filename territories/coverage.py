"""Who covers what: the one read API of the plans in force, for every app above this one.

Which BA and which PMO cover a village on a day, the BAs under a PMO, the villages a mentor covers, who reviews a
BA's report for a month, and expressions (`Q`, `Subquery`) that other apps use to filter or annotate their own
querysets. No module outside `territories/` names the plans' tables or their relations: it asks here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from mentors.models import Mentor
from regions.models import Village

from .models import BaTerritory, BaVillage, PmoDistrict, PmoTerritory, TerritoryPlan

ACTIVE = TerritoryPlan.Status.ACTIVE
PUBLISHED = (TerritoryPlan.Status.ACTIVE, TerritoryPlan.Status.ARCHIVED)


# --- plans ------------------------------------------------------------------------------------------------


def active_plan(regency) -> TerritoryPlan | None:
    """The plan in force in a regency today."""
    return TerritoryPlan.objects.filter(regency=regency, status=ACTIVE).first()


def plans_in_force_on(regency_ids, day: date) -> QuerySet[TerritoryPlan]:
    """The published plans of the regencies that were in force on a day."""
    return TerritoryPlan.objects.filter(
        regency_id__in=regency_ids, status__in=PUBLISHED, effective_from__lte=day,
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def current_and_draft_plans(regency) -> list[TerritoryPlan]:
    """The plan in force, the plan scheduled to follow it and the drafts of a regency (the regency's dashboard lists
    them)."""
    return list(TerritoryPlan.objects.filter(regency=regency, status__in=[ACTIVE, TerritoryPlan.Status.SCHEDULED,
                                                                          TerritoryPlan.Status.DRAFT])
                .order_by("status", "-created_at"))


def draft_plans(regency_ids=None) -> QuerySet[TerritoryPlan]:
    """Drafts waiting to be published (of the regencies, or all when None), with their regency."""
    drafts = TerritoryPlan.objects.filter(status=TerritoryPlan.Status.DRAFT).select_related("regency")
    return drafts if regency_ids is None else drafts.filter(regency_id__in=regency_ids)


# --- a mentor's area --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorScope:
    """What the plan in force gives a mentor: a BA their villages, a PMO their districts and their BAs."""

    village_ids: tuple[int, ...] = ()
    district_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()

    def villages(self) -> Q:
        """The mentor's villages as a filter on Village."""
        return Q(id__in=self.village_ids) | Q(district_id__in=self.district_ids)

    def villages_via(self, prefix: str) -> Q:
        """The same filter through a relation, e.g. `village` from a model that points at a village."""
        return Q(**{f"{prefix}_id__in": self.village_ids}) | Q(**{f"{prefix}__district_id__in": self.district_ids})

    def holds(self, village) -> bool:
        return village.pk in self.village_ids or village.district_id in self.district_ids


def mentor_scope(mentor: Mentor) -> MentorScope:
    """What the plan in force gives the mentor now, resolved once per mentor object (one or two indexed queries)."""
    cached = getattr(mentor, "_territory_scope", None)
    if cached is not None:
        return cached
    if mentor.role == Mentor.Role.PMO:
        districts = PmoDistrict.objects.filter(plan__status=ACTIVE, pmo_territory__mentor=mentor)
        team = BaTerritory.objects.filter(plan__status=ACTIVE, pmo_territory__mentor=mentor, mentor__isnull=False)
        scope = MentorScope(district_ids=tuple(districts.values_list("district_id", flat=True)),
                            team_ids=tuple(team.values_list("mentor_id", flat=True)))
    else:
        links = BaVillage.objects.filter(plan__status=ACTIVE, ba_territory__mentor=mentor)
        scope = MentorScope(village_ids=tuple(links.values_list("village_id", flat=True)))
    mentor._territory_scope = scope
    return scope


def mentor_villages(mentor: Mentor) -> QuerySet[Village]:
    """The villages a mentor covers now (a BA's villages, a PMO's districts' villages)."""
    return Village.objects.filter(mentor_scope(mentor).villages()).select_related("district").order_by("code")


def ba_village_ids_on(mentor: Mentor, day: date) -> QuerySet:
    """The ids of the villages a BA covered on a day (the plan in force then), as a subquery."""
    return BaVillage.objects.filter(plan__in=plans_in_force_on([mentor.regency_id], day),
                                    ba_territory__mentor=mentor).values("village_id")


def ba_territory_of(mentor: Mentor) -> BaTerritory | None:
    """The BA's territory in the plan in force, with its PMO."""
    return (BaTerritory.objects.filter(plan__status=ACTIVE, mentor=mentor)
            .select_related("pmo_territory__mentor", "plan").first())


def pmo_territories_in_force(regency_ids) -> QuerySet[PmoTerritory]:
    """The PMO territories of the regencies' plans in force, with their PMO and `districts` (their count), by name."""
    return (PmoTerritory.objects.filter(plan__regency_id__in=regency_ids, plan__status=ACTIVE)
            .select_related("mentor", "plan").annotate(districts=Count("district_links", distinct=True))
            .order_by("plan__regency_id", "name"))


def team_villages(pmo: Mentor) -> dict[int, int]:
    """{village id: BA id} for the villages of the PMO's BA territories in force that have a BA (one query)."""
    return dict(BaVillage.objects.filter(plan__status=ACTIVE, ba_territory__pmo_territory__mentor=pmo,
                                         ba_territory__mentor__isnull=False)
                .values_list("village_id", "ba_territory__mentor_id"))


def pmo_team(mentor: Mentor) -> list[BaTerritory]:
    """A PMO's BA territories under the plan in force, with their mentors and village counts."""
    return list(BaTerritory.objects.filter(plan__status=ACTIVE, pmo_territory__mentor=mentor)
                .select_related("mentor").annotate(village_count=F("villages_held")).order_by("name"))


# --- a village ------------------------------------------------------------------------------------------


def _coverage(link: BaVillage) -> dict:
    pmo_territory = link.ba_territory.pmo_territory
    return {
        "plan": link.plan, "since": link.plan.effective_from, "until": link.plan.effective_to,
        "territory": link.ba_territory, "ba": link.ba_territory.mentor,
        "pmo": pmo_territory.mentor if pmo_territory else None,
    }


def _published_links(village) -> QuerySet[BaVillage]:
    return (BaVillage.objects.filter(village=village, plan__status__in=PUBLISHED)
            .select_related("plan", "ba_territory__mentor", "ba_territory__pmo_territory__mentor")
            .order_by("-plan__effective_from"))


def who_covered(village: Village, on: date) -> dict | None:
    """The BA (and PMO) who covered `village` on a date, from the plan that was in force then:
    {"plan", "since", "until", "territory", "ba", "pmo"}; None when no plan gave it a BA territory."""
    link = (_published_links(village).filter(plan__effective_from__lte=on)
            .filter(Q(plan__effective_to__isnull=True) | Q(plan__effective_to__gte=on)).first())
    return _coverage(link) if link else None


def ba_of(village: Village, on: date) -> Mentor | None:
    """The BA of a village on a day."""
    covered = who_covered(village, on)
    return covered["ba"] if covered else None


def pmo_of(village: Village, on: date) -> Mentor | None:
    """The PMO over the village's BA territory on a day."""
    covered = who_covered(village, on)
    return covered["pmo"] if covered else None


def village_history(village: Village) -> list[dict]:
    """Who mentored the village in each period, newest first (published plans only). A plan republished with the
    same BA and PMO for the village continues the period: one row, from the first of those plans to the last
    (`plans`: every plan of the period, newest first)."""
    periods = []
    for link in _published_links(village):
        period = _coverage(link)
        older = periods[-1] if periods else None
        if (older is not None and period["ba"] is not None and older["ba"] == period["ba"]
                and older["pmo"] == period["pmo"]):
            older["since"] = period["since"]
            older["plans"].append(period["plan"])
            continue
        period["plans"] = [period["plan"]]
        periods.append(period)
    return periods


def holders_changed(previous: TerritoryPlan, plan: TerritoryPlan) -> dict[int, dict[int, int | None]]:
    """The villages whose BA or PMO changes from `previous` (the plan in force until now) to `plan`, by the mentor
    who held them: {mentor id: {village id: the mentor of the same role who holds it in `plan`, None: nobody}}. A BA
    holds their territory's villages, a PMO their districts' villages (four queries, five when a PMO changes)."""
    changed: dict[int, dict[int, int | None]] = {}
    before, after = (dict(BaVillage.objects.filter(plan=p).values_list("village_id", "ba_territory__mentor_id"))
                     for p in (previous, plan))
    for village, mentor in before.items():
        if mentor is not None and after.get(village) != mentor:
            changed.setdefault(mentor, {})[village] = after.get(village)
    before, after = (dict(PmoDistrict.objects.filter(plan=p).values_list("district_id", "pmo_territory__mentor_id"))
                     for p in (previous, plan))
    moved = {district: mentor for district, mentor in before.items()
             if mentor is not None and after.get(district) != mentor}
    if moved:
        for village, district in Village.objects.filter(district_id__in=list(moved)).values_list("id", "district_id"):
            changed.setdefault(moved[district], {})[village] = after.get(district)
    return changed


# --- PMOs, their BAs and the reporting chain ------------------------------------------------------------


def review_day(month: date) -> date:
    """The day whose plan decides a month's chain (reviewer, BAs under a PMO): the month's last day, or today
    for the running month."""
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return min(last, timezone.localdate())


def bas_under(pmo: Mentor, on: date) -> list[Mentor]:
    """The BAs a PMO supervised on a day (the plan in force then), by name."""
    plans = plans_in_force_on([pmo.regency_id], on)
    return list(Mentor.objects.filter(ba_territories__plan__in=plans, ba_territories__pmo_territory__mentor=pmo)
                .distinct().order_by("full_name", "id"))


def village_counts_on(bas, *, regency_id: int, on: date) -> dict[int, int]:
    """{BA id: how many villages their territory held on a day} (one grouped query)."""
    counts: dict[int, int] = {}
    for mentor_id, held in BaTerritory.objects.filter(plan__in=plans_in_force_on([regency_id], on), mentor__in=bas,
                                                      villages_held__gt=0).values_list("mentor_id", "villages_held"):
        counts[mentor_id] = counts.get(mentor_id, 0) + held
    return counts


def reviewer_of(mentor: Mentor, month: date) -> Mentor | None:
    """The PMO over a BA in the plan in force at the end of the report's month (today, for the running month), if
    still active. None: the regency office reviews (also every PMO report)."""
    if mentor.role != Mentor.Role.BA:
        return None
    plans = plans_in_force_on([mentor.regency_id], review_day(month))
    return Mentor.objects.filter(
        is_active=True, pmo_territories__plan__in=plans, pmo_territories__ba_territories__mentor=mentor,
    ).first()


# --- territories, for figures and maps --------------------------------------------------------------------


def ba_territories_in_force(regency) -> QuerySet[BaTerritory]:
    """The BA territories of a regency's plan in force, with their mentor and `villages` (their count)."""
    # The stored count, not a join grouped by territory: callers annotate more per-territory subqueries (the
    # dashboard's cooperatives), which PostgreSQL would otherwise run once per village (852, 88 ms).
    return (BaTerritory.objects.filter(plan__regency=regency, plan__status=ACTIVE).select_related("mentor")
            .annotate(villages=F("villages_held")).order_by("name"))


def regencies_with_plan_in_force() -> QuerySet:
    """The ids of the regencies that have a plan in force, as a subquery."""
    return TerritoryPlan.objects.filter(status=ACTIVE).values("regency_id")


def has_plans(regency_ids) -> bool:
    """Whether any plan (draft or published) exists for the regencies."""
    return TerritoryPlan.objects.filter(regency_id__in=regency_ids).exists()


def holders_in_force(regency_ids) -> QuerySet:
    """(village id, BA's mentor id, PMO's mentor id) of every village the plans in force of the regencies give a BA
    territory; a mentor id is None where the territory has no mentor."""
    return BaVillage.objects.filter(plan__regency_id__in=regency_ids, plan__status=ACTIVE).values_list(
        "village_id", "ba_territory__mentor_id", "ba_territory__pmo_territory__mentor_id")


def staffed_territories(plan) -> tuple[QuerySet[PmoTerritory], QuerySet[BaTerritory]]:
    """A plan's PMO and BA territories whose mentor is active and can sign in, by name, with the mentor's user."""
    with_account = {"mentor__is_active": True, "mentor__user__isnull": False, "mentor__user__is_active": True}
    return tuple(model.objects.filter(plan=plan, **with_account).select_related("mentor__user").order_by("name", "pk")
                 for model in (PmoTerritory, BaTerritory))


def staffed_ba_territories_of(plans) -> QuerySet[BaTerritory]:
    """The BA territories with a mentor of the given plans, with their mentor and `villages` (their count)."""
    return (BaTerritory.objects.filter(plan__in=plans, mentor__isnull=False).select_related("mentor")
            .annotate(villages=F("villages_held")))


def covered_village_ids(plans) -> QuerySet:
    """The ids of the villages that the plans give a BA territory, as a subquery."""
    return BaVillage.objects.filter(plan__in=plans).values("village_id")


def covered_per_district(where: Callable[[str], Q], *, regency_ids=None) -> dict[int, dict]:
    """{district id: {"n": villages the plan in force gives an active BA, "bas": how many BAs}} over the villages
    `where(path)` selects (`path` is the relation to the village, e.g. `Scope.villages`); one grouped query.
    `regency_ids`, when the villages lie in known regencies: the links are then read from those regencies' plans
    (an index on the plan) instead of hashing the links of every plan of the country."""
    covered = BaVillage.objects.filter(where("village"), plan__status=ACTIVE, ba_territory__mentor__is_active=True)
    if regency_ids is not None:
        covered = covered.filter(plan__regency_id__in=regency_ids)
    rows = (covered.order_by().values("village__district_id")
            .annotate(n=Count("village_id", distinct=True), bas=Count("ba_territory__mentor_id", distinct=True)))
    return {row["village__district_id"]: row for row in rows}


def territory_of_villages(village_ids, *, regency, plan: TerritoryPlan | None = None) -> dict[int, tuple]:
    """{village id: (territory id, territory name, BA's name)} in `plan` (default: the regency's plan in force)."""
    in_plan = Q(plan=plan) if plan is not None else Q(plan__regency=regency, plan__status=ACTIVE)
    return {row[0]: row[1:] for row in BaVillage.objects.filter(in_plan, village_id__in=village_ids).values_list(
        "village_id", "ba_territory_id", "ba_territory__name", "ba_territory__mentor__full_name")}


# --- expressions other apps filter and annotate with --------------------------------------------------------


def ba_name_of_village(village: str = "village_id") -> Subquery:
    """The name of the village's BA under the plan in force, for annotations (`village`: the outer field)."""
    links = BaVillage.objects.filter(village=OuterRef(village), plan__status=ACTIVE)
    return Subquery(links.values("ba_territory__mentor__full_name")[:1])


def ba_id_of_village(village: str = "village_id") -> Subquery:
    """The id of the village's BA under the plan in force, for annotations (`village`: the outer field)."""
    links = BaVillage.objects.filter(village=OuterRef(village), plan__status=ACTIVE)
    return Subquery(links.values("ba_territory__mentor_id")[:1])


def villages_of_ba(mentor: Mentor, path: str = "village") -> Q:
    """A filter on the village reached by `path` ("" for Village): those of the BA's territory in force."""
    ids = BaVillage.objects.filter(plan__status=ACTIVE, ba_territory__mentor=mentor).values("village_id")
    return Q(**{f"{path}_id__in" if path else "id__in": ids})


def villages_held_by(mentor: Mentor, path: str = "village") -> Q:
    """A filter on the village reached by `path`: those the plan in force gives the mentor today (a BA's villages, a
    PMO's districts' villages), as subqueries (no query of its own: for lists of work that follows the village)."""
    if mentor.role == Mentor.Role.PMO:
        districts = PmoDistrict.objects.filter(plan__status=ACTIVE, pmo_territory__mentor=mentor).values("district_id")
        return Q(**{f"{path}__district_id__in" if path else "district_id__in": districts})
    return villages_of_ba(mentor, path)


def villages_of_territory(territory, path: str = "village") -> Q:
    """A filter on the village reached by `path`: those of a BA territory (an id, or an `OuterRef` to one)."""
    ids = BaVillage.objects.filter(ba_territory=territory).values("village_id")
    return Q(**{f"{path}_id__in" if path else "id__in": ids})


def bas_under_pmo(pmo: Mentor, path: str = "") -> Q:
    """A filter on Mentor (or the mentor reached by `path`): the BAs under the PMO in the plan in force."""
    ids = BaTerritory.objects.filter(plan__status=ACTIVE, pmo_territory__mentor=pmo).values("mentor_id")
    return Q(**{f"{path}_id__in" if path else "pk__in": ids})


def bas_in_force(regency_ids, path: str = "") -> Q:
    """A filter on Mentor (or through `path`): BAs holding a territory in the plans in force of the regencies."""
    ids = BaTerritory.objects.filter(plan__regency_id__in=regency_ids, plan__status=ACTIVE).values("mentor_id")
    return Q(**{f"{path}_id__in" if path else "pk__in": ids})


def bas_covering_on(day: date, path: str = "", regency_ids=None) -> Q:
    """A filter on Mentor (or through `path`): BAs whose territory in the plan in force on a day holds a village.
    Only they are expected to report for that day's month. With `regency_ids`, only those regencies' plans are
    read (not every plan of the country)."""
    # The territories of the plans in force that hold a village, by their stored count: nationally a read of
    # 7,945 territories instead of a hash of 83,762 village links (60 ms in every statement that asks).
    territories = BaTerritory.objects.filter(plan__status__in=PUBLISHED, plan__effective_from__lte=day)
    if regency_ids is not None:
        territories = territories.filter(plan__regency_id__in=regency_ids)
    ids = territories.filter(Q(plan__effective_to__isnull=True) | Q(plan__effective_to__gte=day),
                             villages_held__gt=0).values("mentor_id")
    return Q(**{f"{path}_id__in" if path else "pk__in": ids})


def pmo_of_ba(ba: str = "pk", field: str = "id") -> Subquery:
    """The PMO (its `field`: "id", "full_name") over the BA in the outer row's `ba` under the plan in force."""
    links = BaTerritory.objects.filter(plan__status=ACTIVE, mentor=OuterRef(ba)).order_by("pk")
    return Subquery(links.values(f"pmo_territory__mentor__{field}")[:1])


# --- many villages at once (the read API) ------------------------------------------------------------------


def coverage_on(village_ids, day: date) -> dict[int, dict]:
    """{village id: {"plan_id", "territory_id", "territory", "ba_id", "ba", "pmo_id", "pmo"}} for the villages a
    published plan in force on `day` gave a BA territory: one query, whatever the number of villages."""
    links = (BaVillage.objects.filter(village_id__in=village_ids, plan__status__in=PUBLISHED,
                                      plan__effective_from__lte=day)
             .filter(Q(plan__effective_to__isnull=True) | Q(plan__effective_to__gte=day))
             .values_list("village_id", "plan_id", "ba_territory_id", "ba_territory__name",
                          "ba_territory__mentor_id", "ba_territory__mentor__full_name",
                          "ba_territory__pmo_territory__mentor_id", "ba_territory__pmo_territory__mentor__full_name"))
    keys = ("plan_id", "territory_id", "territory", "ba_id", "ba", "pmo_id", "pmo")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in links}


def plan_territories(plan: TerritoryPlan) -> list[dict]:
    """A plan's BA territories, by name: {"id", "name", "ba_id", "ba", "pmo_territory", "pmo_id", "pmo",
    "village_codes"}; two queries."""
    territories = (BaTerritory.objects.filter(plan=plan).select_related("mentor", "pmo_territory__mentor")
                   .order_by("name", "pk"))
    codes: dict[int, list[str]] = {}
    for territory_id, code in (BaVillage.objects.filter(plan=plan).order_by("village__code")
                               .values_list("ba_territory_id", "village__code")):
        codes.setdefault(territory_id, []).append(code)
    return [{"id": t.pk, "name": t.name, "ba_id": t.mentor_id, "ba": t.mentor.full_name if t.mentor else None,
             "pmo_territory": t.pmo_territory.name if t.pmo_territory else None,
             "pmo_id": t.pmo_territory.mentor_id if t.pmo_territory else None,
             "pmo": t.pmo_territory.mentor.full_name if t.pmo_territory and t.pmo_territory.mentor else None,
             "village_codes": codes.get(t.pk, [])} for t in territories]
