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


def _simplified_ring(points: list, tolerance: float, decimals: int) -> list:
    """Douglas–Peucker on one closed ring: keep the points further than `tolerance` (degrees) from the line
    through their neighbours that are kept; a ring keeps at least four points."""
    if len(points) <= 4:
        return [[round(p[0], decimals), round(p[1], decimals)] for p in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = points[first][0], points[first][1]
        dx, dy = points[last][0] - ax, points[last][1] - ay
        norm = dx * dx + dy * dy
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i][0] - ax, points[i][1] - ay
            t = max(0.0, min(1.0, (px * dx + py * dy) / norm)) if norm else 0.0
            ex, ey = px - t * dx, py - t * dy
            distance = ex * ex + ey * ey
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > limit:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    ring = [[round(p[0], decimals), round(p[1], decimals)] for p, kept in zip(points, keep, strict=True) if kept]
    if len(ring) < 4:  # too small to show at this tolerance: keep its rough shape
        step = max(1, len(points) // 4)
        ring = [[round(p[0], decimals), round(p[1], decimals)] for p in points[::step]] + [ring[-1]]
    return ring


def simplified(geometry: dict, *, tolerance: float = 0.0005, decimals: int = 4) -> dict | None:
    """A lighter copy of a (Multi)Polygon for maps: about 50 m of detail (a pixel at regency zoom is ~150 m),
    coordinates to about 10 m."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_simplified_ring(r, tolerance, decimals) for r in coordinates]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[_simplified_ring(r, tolerance, decimals) for r in polygon]
                                              for polygon in coordinates]}
    return None


def _rings(geometry: dict):
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = coordinates if kind == "MultiPolygon" else [coordinates] if kind == "Polygon" else []
    return [ring for polygon in polygons for ring in polygon]


def touching(shapes: dict[str, dict], *, decimals: int = 6) -> dict[str, list[str]]:
    """For each boundary, the codes of the others whose outline shares a border with it: at least two points
    in common (to ~0.1 m). Boundaries drawn from one map share the points of their common border; a single
    shared point is only a corner."""
    by_point: dict[tuple, set[str]] = {}
    for code, geometry in shapes.items():
        for ring in _rings(geometry):
            for point in ring:
                by_point.setdefault((round(point[0], decimals), round(point[1], decimals)), set()).add(code)
    shared: dict[tuple[str, str], int] = {}
    for codes in by_point.values():
        if len(codes) > 1:
            for a in codes:
                for b in codes:
                    if a < b:
                        shared[(a, b)] = shared.get((a, b), 0) + 1
    result: dict[str, set[str]] = {code: set() for code in shapes}
    for (a, b), count in shared.items():
        if count >= 2:  # a border, not a corner: the two can be walked between
            result[a].add(b)
            result[b].add(a)
    return {code: sorted(others) for code, others in result.items()}
