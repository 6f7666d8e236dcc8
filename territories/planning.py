"""The logic of a territory plan on plain data: validation, diff and the proposed split.

Nothing here touches the database: selectors load a `Snapshot` in a fixed number of queries and
services write the results. That keeps the rules fast at national scale and easy to test.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_DISTRICTS_PER_BA = 3


@dataclass(frozen=True)
class Place:
    """A village (with its district) or a district (district_id None), with optional coordinates."""

    id: int
    code: str
    name: str
    district_id: int | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class MentorInfo:
    id: int
    name: str
    role: str
    is_active: bool
    contract_start: date | None = None
    contract_end: date | None = None
    email: str = ""

    def covers(self, day: date) -> bool:
        return (self.contract_start is None or self.contract_start <= day) and (
            self.contract_end is None or day <= self.contract_end
        )


@dataclass
class TerritoryInfo:
    id: int
    name: str
    mentor_id: int | None
    members: set[int] = field(default_factory=set)  # district ids (PMO) or village ids (BA)
    pmo_id: int | None = None  # BA territories only


@dataclass
class Snapshot:
    """One plan as plain data."""

    villages: dict[int, Place]
    districts: dict[int, Place]
    mentors: dict[int, MentorInfo]
    pmo: dict[int, TerritoryInfo]
    ba: dict[int, TerritoryInfo]

    def village_territory(self) -> dict[int, int]:
        return {village: ba.id for ba in self.ba.values() for village in ba.members}

    def district_pmo(self) -> dict[int, int]:
        return {district: pmo.id for pmo in self.pmo.values() for district in pmo.members}


# --- validation -----------------------------------------------------------------------------------


@dataclass
class Issue:
    code: str
    message: str
    items: list[str] = field(default_factory=list)


@dataclass
class Validation:
    blocking: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocking


def _names(items, limit=12) -> list[str]:
    items = sorted(items)
    return items[:limit] + ([_("… and %(count)d more") % {"count": len(items) - limit}] if len(items) > limit else [])


def validate(snapshot: Snapshot, *, effective_date: date | None, target: tuple[int, int]) -> Validation:
    result = Validation()
    covered = snapshot.village_territory()
    gaps = [v for v in snapshot.villages.values() if v.id not in covered]
    if gaps:
        result.blocking.append(Issue("gaps", ngettext(
            "%(count)d village is in no BA territory.", "%(count)d villages are in no BA territory.", len(gaps),
        ) % {"count": len(gaps)}, _names(f"{v.name} ({v.code})" for v in gaps)))

    def unstaffed(territories, role):
        bad = []
        for territory in territories:
            mentor = snapshot.mentors.get(territory.mentor_id)
            if mentor is None or not mentor.is_active or mentor.role != role:
                bad.append(territory.name)
        return bad

    if bad := unstaffed(snapshot.ba.values(), "ba"):
        result.blocking.append(Issue("ba_unstaffed", _("BA territories without an active Business Assistant."),
                                     _names(bad)))
    if bad := unstaffed(snapshot.pmo.values(), "pmo"):
        result.blocking.append(Issue("pmo_unstaffed", _("PMO territories without an active PMO."), _names(bad)))

    empty = [t.name for t in snapshot.ba.values() if not t.members]
    if empty:
        result.blocking.append(Issue("ba_empty", _("BA territories without villages."), _names(empty)))
    empty = [t.name for t in snapshot.pmo.values() if not t.members]
    if empty:
        result.blocking.append(Issue("pmo_empty", _("PMO territories without districts."), _names(empty)))

    counts = Counter(t.mentor_id for t in [*snapshot.ba.values(), *snapshot.pmo.values()] if t.mentor_id)
    twice = [snapshot.mentors[m].name for m, n in counts.items() if n > 1 and m in snapshot.mentors]
    if twice:
        result.blocking.append(Issue("assigned_twice", _("Mentors assigned to more than one territory."),
                                     _names(twice)))

    district_pmo = snapshot.district_pmo()
    outside = []
    for ba in snapshot.ba.values():
        pmo = snapshot.pmo.get(ba.pmo_id)
        if pmo is None or any(snapshot.villages[v].district_id not in pmo.members for v in ba.members
                              if v in snapshot.villages):
            outside.append(ba.name)
    if outside:
        result.blocking.append(Issue("outside_pmo", _("BA territories outside the districts of their PMO territory."),
                                     _names(outside)))
    orphan_districts = [d.name for d in snapshot.districts.values() if d.id not in district_pmo]
    if orphan_districts and snapshot.pmo:
        result.blocking.append(Issue("district_without_pmo", _("Districts in no PMO territory."),
                                     _names(orphan_districts)))

    if effective_date is not None:
        assigned = {t.mentor_id for t in [*snapshot.ba.values(), *snapshot.pmo.values()] if t.mentor_id}
        uncovered = [snapshot.mentors[m].name for m in assigned
                     if m in snapshot.mentors and not snapshot.mentors[m].covers(effective_date)]
        if uncovered:
            result.blocking.append(Issue("contract", _("Mentors whose contract does not cover %(date)s.")
                                         % {"date": effective_date.strftime("%d-%m-%Y")}, _names(uncovered)))

    low, high = target
    # More than twice the most villages a BA should hold cannot be mentored: that blocks publishing.
    overloaded = [f"{ba.name}: {len(ba.members)}" for ba in snapshot.ba.values() if len(ba.members) > 2 * high]
    if overloaded:
        result.blocking.append(Issue("overload", _("BA territories with more than %(count)d villages (twice the "
                                                   "target's %(high)d).") % {"count": 2 * high, "high": high},
                                     _names(overloaded)))
    off = [f"{ba.name}: {len(ba.members)}" for ba in snapshot.ba.values()
           if not low <= len(ba.members) <= high and len(ba.members) <= 2 * high]
    if off:
        result.warnings.append(Issue("workload", _("BA territories outside the target of %(low)d–%(high)d villages.")
                                     % {"low": low, "high": high}, _names(off)))
    spread = []
    for ba in snapshot.ba.values():
        districts = {snapshot.villages[v].district_id for v in ba.members if v in snapshot.villages}
        if len(districts) > MAX_DISTRICTS_PER_BA:
            spread.append(f"{ba.name}: {len(districts)}")
    if spread:
        result.warnings.append(Issue("spread", _("BA territories spread over more than %(count)d districts.")
                                     % {"count": MAX_DISTRICTS_PER_BA}, _names(spread)))
    return result


# --- diff ----------------------------------------------------------------------------------------


@dataclass
class VillageMove:
    village: Place
    before: str  # "territory · mentor", or "–"
    after: str


@dataclass
class Diff:
    moves: list[VillageMove]
    gains: list[tuple[str, int, int]]  # mentor name, villages gained, villages lost (one row per mentor)
    territories_added: list[str]
    territories_removed: list[str]

    @property
    def empty(self) -> bool:
        return not (self.moves or self.gains or self.territories_added or self.territories_removed)


def diff(old: Snapshot | None, new: Snapshot) -> Diff:
    """What changes from `old` (e.g. the plan in force) to `new` (e.g. the draft).

    A village "moves" when its Business Assistant changes (or, for territories without one, its territory's
    name): cloning or renaming a territory alone moves nobody.
    """
    old = old or Snapshot(villages={}, districts={}, mentors={}, pmo={}, ba={})

    def holders(snapshot):
        result = {}
        for ba in snapshot.ba.values():
            mentor = snapshot.mentors.get(ba.mentor_id)
            for village in ba.members:
                result[village] = (ba.mentor_id, ba.name, mentor.name if mentor else None)
        return result

    before, after = holders(old), holders(new)

    def label(holder):
        if holder is None:
            return "–"
        return f"{holder[1]} · {holder[2]}" if holder[2] else holder[1]

    def same(a, b):
        if a is None or b is None:
            return a is b
        return a[0] == b[0] if a[0] and b[0] else (a[0], a[1]) == (b[0], b[1])

    moves = []
    gained, lost = Counter(), Counter()
    villages = {**old.villages, **new.villages}
    for village_id in sorted(set(before) | set(after), key=lambda v: villages[v].code):
        a, b = before.get(village_id), after.get(village_id)
        if same(a, b):
            continue
        moves.append(VillageMove(villages[village_id], label(a), label(b)))
        if b and b[0]:
            gained[b[0]] += 1
        if a and a[0]:
            lost[a[0]] += 1
    mentors = {**old.mentors, **new.mentors}
    gains = sorted((mentors[m].name if m in mentors else "?", gained[m], lost[m]) for m in set(gained) | set(lost))

    def names(snapshot):
        return {f"PMO · {t.name}" for t in snapshot.pmo.values()} | {f"BA · {t.name}" for t in snapshot.ba.values()}

    return Diff(moves, gains, sorted(names(new) - names(old)), sorted(names(old) - names(new)))


# --- the proposed split --------------------------------------------------------------------------

# Cost weights of the split, in "squared villages of imbalance": keeping districts whole matters, but a
# Business Assistant's workload matters more.
SPAN_COST = 3.0  # each extra district a BA must cover
CUT_COST = 8.0  # each district cut between two BAs


@dataclass
class ProposedPmo:
    mentor_id: int | None
    district_ids: list[int]


@dataclass
class ProposedBa:
    mentor_id: int | None
    pmo_index: int
    village_ids: list[int]


@dataclass
class Proposal:
    pmo: list[ProposedPmo]
    ba: list[ProposedBa]


class ProposalError(ValueError):
    pass


def _has_coordinates(places) -> bool:
    return all(p.lat is not None and p.lng is not None for p in places)


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular is plenty at the scale of one regency.
    x = (b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(x, b[0] - a[0])


def chain(villages: list[Place]) -> list[Place]:
    """All villages in one walk: district after neighbouring district, and inside each district from the
    side of the previous district towards the next. Without coordinates: the order of the codes."""
    by_district: dict[int, list[Place]] = defaultdict(list)
    for village in sorted(villages, key=lambda v: v.code):
        by_district[village.district_id].append(village)
    districts = sorted(by_district, key=lambda d: by_district[d][0].code)
    if not _has_coordinates(villages):
        return [v for d in districts for v in by_district[d]]
    centre = {d: (sum(v.lat for v in vs) / len(vs), sum(v.lng for v in vs) / len(vs)) for d, vs in by_district.items()}
    start = min(districts, key=lambda d: (centre[d][1], by_district[d][0].code))  # the westernmost
    path, remaining = [start], set(districts) - {start}
    while remaining:
        last = path[-1]
        path.append(min(remaining, key=lambda d: (_distance(centre[last], centre[d]), by_district[d][0].code)))
        remaining.discard(path[-1])
    ordered = []
    for index, district in enumerate(path):
        behind = centre[path[index - 1]] if index else centre[district]
        ahead = centre[path[index + 1]] if index + 1 < len(path) else centre[district]
        if behind == ahead:
            behind, ahead = centre[district], (centre[district][0], centre[district][1] + 1)
        axis = (ahead[0] - behind[0], ahead[1] - behind[1])
        ordered += sorted(by_district[district],
                          key=lambda v: ((v.lat - behind[0]) * axis[0] + (v.lng - behind[1]) * axis[1], v.code))
    return ordered


def _partition(sizes: list[int], parts: int) -> list[int]:
    """Cut a sequence of blocks (whole districts) into `parts` contiguous groups of similar total size.

    Returns the index where each group starts.
    """
    total, n = sum(sizes), len(sizes)
    if parts >= n:
        return list(range(n))[:parts]
    mean = total / parts
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(parts + 1)]
    back = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for j in range(1, parts + 1):
        for i in range(j, n - (parts - j) + 1):
            for k in range(j - 1, i):
                if best[j - 1][k] < inf:
                    cost = best[j - 1][k] + (prefix[i] - prefix[k] - mean) ** 2
                    if cost < best[j][i]:
                        best[j][i], back[j][i] = cost, k
    starts, i = [], n
    for j in range(parts, 0, -1):
        i = back[j][i]
        starts.append(i)
    return starts[::-1]


def _split_villages(sequence: list[Place], parts: int, target: tuple[int, int]) -> list[list[Place]]:
    """Cut the walk of villages into `parts` contiguous workloads (dynamic programming).

    Each workload stays inside the target range when the numbers allow it; the cost balances workloads and
    prefers cuts at district borders.
    """
    n = len(sequence)
    mean = n / parts
    low, high = target
    if not (parts * low <= n <= parts * high):
        low, high = max(1, math.floor(mean) - 2), math.ceil(mean) + 2
    changes = [0] * n
    for i in range(1, n):
        changes[i] = changes[i - 1] + (sequence[i].district_id != sequence[i - 1].district_id)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(parts + 1)]
    back = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for j in range(1, parts + 1):
        for i in range(j * low, min(n, j * high) + 1):
            for size in range(low, high + 1):
                start = i - size
                if start < 0 or best[j - 1][start] == inf:
                    continue
                spans = changes[i - 1] - changes[start]
                cut = start > 0 and sequence[start].district_id == sequence[start - 1].district_id
                cost = best[j - 1][start] + (size - mean) ** 2 + SPAN_COST * spans + CUT_COST * cut
                if cost < best[j][i]:
                    best[j][i], back[j][i] = cost, start
    if best[parts][n] == inf:
        raise ProposalError(_("These villages cannot be split between %(count)d Business Assistants.")
                            % {"count": parts})
    cuts, i = [], n
    for j in range(parts, 0, -1):
        start = back[j][i]
        cuts.append((start, i))
        i = start
    return [sequence[a:b] for a, b in reversed(cuts)]


def _match(groups: list[set[int]], mentor_ids: list[int], current: dict[int, set[int]]) -> list[int | None]:
    """Give each group a mentor, keeping mentors where they already work (largest overlap first)."""
    pairs = sorted(
        ((len(groups[g] & current.get(m, set())), -mi, -g, m, g)
         for g in range(len(groups)) for mi, m in enumerate(mentor_ids) if current.get(m)),
        reverse=True,
    )
    result: list[int | None] = [None] * len(groups)
    used = set()
    for overlap, _mi, _g, mentor, group in pairs:
        if overlap and mentor not in used and result[group] is None:
            result[group], used = mentor, used | {mentor}
    free = iter(m for m in mentor_ids if m not in used)
    return [mentor if mentor is not None else next(free, None) for mentor in result]


def propose(
    villages: list[Place],
    *,
    ba_ids: list[int],
    pmo_ids: list[int],
    target: tuple[int, int],
    current: dict[int, set[int]] | None = None,
) -> Proposal:
    """A balanced split of `villages` for the given Business Assistants and PMOs.

    Deterministic for the same input. `current` maps mentors to the villages (BAs) or districts (PMOs) they
    hold today, so that people keep their area where the new split allows it.
    """
    if not villages:
        raise ProposalError(_("The regency has no villages."))
    if not ba_ids:
        raise ProposalError(_("Choose at least one Business Assistant."))
    if not pmo_ids:
        raise ProposalError(_("Choose at least one PMO."))
    pmo_count = len(pmo_ids)
    if len(ba_ids) < pmo_count:
        raise ProposalError(_("Choose at least as many Business Assistants as PMOs."))
    district_count = len({v.district_id for v in villages})
    if pmo_count > district_count:
        raise ProposalError(_("There are more PMOs (%(pmos)d) than districts (%(districts)d): choose fewer PMOs.")
                            % {"pmos": pmo_count, "districts": district_count})
    current = current or {}
    walk = chain(villages)
    blocks: list[list[Place]] = []  # runs of one district along the walk
    for village in walk:
        if blocks and blocks[-1][0].district_id == village.district_id:
            blocks[-1].append(village)
        else:
            blocks.append([village])
    starts = _partition([len(block) for block in blocks], pmo_count) + [len(blocks)]
    regions = [[v for block in blocks[a:b] for v in block] for a, b in zip(starts, starts[1:], strict=False)]

    # Business Assistants per PMO group in proportion to its villages (largest remainder, at least one).
    total = len(walk)
    shares = [len(region) * len(ba_ids) / total for region in regions]
    counts = [max(1, math.floor(share)) for share in shares]
    while sum(counts) < len(ba_ids):
        gaps = [(share - count, -index) for index, (share, count) in enumerate(zip(shares, counts, strict=True))]
        counts[-max(gaps)[1]] += 1
    while sum(counts) > len(ba_ids):
        reducible = [i for i in range(len(counts)) if counts[i] > 1]
        counts[max(reducible, key=lambda i: (counts[i] - shares[i], i))] -= 1

    pmo_groups = [{v.district_id for v in region} for region in regions]
    pmo_mentors = _match(pmo_groups, list(pmo_ids), current)
    chunks = []
    for index, (region, count) in enumerate(zip(regions, counts, strict=True)):
        chunks += [(index, chunk) for chunk in _split_villages(region, count, target)]
    ba_mentors = _match([{v.id for v in chunk} for _, chunk in chunks], list(ba_ids), current)
    return Proposal(
        pmo=[ProposedPmo(mentor, sorted(group)) for mentor, group in zip(pmo_mentors, pmo_groups, strict=True)],
        ba=[ProposedBa(mentor, index, [v.id for v in chunk])
            for mentor, (index, chunk) in zip(ba_mentors, chunks, strict=True)],
    )


def round_robin(villages: list[Place], parts: int, *, by_district: bool = False) -> list[list[Place]]:
    """The naive split, for comparison: villages (or whole districts) in code order dealt out in turn."""
    groups: list[list[Place]] = [[] for _ in range(parts)]
    ordered = sorted(villages, key=lambda v: v.code)
    if by_district:
        districts = sorted({v.district_id for v in ordered}, key=lambda d: next(v.code for v in ordered
                                                                                 if v.district_id == d))
        for index, district in enumerate(districts):
            groups[index % parts] += [v for v in ordered if v.district_id == district]
    else:
        for index, village in enumerate(ordered):
            groups[index % parts].append(village)
    return groups


@dataclass(frozen=True)
class SplitMetrics:
    smallest: int
    largest: int
    outside_target: int
    mean_districts: float
    most_districts: int

    @property
    def spread(self) -> int:
        return self.largest - self.smallest


def metrics(groups: list[list[Place]], target: tuple[int, int]) -> SplitMetrics:
    sizes = [len(group) for group in groups]
    spans = [len({v.district_id for v in group}) for group in groups]
    return SplitMetrics(
        smallest=min(sizes), largest=max(sizes),
        outside_target=sum(1 for size in sizes if not target[0] <= size <= target[1]),
        mean_districts=round(sum(spans) / len(spans), 2), most_districts=max(spans),
    )
