"""Writes to territory plans while they are drafts: create, edit territories, move villages and districts,
propose a split, discard. Every edit claims the draft's next version (no lost updates: an edit made on an older
one is refused with `toolkit.versions.StaleEdit`) and is logged.

Publishing lives in `publishing.py`, the Excel round trip in `workbook.py`.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mentors.models import Mentor
from offices.models import OfficeSettings
from regions.models import District, Regency, Village
from toolkit.versions import check_version

from .access import can_manage_plans_of
from .models import BaTerritory, BaVillage, PlanChange, PmoDistrict, PmoTerritory, TerritoryPlan
from .planning import Proposal, adjust, propose
from .selectors import mentor_infos, plan_snapshot, plan_validation, regency_geography, regency_places, rows_snapshot

BULK_BATCH = 2000


class PlanError(Exception):
    """A plan change that cannot be made; the message says why and nothing was changed."""


def _log(plan: TerritoryPlan, actor, message: str, **params) -> None:
    PlanChange.objects.create(regency_id=plan.regency_id, plan=plan, plan_name=plan.name, actor=actor,
                              message=message, params=params)


def _claim(plan: TerritoryPlan, version: int, *, actor, message: str, **params) -> None:
    """Take the next version of a draft, or refuse an edit made on an older version (StaleEdit: no lost updates).

    The plan row stays locked until the surrounding transaction ends.
    """
    if actor is not None and not can_manage_plans_of(actor, plan.regency_id):
        raise PermissionDenied
    current = TerritoryPlan.objects.select_for_update().filter(pk=plan.pk).first()
    if current is None or current.status != TerritoryPlan.Status.DRAFT:
        raise PlanError(_("Only a draft can be changed. This plan is no longer a draft."))
    check_version(current, version, locked=True)
    TerritoryPlan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
    plan.version = current.version + 1
    _log(plan, actor, message, **params)


def _check_mentor(plan: TerritoryPlan, mentor, role: str) -> None:
    if mentor is not None and (mentor.regency_id != plan.regency_id or mentor.role != role):
        raise PlanError(_("%(name)s cannot be assigned here.") % {"name": mentor.full_name})


@transaction.atomic
def plan_create(*, actor, regency: Regency, name: str, clone: bool = True) -> TerritoryPlan:
    """A new draft: a copy of the plan in force (when there is one and `clone`), or empty."""
    if actor is not None and not can_manage_plans_of(actor, regency.pk):
        raise PermissionDenied
    source = TerritoryPlan.objects.filter(regency=regency, status=TerritoryPlan.Status.ACTIVE).first()
    plan = TerritoryPlan(regency=regency, name=name, created_by=actor, based_on=source if clone else None)
    plan.full_clean()
    plan._history_user = actor
    plan.save()
    if clone and source is not None:
        _copy_content(source, plan)
        _log(plan, actor, gettext_noop("created as a copy of “%(name)s”"), name=source.name)
    else:
        _log(plan, actor, gettext_noop("created empty"))
    return plan


def _copy_content(source: TerritoryPlan, plan: TerritoryPlan) -> None:
    pmo_ids = dict(PmoTerritory.objects.filter(plan=source).values_list("id", "name"))
    PmoTerritory.objects.bulk_create(
        [PmoTerritory(plan=plan, name=name, mentor_id=mentor)
         for name, mentor in PmoTerritory.objects.filter(plan=source).values_list("name", "mentor_id")]
    )
    new_pmo = dict(PmoTerritory.objects.filter(plan=plan).values_list("name", "id"))
    pmo_map = {old: new_pmo[name] for old, name in pmo_ids.items()}
    old_ba = list(BaTerritory.objects.filter(plan=source))
    BaTerritory.objects.bulk_create([
        BaTerritory(plan=plan, name=t.name, mentor_id=t.mentor_id, pmo_territory_id=pmo_map.get(t.pmo_territory_id))
        for t in old_ba
    ])
    new_ba = dict(BaTerritory.objects.filter(plan=plan).values_list("name", "id"))
    ba_map = {t.id: new_ba[t.name] for t in old_ba}
    district_links = PmoDistrict.objects.filter(plan=source).values_list("pmo_territory_id", "district_id")
    PmoDistrict.objects.bulk_create([
        PmoDistrict(plan=plan, pmo_territory_id=pmo_map[territory], district_id=district)
        for territory, district in district_links
    ], batch_size=BULK_BATCH)
    BaVillage.objects.bulk_create([
        BaVillage(plan=plan, ba_territory_id=ba_map[territory], village_id=village)
        for territory, village in BaVillage.objects.filter(plan=source).values_list("ba_territory_id", "village_id")
    ], batch_size=BULK_BATCH)
    _recount_villages(plan)


def _recount_villages(plan: TerritoryPlan) -> None:
    """Store each BA territory's number of villages again (one statement; the draft is locked by `_claim`)."""
    links = BaVillage.objects.filter(ba_territory=OuterRef("pk")).order_by().values("ba_territory")
    BaTerritory.objects.filter(plan=plan).update(
        villages_held=Coalesce(Subquery(links.annotate(n=Count("pk")).values("n")), 0))


@transaction.atomic
def plan_discard(*, actor, plan: TerritoryPlan, version: int) -> None:
    _claim(plan, version, actor=actor, message=gettext_noop("discarded"))
    TerritoryPlan.objects.filter(pk=plan.pk).delete()


@transaction.atomic
def territory_create(*, actor, plan: TerritoryPlan, version: int, kind: str, name: str, mentor=None,
                     pmo_territory: PmoTerritory | None = None):
    name = name.strip()
    _claim(plan, version, actor=actor, message=gettext_noop("added territory “%(name)s”"), name=name)
    model = PmoTerritory if kind == "pmo" else BaTerritory
    _check_mentor(plan, mentor, kind)
    if model.objects.filter(plan=plan, name=name).exists():
        raise PlanError(_("A territory named “%(name)s” already exists in this plan.") % {"name": name})
    values = {"plan": plan, "name": name, "mentor": mentor}
    if kind == "ba":
        values["pmo_territory"] = pmo_territory
    return model.objects.create(**values)


@transaction.atomic
def territory_update(*, actor, plan: TerritoryPlan, version: int, territory, name: str, mentor,
                     pmo_territory: PmoTerritory | None = None):
    kind = "pmo" if isinstance(territory, PmoTerritory) else "ba"
    name = name.strip()
    _claim(plan, version, actor=actor,
           message=gettext_noop("changed territory “%(old)s”: “%(name)s”, %(mentor)s"), old=territory.name,
           name=name, mentor=mentor.full_name if mentor else "–")
    _check_mentor(plan, mentor, kind)
    if type(territory).objects.filter(plan=plan, name=name).exclude(pk=territory.pk).exists():
        raise PlanError(_("A territory named “%(name)s” already exists in this plan.") % {"name": name})
    territory.name, territory.mentor = name, mentor
    if kind == "ba":
        territory.pmo_territory = pmo_territory
    territory.save()
    return territory


@transaction.atomic
def territory_delete(*, actor, plan: TerritoryPlan, version: int, territory) -> None:
    """Delete a territory; its villages (or districts) become unassigned in the draft."""
    _claim(plan, version, actor=actor, message=gettext_noop("deleted territory “%(name)s”"),
           name=territory.name)
    territory.delete()


@transaction.atomic
def villages_move(*, actor, plan: TerritoryPlan, version: int, village_ids: list[int],
                  to: BaTerritory | None) -> int:
    """Put villages into a BA territory (or take them out of any, with `to=None`)."""
    village_ids = sorted(set(village_ids))
    known = Village.objects.filter(id__in=village_ids, district__regency_id=plan.regency_id).count()
    if known != len(village_ids) or (to is not None and to.plan_id != plan.pk):
        raise PlanError(_("Some of these villages or territories do not belong to this plan."))
    if to is not None:
        _claim(plan, version, actor=actor, message=gettext_noop("moved %(count)d villages to “%(target)s”"),
               count=len(village_ids), target=to.name)
    else:
        _claim(plan, version, actor=actor, message=gettext_noop("took %(count)d villages out of their territory"),
               count=len(village_ids))
    BaVillage.objects.filter(plan=plan, village_id__in=village_ids).delete()
    if to is not None:
        BaVillage.objects.bulk_create([BaVillage(plan=plan, ba_territory=to, village_id=v) for v in village_ids],
                                      batch_size=BULK_BATCH)
    _recount_villages(plan)
    return len(village_ids)


@transaction.atomic
def districts_move(*, actor, plan: TerritoryPlan, version: int, district_ids: list[int],
                   to: PmoTerritory | None) -> int:
    """Put districts into a PMO territory (or take them out of any)."""
    district_ids = sorted(set(district_ids))
    known = District.objects.filter(id__in=district_ids, regency_id=plan.regency_id).count()
    if known != len(district_ids) or (to is not None and to.plan_id != plan.pk):
        raise PlanError(_("Some of these districts or territories do not belong to this plan."))
    if to is not None:
        _claim(plan, version, actor=actor, message=gettext_noop("moved %(count)d districts to “%(target)s”"),
               count=len(district_ids), target=to.name)
    else:
        _claim(plan, version, actor=actor,
               message=gettext_noop("took %(count)d districts out of their PMO territory"), count=len(district_ids))
    PmoDistrict.objects.filter(plan=plan, district_id__in=district_ids).delete()
    if to is not None:
        PmoDistrict.objects.bulk_create([PmoDistrict(plan=plan, pmo_territory=to, district_id=d) for d in district_ids])
    return len(district_ids)


def _replace_content(plan: TerritoryPlan, pmo_rows: list[tuple[str, int | None, list[int]]],
                     ba_rows: list[tuple[str, int | None, str | None, list[int]]]) -> None:
    """Replace all territories of a draft: PMO rows (name, mentor, districts), BA rows (name, mentor, PMO
    territory name, villages)."""
    PmoTerritory.objects.filter(plan=plan).delete()
    BaTerritory.objects.filter(plan=plan).delete()
    PmoTerritory.objects.bulk_create([PmoTerritory(plan=plan, name=name, mentor_id=m) for name, m, _d in pmo_rows])
    pmo_ids = dict(PmoTerritory.objects.filter(plan=plan).values_list("name", "id"))
    BaTerritory.objects.bulk_create([
        BaTerritory(plan=plan, name=name, mentor_id=m, pmo_territory_id=pmo_ids.get(pmo))
        for name, m, pmo, _v in ba_rows
    ])
    ba_ids = dict(BaTerritory.objects.filter(plan=plan).values_list("name", "id"))
    PmoDistrict.objects.bulk_create([
        PmoDistrict(plan=plan, pmo_territory_id=pmo_ids[name], district_id=d) for name, _m, ds in pmo_rows for d in ds
    ], batch_size=BULK_BATCH)
    BaVillage.objects.bulk_create([
        BaVillage(plan=plan, ba_territory_id=ba_ids[name], village_id=v) for name, _m, _p, vs in ba_rows for v in vs
    ], batch_size=BULK_BATCH)
    _recount_villages(plan)


def proposal_for(plan: TerritoryPlan, *, ba_mentors, pmo_mentors, keep: bool = True):
    """The split proposed for the chosen mentors, as rows ready for the draft (nothing is written).

    With `keep`, the draft's own split (or, for an empty draft, the plan in force) is changed as little as the
    choice allows; otherwise, or when there is nothing to keep, the split is made afresh. Returns the
    proposal, the PMO rows (name, mentor, districts) and the BA rows (name, mentor, PMO name, villages).
    """
    for mentor in ba_mentors:
        _check_mentor(plan, mentor, "ba")
    for mentor in pmo_mentors:
        _check_mentor(plan, mentor, "pmo")
    villages, districts = regency_places(plan.regency)
    geo = regency_geography(plan.regency, villages)
    target = OfficeSettings.of(plan.regency).ba_target
    ba_ids = [m.id for m in sorted(ba_mentors, key=lambda m: (m.full_name, m.id))]
    pmo_ids = [m.id for m in sorted(pmo_mentors, key=lambda m: (m.full_name, m.id))]
    active = TerritoryPlan.objects.filter(regency=plan.regency, status=TerritoryPlan.Status.ACTIVE).first()
    proposal = None
    if keep:
        start = plan_snapshot(plan, places=(villages, districts), mentors={})
        if not start.ba and active is not None and active.pk != plan.pk:
            start = plan_snapshot(active, places=(villages, districts), mentors={})
        proposal = adjust(start, ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, geo=geo)
    if proposal is None:
        current: dict[int, set[int]] = {}
        source = plan.based_on_id or (active.pk if active else None)
        if source:
            for mentor, village in BaVillage.objects.filter(plan_id=source).values_list("ba_territory__mentor_id",
                                                                                        "village_id"):
                current.setdefault(mentor, set()).add(village)
            for mentor, district in PmoDistrict.objects.filter(plan_id=source).values_list(
                    "pmo_territory__mentor_id", "district_id"):
                current.setdefault(mentor, set()).add(district)
        proposal = propose(list(villages.values()), ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, current=current,
                           geo=geo)
    pmo_names = [group.name or f"PMO {index + 1}" for index, group in enumerate(proposal.pmo)]

    def ba_name(index, group):
        if group.name:
            return group.name
        names = []
        for village in sorted(group.village_ids, key=lambda v: villages[v].code):
            district = districts[villages[village].district_id].name
            if district not in names:
                names.append(district)
        return f"BA {index + 1:02d} · {' – '.join(names[:2])}"[:100]

    pmo_rows = [(pmo_names[i], group.mentor_id, group.district_ids) for i, group in enumerate(proposal.pmo)]
    ba_rows = [(ba_name(i, group), group.mentor_id, pmo_names[group.pmo_index], group.village_ids)
               for i, group in enumerate(proposal.ba)]
    return proposal, pmo_rows, ba_rows


class ProposalUnpublishable(PlanError):
    """The proposal would not publish: applying it is refused."""


@transaction.atomic
def plan_propose(*, actor, plan: TerritoryPlan, version: int, ba_mentors, pmo_mentors, keep: bool = True,
                 publishable_only: bool = False) -> Proposal:
    """Replace the draft's territories with the proposed split for the chosen mentors (see `proposal_for`). With
    `publishable_only`, a proposal that would not publish (blocking problems) is refused and nothing changes."""
    if actor is not None and not can_manage_plans_of(actor, plan.regency_id):
        raise PermissionDenied
    # Computed first: numbers that cannot make a plan are refused before the draft is touched. The claim then
    # refuses the proposal if the draft changed meanwhile.
    proposal, pmo_rows, ba_rows = proposal_for(plan, ba_mentors=ba_mentors, pmo_mentors=pmo_mentors, keep=keep)
    if publishable_only:
        places = regency_places(plan.regency)
        snapshot = rows_snapshot(places, mentor_infos(plan.regency), pmo_rows, ba_rows)
        if not plan_validation(plan, snapshot).ok:
            raise ProposalUnpublishable(_("This proposal would not publish, so it was not applied: preview the "
                                          "fresh split, or choose other mentors."))
    _claim(plan, version, actor=actor,
           message=gettext_noop("proposed a split for %(bas)d BAs and %(pmos)d PMOs"), bas=len(ba_mentors),
           pmos=len(pmo_mentors))
    _replace_content(plan, pmo_rows, ba_rows)
    return proposal


def plans_wipe(regency_ids) -> None:
    """Delete every plan of the regencies with its territories, links, change log and history, in bulk and
    without signals: for generated data only (the scale seed's --reset), never for an office's records."""
    def wipe(queryset):
        queryset._raw_delete(queryset.db)

    for model in (BaVillage, PmoDistrict, BaTerritory, PmoTerritory):
        wipe(model.objects.filter(plan__regency_id__in=regency_ids))
    wipe(PlanChange.objects.filter(regency_id__in=regency_ids))
    wipe(TerritoryPlan.history.filter(regency_id__in=regency_ids))
    wipe(TerritoryPlan.objects.filter(regency_id__in=regency_ids))


@transaction.atomic
def plan_handover_draft(*, actor, leaver, successor=None, name: str, becomes_pmo_of: str = "") -> TerritoryPlan:
    """A draft of the plan in force without `leaver`: a BA's villages go to `successor` (their territory, or the
    leaver's territory when the successor holds none) or, without one, to the neighbours (the proposal with the
    leaver left out, keeping the current split as far as it can); a PMO's districts and BAs go to `successor`'s
    PMO territory (or the successor takes the leaver's). The caller publishes it.

    `becomes_pmo_of`: a leaving BA becomes the PMO of that PMO territory (its districts and BAs; its PMO, if any,
    leaves it). The draft names the BA there already; the caller changes their role to PMO when it publishes (until
    then the draft's checks find the territory without a PMO)."""
    role = leaver.role
    if becomes_pmo_of and role != Mentor.Role.BA:
        raise PlanError(_("Only a BA becomes a PMO through a handover."))
    kind, model = ("pmo", PmoTerritory) if role == Mentor.Role.PMO else ("ba", BaTerritory)
    if successor is not None and (successor.pk == leaver.pk or successor.role != role
                                  or successor.regency_id != leaver.regency_id or not successor.is_active):
        raise PlanError(_("%(name)s cannot take over: choose an active mentor of the same role in this regency.")
                        % {"name": successor.full_name})
    if kind == "pmo" and successor is None:
        raise PlanError(_("Name the PMO who takes over the leaving PMO's BAs."))
    active = TerritoryPlan.objects.filter(regency_id=leaver.regency_id, status=TerritoryPlan.Status.ACTIVE).first()
    if active is None or not model.objects.filter(plan=active, mentor=leaver).exists():
        raise PlanError(_("%(name)s holds no territory in the plan in force: there is nothing to hand over.")
                        % {"name": leaver.full_name})
    plan = plan_create(actor=actor, regency=leaver.regency, name=name)
    leaving = model.objects.filter(plan=plan, mentor=leaver).order_by("pk").first()
    taking = model.objects.filter(plan=plan, mentor=successor).order_by("pk").first() if successor else None
    if successor is not None and taking is None:
        territory_update(actor=actor, plan=plan, version=plan.version, territory=leaving, name=leaving.name,
                         mentor=successor, **({"pmo_territory": leaving.pmo_territory} if kind == "ba" else {}))
    elif successor is not None and kind == "ba":
        villages = list(BaVillage.objects.filter(ba_territory=leaving).values_list("village_id", flat=True))
        villages_move(actor=actor, plan=plan, version=plan.version, village_ids=villages, to=taking)
        territory_delete(actor=actor, plan=plan, version=plan.version, territory=leaving)
    elif successor is not None:
        districts = list(PmoDistrict.objects.filter(pmo_territory=leaving).values_list("district_id", flat=True))
        districts_move(actor=actor, plan=plan, version=plan.version, district_ids=districts, to=taking)
        BaTerritory.objects.filter(plan=plan, pmo_territory=leaving).update(pmo_territory=taking)
        territory_delete(actor=actor, plan=plan, version=plan.version, territory=leaving)
    else:
        staffed = BaTerritory.objects.filter(plan=plan, mentor__is_active=True).exclude(mentor=leaver)
        bas = list(Mentor.objects.filter(pk__in=staffed.values("mentor_id")))
        pmos = list(Mentor.objects.filter(pk__in=PmoTerritory.objects.filter(plan=plan, mentor__isnull=False)
                                          .values("mentor_id")))
        plan_propose(actor=actor, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos, keep=True)
    if becomes_pmo_of:
        plan.refresh_from_db(fields=["version"])
        territory = PmoTerritory.objects.filter(plan=plan, name=becomes_pmo_of).select_related("mentor").first()
        if territory is None:
            raise PlanError(_("There is no PMO territory “%(name)s” in the plan in force.") % {"name": becomes_pmo_of})
        _claim(plan, plan.version, actor=actor, message=gettext_noop(
            "changed territory “%(old)s”: “%(name)s”, %(mentor)s (a BA who becomes its PMO)"), old=territory.name,
            name=territory.name, mentor=leaver.full_name)
        territory.mentor = leaver  # not through `territory_update`: the role changes when the handover is published
        territory.save(update_fields=["mentor"])
    return plan
