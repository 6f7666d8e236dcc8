"""Turn a GeoJSON boundary into an SVG outline, so a village page can show its shape without map tiles."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outline:
    view_box: str
    path: str


def outline_from_geometry(geometry: dict, *, size: float = 300.0) -> Outline | None:
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = coordinates if kind == "MultiPolygon" else [coordinates] if kind == "Polygon" else []
    rings = [ring for polygon in polygons for ring in polygon if len(ring) >= 3]
    if not rings:
        return None
    xs = [point[0] for ring in rings for point in ring]
    ys = [point[1] for ring in rings for point in ring]
    min_x, max_y = min(xs), max(ys)
    span = max(max(xs) - min_x, max_y - min(ys)) or 1.0
    scale = size / span

    def project(point):
        return f"{(point[0] - min_x) * scale:.1f},{(max_y - point[1]) * scale:.1f}"

    path = " ".join("M" + " L".join(project(point) for point in ring) + " Z" for ring in rings)
    width = (max(xs) - min_x) * scale
    height = (max_y - min(ys)) * scale
    return Outline(view_box=f"-4 -4 {width + 8:.1f} {height + 8:.1f}", path=path)
