"""Which villages neighbour which, and splits that keep every territory in one piece.

Plain data only, like `planning.py`. Neighbours come from the boundaries where they are imported (two villages
whose outlines share a point) and from the points otherwise: the Gabriel graph of the villages' points, in
which two villages neighbour when no third lies inside the circle drawn on the line between them. It is part
of the Delaunay triangulation (whose dual is the map of "nearest village" cells, much like real village
borders) without its long edges along the hull, and it always connects all the points.
"""

import heapq
import math
from collections import defaultdict, deque

KM_PER_DEGREE = 111.32

Graph = dict[int, set[int]]


def to_km(points: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """Latitude/longitude to kilometres on a plane around the points' mean latitude (plenty for a regency)."""
    if not points:
        return {}
    mean_lat = sum(lat for lat, _lng in points.values()) / len(points)
    scale = math.cos(math.radians(mean_lat))
    return {key: (lng * KM_PER_DEGREE * scale, lat * KM_PER_DEGREE) for key, (lat, lng) in points.items()}


def gabriel(xy: dict[int, tuple[float, float]], *, candidates: int = 12) -> Graph:
    """The Gabriel graph of the points (kilometres), from each point's nearest candidates; points at the same
    spot (villages planned at their district's point) all neighbour each other and share that spot's edges."""
    spots: dict[tuple[float, float], list[int]] = defaultdict(list)
    for key in sorted(xy):
        spots[xy[key]].append(key)
    sites = list(spots)
    graph: Graph = {key: set() for key in xy}
    for members in spots.values():
        for key in members:
            graph[key].update(m for m in members if m != key)
    if len(sites) < 2:
        return graph
    nearest = _nearest(sites, candidates)
    edges = set()
    for i, near in enumerate(nearest):
        ax, ay = sites[i]
        for rank, j in enumerate(near):
            edge = (i, j) if i < j else (j, i)
            if edge in edges:
                continue
            bx, by = sites[j]
            cx, cy = (ax + bx) / 2, (ay + by) / 2
            limit = ((ax - bx) ** 2 + (ay - by) ** 2) / 4 * (1 - 1e-9)
            # A point inside the circle lies nearer to a than b is: it comes before b among a's nearest (sorted by
            # distance), so only those are tried.
            for k in near[:rank]:
                kx, ky = sites[k]
                if (kx - cx) ** 2 + (ky - cy) ** 2 < limit:
                    break
            else:
                edges.add(edge)
    for i, j in edges:
        for a in spots[sites[i]]:
            for b in spots[sites[j]]:
                graph[a].add(b)
                graph[b].add(a)
    return connect(graph, xy)


def _nearest(sites: list[tuple[float, float]], count: int) -> list[list[int]]:
    """The `count` nearest other sites of each site (nearest first, ties by index), through a grid (no quadratic
    scan): most sites find them in the 3 × 3 cells around their own, read once per cell; the others widen the
    search ring by ring."""
    xs, ys = [s[0] for s in sites], [s[1] for s in sites]
    area = max((max(xs) - min(xs)) * (max(ys) - min(ys)), 1e-9)
    cell = max(math.sqrt(area / len(sites)) * 1.4, 1e-6)
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (x, y) in enumerate(sites):
        grid[(int(x // cell), int(y // cell))].append(index)
    want = min(count, len(sites) - 1)
    blocks: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    result = []
    for index, (x, y) in enumerate(sites):
        cx, cy = int(x // cell), int(y // cell)
        block = blocks.get((cx, cy))
        if block is None:
            block = blocks[(cx, cy)] = [(other, *sites[other]) for gx in (cx - 1, cx, cx + 1)
                                        for gy in (cy - 1, cy, cy + 1) for other in grid.get((gx, gy), ())]
        if len(block) > want:
            found = sorted([((ox - x) ** 2 + (oy - y) ** 2, other) for other, ox, oy in block if other != index])
            # Everything nearer than the block's edge is seen: enough when the count-th nearest is inside that.
            margin = min(x - (cx - 1) * cell, (cx + 2) * cell - x, y - (cy - 1) * cell, (cy + 2) * cell - y)
            if found[want - 1][0] <= margin * margin or len(found) == len(sites) - 1:
                result.append([other for _d, other in found[:count]])
                continue
        result.append(_nearest_by_rings(sites, grid, cell, index, count))
    return result


def _nearest_by_rings(sites, grid, cell: float, index: int, count: int) -> list[int]:
    x, y = sites[index]
    cx, cy = int(x // cell), int(y // cell)
    found: list[tuple[float, int]] = []
    ring = 0
    while True:
        for gx in range(cx - ring, cx + ring + 1):
            for gy in range(cy - ring, cy + ring + 1):
                if max(abs(gx - cx), abs(gy - cy)) != ring:
                    continue
                for other in grid.get((gx, gy), ()):
                    if other != index:
                        found.append(((sites[other][0] - x) ** 2 + (sites[other][1] - y) ** 2, other))
        # Everything within `ring` cells is seen; stop once the count-th nearest is surely inside that.
        if len(found) >= min(count, len(sites) - 1):
            found.sort()
            if found[min(count, len(found)) - 1][0] <= (ring * cell) ** 2 or len(found) == len(sites) - 1:
                break
        ring += 1
    return [other for _d, other in found[:count]]


def components(nodes, graph: Graph) -> list[set[int]]:
    """The connected pieces of `nodes` (using only edges between them), largest first."""
    nodes = set(nodes)
    seen: set[int] = set()
    pieces = []
    for start in sorted(nodes):
        if start in seen:
            continue
        piece, queue = {start}, deque([start])
        while queue:
            for other in graph.get(queue.popleft(), ()):
                if other in nodes and other not in piece:
                    piece.add(other)
                    queue.append(other)
        seen |= piece
        pieces.append(piece)
    return sorted(pieces, key=lambda p: (-len(p), min(p)))


def connect(graph: Graph, xy: dict[int, tuple[float, float]]) -> Graph:
    """Join separate pieces (islands) by their closest pair of points, smallest piece first."""
    pieces = components(graph, graph)
    while len(pieces) > 1:
        small = pieces.pop()
        rest = [k for piece in pieces for k in piece]
        _d, a, b = min((((xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2), a, b) for a in small for b in rest)
        graph[a].add(b)
        graph[b].add(a)
        pieces = components(graph, graph)
    return graph


def neighbours(points: dict[int, tuple[float, float]], touching: Graph | None = None) -> tuple[Graph, dict]:
    """The village graph: outlines that touch where both villages have a boundary, the Gabriel graph of the
    points where one has none, islands joined to their nearest village. Returns the graph and the points in
    kilometres."""
    xy = to_km(points)
    graph = gabriel(xy)
    if touching:
        outlined = {key for key in touching if key in xy}
        for key in outlined:
            graph[key] = {other for other in graph[key] if other not in outlined} | (touching[key] & set(xy))
        for key in xy:
            if key not in outlined:
                for other in graph[key]:
                    graph[other].add(key)
        for key in outlined:
            for other in graph[key]:
                graph[other].add(key)
        graph = connect(graph, xy)
    return graph, xy


def diameter(keys, xy: dict[int, tuple[float, float]]) -> float:
    """The longest distance between two of the points, in kilometres."""
    points = sorted({xy[k] for k in keys if k in xy})
    if len(points) < 2:
        return 0.0
    hull = _hull(points)
    return math.sqrt(max((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for i, a in enumerate(hull) for b in hull[i + 1:]))


def _hull(points):
    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in points:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1] or points


# --- splitting a connected graph into connected parts ---------------------------------------------------

BALANCE_COST = 4.0  # per squared part-size of imbalance
BORDER_COST = 0.15
GROUP_COST = 3.0


def split(nodes, parts: int, *, graph: Graph, xy: dict, bounds: tuple[int, int], weight: dict | None = None,
          group: dict | None = None) -> list[list[int]]:
    """Split connected `nodes` into `parts` connected parts by recursive bisection.

    Each part's total weight stays within `bounds` wherever the numbers allow it (otherwise as even as
    possible); a bisection sweeps across the nodes in several directions, so that every prefix of the sweep
    is connected, keeps the rest connected by taking in the pockets it would leave behind, and prefers
    short borders that do not cut a group (a district) in two. Deterministic for the same input.
    """
    weight = weight or {}
    low, high = bounds
    total = sum(weight.get(n, 1) for n in nodes)
    if not parts * low <= total <= parts * high:
        # Outside the target whatever the split: as even as possible, never past twice the target's most.
        mean = total / parts
        low = max(1, math.floor(mean * 0.85))
        high = max(1, math.ceil(mean * 1.15) if mean > 2 * high else min(math.ceil(mean * 1.15), 2 * high))
    result: list[list[int]] = []
    _bisect(sorted(nodes), parts, graph, xy, (low, high), weight, group or {}, result)
    return result


def _bisect(nodes, parts, graph, xy, bounds, weight, group, out):
    if parts == 1 or len(nodes) <= 1:
        out.append(sorted(nodes))
        out.extend([] for _ in range(parts - 1))
        return
    low, high = bounds
    first = parts // 2
    total = sum(weight.get(n, 1) for n in nodes)
    ideal = total * first / parts
    least, most = max(first * low, total - (parts - first) * high), min(first * high, total - (parts - first) * low)
    if least > most:
        least = most = round(ideal)
    unit = total / parts
    node_set = set(nodes)
    best = None
    for direction in _directions(nodes, xy):
        order = _sweep(nodes, node_set, graph, xy, direction, group)
        candidates = []
        inside: set[int] = set()
        border = size = 0
        for index, node in enumerate(order[:-1]):
            inside.add(node)
            size += weight.get(node, 1)
            border += sum(1 if other not in inside else -1 for other in graph[node] if other in node_set)
            if size < least - unit or size > most + unit:
                continue
            cut_group = bool(group) and group.get(node) == group.get(order[index + 1])
            estimate = _cost(size, ideal, unit, least, most) + BORDER_COST * border + GROUP_COST * cut_group
            candidates.append((estimate, index))
        for _estimate, index in sorted(candidates)[:6]:
            part = set(order[: index + 1])
            rest = components(node_set - part, graph)
            for pocket in rest[1:]:
                part |= pocket
            if not rest or not part:
                continue
            size = sum(weight.get(n, 1) for n in part)
            border = sum(1 for n in part for other in graph[n] if other in node_set and other not in part)
            groups_cut = len({group[n] for n in part if n in group} & {group[n] for n in rest[0] if n in group})
            cost = _cost(size, ideal, unit, least, most) + BORDER_COST * border + GROUP_COST * groups_cut
            key = (cost, sorted(part))
            if best is None or key < best:
                best = key
    if best is None:  # no cut found: fall back on the order of the nodes themselves
        count = round(len(nodes) * first / parts)
        part = set(nodes[:count])
    else:
        part = set(best[1])
    _bisect(sorted(part), first, graph, xy, bounds, weight, group, out)
    _bisect(sorted(node_set - part), parts - first, graph, xy, bounds, weight, group, out)


def _cost(size, ideal, unit, least, most) -> float:
    outside = max(0, least - size, size - most)
    return BALANCE_COST * ((size - ideal) / unit) ** 2 * 4 + 100.0 * outside


def _directions(nodes, xy):
    """Unit vectors to sweep along: the long axis of the points and its perpendicular, and the diagonals
    between them, both ways."""
    points = [xy[n] for n in nodes if n in xy]
    if len(points) < 2:
        return [(1.0, 0.0)]
    mx, my = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    syy = sum((p[1] - my) ** 2 for p in points)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    result = []
    for step in range(8):
        a = angle + step * math.pi / 4
        result.append((math.cos(a), math.sin(a)))
    return result


def _sweep(nodes, node_set, graph, xy, direction, group):
    """All nodes in an order whose every prefix is connected: start at the far end along `direction`, then
    always take the neighbour furthest back along it, finishing a group (district) once it is begun."""
    dx, dy = direction

    def position(node):
        x, y = xy.get(node, (0.0, 0.0))
        return x * dx + y * dy

    group_position = {}
    if group:
        sums = defaultdict(lambda: [0.0, 0])
        for node in nodes:
            entry = sums[group.get(node)]
            entry[0] += position(node)
            entry[1] += 1
        group_position = {g: s / c for g, (s, c) in sums.items()}
    start = min(nodes, key=lambda n: (position(n), n))
    begun: set = set()

    def key(node):
        g = group.get(node)
        return (0 if g in begun else 1, group_position.get(g, 0.0), position(node), node)

    order, seen = [], {start}
    heap = [(key(start), start)]
    while heap or len(order) < len(nodes):
        if not heap:  # not connected after all: carry on from the next node left
            start = min((n for n in nodes if n not in seen), key=lambda n: (position(n), n))
            seen.add(start)
            heap = [(key(start), start)]
        _k, node = heapq.heappop(heap)
        order.append(node)
        if group:
            g = group.get(node)
            if g not in begun:
                begun.add(g)
                # Waiting neighbours of a group just begun now come first: re-key the heap.
                heap = [(key(n), n) for _k2, n in heap]
                heapq.heapify(heap)
        for other in graph.get(node, ()):
            if other in node_set and other not in seen:
                seen.add(other)
                heapq.heappush(heap, (key(other), other))
    return order
