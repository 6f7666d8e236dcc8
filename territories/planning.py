"""The logic of a territory plan on plain data: validation, diff and the proposed split.

Nothing here touches the database: selectors load a `Snapshot` in a fixed number of queries and
services write the results. That keeps the rules fast at national scale and easy to test.
"""

import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import geography
from .geography import components

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
    located: bool = True  # False: the point is the district's, the village has none of its own


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


def new_issues(before: Validation, after: Validation) -> list[Issue]:
    """The problems an edit caused: the issues of `after` (blocking first) with only the items `before` did not
    have; an issue `before` did not have at all comes whole."""
    known = {(kind, issue.code): issue.items for kind in ("blocking", "warnings") for issue in getattr(before, kind)}
    caused = []
    for kind in ("blocking", "warnings"):
        for issue in getattr(after, kind):
            old = known.get((kind, issue.code))
            if old is None:
                caused.append(issue)
                continue
            shown = [item for item in old if not item.startswith("…")]
            # A list cut short (see `_names`) shows its first items in order: a later item may have been there.
            last = shown[-1] if shown and len(shown) < len(old) else None
            fresh = [item for item in issue.items if item not in shown and not item.startswith("…")
                     and (last is None or item < last)]
            if fresh:
                caused.append(Issue(issue.code, issue.message, fresh))
    return caused


CONTRACT_NOTICE_DAYS = 30


def validate(snapshot: Snapshot, *, effective_date: date | None, target: tuple[int, int],
             geo: "Geography | None" = None, span_km: float | None = None, today: date | None = None) -> Validation:
    """Blocking issues (publishing is refused) and warnings of a plan. With `geo`, the warnings see geography:
    territories in pieces, territories wider than `span_km`, villages without a point of their own."""
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
    day = effective_date or today
    if day is not None:
        assigned = sorted({t.mentor_id for t in [*snapshot.ba.values(), *snapshot.pmo.values()] if t.mentor_id})
        ending = [snapshot.mentors[m] for m in assigned if m in snapshot.mentors and snapshot.mentors[m].contract_end
                  and day <= snapshot.mentors[m].contract_end <= day + timedelta(days=CONTRACT_NOTICE_DAYS)]
        if ending:
            result.warnings.append(Issue("contract_ending", ngettext(
                "%(count)d mentor's contract ends within %(days)d days of %(date)s.",
                "%(count)d mentors' contracts end within %(days)d days of %(date)s.", len(ending),
            ) % {"count": len(ending), "days": CONTRACT_NOTICE_DAYS, "date": day.strftime("%d-%m-%Y")},
                _names(f"{m.name}: {m.contract_end.strftime('%d-%m-%Y')}" for m in ending)))
    if geo is not None:
        _check_geography(snapshot, geo, span_km, result)
    spread = []
    for ba in snapshot.ba.values():
        districts = {snapshot.villages[v].district_id for v in ba.members if v in snapshot.villages}
        if len(districts) > MAX_DISTRICTS_PER_BA:
            spread.append(f"{ba.name}: {len(districts)}")
    if spread:
        result.warnings.append(Issue("spread", _("BA territories spread over more than %(count)d districts.")
                                     % {"count": MAX_DISTRICTS_PER_BA}, _names(spread)))
    return result


def _check_geography(snapshot: Snapshot, geo: "Geography", span_km: float | None, result: Validation) -> None:
    def described(territory_name, pieces, name_of):
        # The largest piece is the territory; the others are named, smallest first.
        rest = sorted(pieces[1:], key=lambda p: (len(p), sorted(p)))
        parts = ["; ".join(", ".join(sorted(name_of(m) for m in piece)[:6]) + (" …" if len(piece) > 6 else "")
                 for piece in rest[:3])]
        return _("%(name)s: %(count)d pieces, apart: %(parts)s") % {"name": territory_name, "count": len(pieces),
                                                                    "parts": "; ".join(parts)}

    def village_name(village_id):
        return snapshot.villages[village_id].name

    split_ba = []
    for ba in sorted(snapshot.ba.values(), key=lambda t: t.name):
        members = [v for v in ba.members if v in snapshot.villages]
        pieces = components(members, geo.graph) if len(members) > 1 else []
        if len(pieces) > 1:
            split_ba.append(described(ba.name, pieces, village_name))
    split_pmo = []
    for pmo in sorted(snapshot.pmo.values(), key=lambda t: t.name):
        members = [v.id for v in snapshot.villages.values() if v.district_id in pmo.members]
        pieces = components(members, geo.graph) if len(members) > 1 else []
        if len(pieces) > 1:
            districts = [{snapshot.villages[v].district_id for v in piece} for piece in pieces]
            split_pmo.append(described(pmo.name, districts, lambda d: snapshot.districts[d].name))
    if split_ba or split_pmo:
        result.warnings.append(Issue("pieces", _("Territories in separate pieces: a mentor must cross another's "
                                                 "villages to reach them."), _names(split_pmo + split_ba, 20)))
    if span_km:
        wide = []
        for ba in snapshot.ba.values():
            span = geography.diameter(ba.members, geo.xy)
            if span > span_km:
                wide.append(f"{ba.name}: {span:.0f} km")
        if wide:
            result.warnings.append(Issue("span", _("BA territories wider than %(km)d km between their furthest "
                                                   "villages.") % {"km": span_km}, _names(wide)))
    unlocated = [snapshot.villages[v] for v in geo.unlocated if v in snapshot.villages]
    if unlocated:
        result.warnings.append(Issue("without_point", ngettext(
            "%(count)d village has no point of its own; it is planned at its district's.",
            "%(count)d villages have no point of their own; they are planned at their district's.", len(unlocated),
        ) % {"count": len(unlocated)}, _names(f"{v.name} ({v.code})" for v in unlocated)))


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


@dataclass
class Geography:
    """Where the villages are and which neighbour which (see `geography.py`)."""

    graph: dict[int, set[int]]
    xy: dict[int, tuple[float, float]]  # kilometres
    unlocated: set[int] = field(default_factory=set)  # villages planned at their district's point

    def district_graph(self, villages: dict[int, Place]) -> dict[int, set[int]]:
        result: dict[int, set[int]] = defaultdict(set)
        for village, others in self.graph.items():
            mine = villages[village].district_id if village in villages else None
            result.setdefault(mine, set())
            for other in others:
                theirs = villages[other].district_id if other in villages else None
                if theirs != mine:
                    result[mine].add(theirs)
        return result


def _points(villages: dict[int, Place]) -> dict[int, tuple[float, float]]:
    """Each village's point; one with none stands at the middle of the others."""
    located = [v for v in villages.values() if v.lat is not None and v.lng is not None]
    middle = ((sum(v.lat for v in located) / len(located), sum(v.lng for v in located) / len(located))
              if located else (0.0, 0.0))
    return {v.id: (v.lat, v.lng) if v.lat is not None and v.lng is not None else middle for v in villages.values()}


def geography_of(villages: dict[int, Place], touching: dict[int, set[int]] | None = None) -> Geography:
    """The village graph from the villages' points (and the outlines that touch, where boundaries exist)."""
    graph, xy = geography.neighbours(_points(villages), touching)
    return Geography(graph, xy, {v.id for v in villages.values() if not v.located})


def geography_from_edges(villages: dict[int, Place], edges) -> Geography:
    """The geography of `geography_of` from its graph's edges (`graph_edges`), without building the graph."""
    xy = geography.to_km(_points(villages))
    graph: dict[int, set[int]] = {key: set() for key in xy}
    for a, b in edges:
        graph[a].add(b)
        graph[b].add(a)
    return Geography(graph, xy, {v.id for v in villages.values() if not v.located})


def graph_edges(graph: dict[int, set[int]]) -> list[list[int]]:
    """The graph as pairs [a, b] with a <= b, in order (what `geography_from_edges` reads back)."""
    return sorted([a, b] for a, others in graph.items() for b in others if a <= b)


@dataclass
class ProposedPmo:
    mentor_id: int | None
    district_ids: list[int]
    name: str | None = None  # kept from the split it started from


@dataclass
class ProposedBa:
    mentor_id: int | None
    pmo_index: int
    village_ids: list[int]
    name: str | None = None


@dataclass
class Proposal:
    pmo: list[ProposedPmo]
    ba: list[ProposedBa]
    kept: bool = False  # adjusted from an existing split rather than made afresh
    fits: bool = True  # every BA territory within the target
    changed: int = 0  # villages changing hands from the split it started from (kept proposals)
    bas_moved: list[int] = field(default_factory=list)  # mentors moved to another PMO area
    districts_moved: list[int] = field(default_factory=list)  # districts moved across the PMO border


class ProposalError(ValueError):
    pass


def check_numbers(village_count: int, district_count: int, *, bas: int, pmos: int, target: tuple[int, int]) -> None:
    """Refuse numbers of mentors that cannot make a plan, naming the numbers chosen."""
    if not village_count:
        raise ProposalError(_("The regency has no villages."))
    if not bas:
        raise ProposalError(_("Choose at least one Business Assistant."))
    if not pmos:
        raise ProposalError(_("Choose at least one PMO."))
    if bas < pmos:
        raise ProposalError(_("You chose %(bas)d Business Assistants and %(pmos)d PMOs: choose at least as many "
                              "Business Assistants as PMOs.") % {"bas": bas, "pmos": pmos})
    if pmos > district_count:
        raise ProposalError(_("You chose %(pmos)d PMOs for %(districts)d districts: choose at most %(districts)d.")
                            % {"pmos": pmos, "districts": district_count})
    if bas > village_count:
        raise ProposalError(_("You chose %(bas)d Business Assistants for %(villages)d villages: each needs at least "
                              "one village, so choose at most %(villages)d.") % {"bas": bas, "villages": village_count})
    high = target[1]
    if village_count > 2 * high * bas:
        raise ProposalError(_(
            "You chose %(bas)d Business Assistants for %(villages)d villages: each would hold about %(each)d, more "
            "than twice the most of %(high)d. Choose at least %(needed)d."
        ) % {"bas": bas, "villages": village_count, "each": round(village_count / bas), "high": high,
             "needed": math.ceil(village_count / (2 * high))})


def _ba_counts(sizes: list[int], bas: int) -> list[int]:
    """Business Assistants per PMO area in proportion to its villages (largest remainder, at least one)."""
    total = sum(sizes)
    shares = [size * bas / total for size in sizes]
    counts = [max(1, math.floor(share)) for share in shares]
    while sum(counts) < bas:
        counts[max(range(len(counts)), key=lambda i: (shares[i] - counts[i], -i))] += 1
    while sum(counts) > bas:
        counts[max((i for i in range(len(counts)) if counts[i] > 1), key=lambda i: (counts[i] - shares[i], i))] -= 1
    return counts


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
    geo: Geography | None = None,
) -> Proposal:
    """A split of `villages` afresh for the given Business Assistants and PMOs.

    PMO areas are whole districts; every PMO area and BA territory is connected on the village graph, BA
    territories stay within the target and keep districts whole where they fit. Deterministic for the same
    input. `current` maps mentors to the villages (BAs) or districts (PMOs) they hold today, so that people
    keep their area where the new split allows it.
    """
    by_id = {v.id: v for v in villages}
    districts = sorted({v.district_id for v in villages})
    check_numbers(len(villages), len(districts), bas=len(ba_ids), pmos=len(pmo_ids), target=target)
    geo = geo or geography_of(by_id)
    current = current or {}
    sizes = Counter(v.district_id for v in villages)
    centre = {}
    for district in districts:
        points = [geo.xy[v.id] for v in villages if v.district_id == district]
        centre[district] = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    district_graph = geo.district_graph(by_id)
    areas = geography.split(districts, len(pmo_ids), graph=district_graph, xy=centre, weight=sizes,
                            bounds=(1, len(villages)))
    counts = _ba_counts([sum(sizes[d] for d in area) for area in areas], len(ba_ids))
    chunks = []
    for index, (area, count) in enumerate(zip(areas, counts, strict=True)):
        inside = set(area)
        members = [v.id for v in villages if v.district_id in inside]
        parts = geography.split(members, count, graph=geo.graph, xy=geo.xy, bounds=target,
                                group={v: by_id[v].district_id for v in members})
        chunks += [(index, part) for part in parts]
    pmo_mentors = _match([set(area) for area in areas], list(pmo_ids), current)
    ba_mentors = _match([set(chunk) for _, chunk in chunks], list(ba_ids), current)
    return Proposal(
        pmo=[ProposedPmo(mentor, sorted(area)) for mentor, area in zip(pmo_mentors, areas, strict=True)],
        ba=[ProposedBa(mentor, index, sorted(chunk))
            for mentor, (index, chunk) in zip(ba_mentors, chunks, strict=True)],
    )


# --- re-proposing from an existing split ------------------------------------------------------------


def adjust(start: Snapshot, *, ba_ids: list[int], pmo_ids: list[int], target: tuple[int, int],
           geo: Geography) -> Proposal | None:
    """The split `start` changed as little as the chosen mentors allow, or None when it cannot be (no split to
    start from, or a different number of PMOs: then the split is made afresh).

    Territories keep their names and mentors; a territory whose mentor is no longer chosen goes to a chosen
    mentor without one, or else its villages go to the neighbouring territories that hold fewest (a district's
    villages together where they fit); a new Business Assistant takes villages from the neighbours that hold
    most. Territories outside the target then pass single villages to a neighbour, never leaving a territory in
    pieces.

    When a PMO area then holds more (or fewer) villages than its Business Assistants can within the target,
    Business Assistants move between PMO areas, or whole districts move across the PMO border: of the ways that
    bring every territory within the target, the one with the fewest villages changing hands is chosen
    (`Proposal.bas_moved`, `Proposal.districts_moved` say which). Without any, the split kept as it is comes back
    (`Proposal.fits` False).
    """
    base = _kept_split(start, ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, geo=geo)
    if base is None or base.fits:
        return base
    best = None
    for option in _reshaped(start, base, ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, geo=geo):
        if option is not None and option.fits and (best is None or option.changed < best.changed):
            best = option
    return best or base


def changed_hands(start: Snapshot, proposal: "Proposal") -> int:
    """How many villages a proposal gives to another Business Assistant than `start` does."""
    before = {village: ba.mentor_id for ba in start.ba.values() for village in ba.members}
    return sum(1 for ba in proposal.ba for village in ba.village_ids if before.get(village) != ba.mentor_id)


def _fits(proposal: "Proposal", target: tuple[int, int]) -> bool:
    return all(target[0] <= len(ba.village_ids) <= target[1] for ba in proposal.ba)


def _reshaped(start: Snapshot, base: "Proposal", *, ba_ids, pmo_ids, target, geo):
    """The kept split with Business Assistants moved between PMO areas, and with districts moved across the PMO
    border, each just enough for every area to hold what its Business Assistants can (see `adjust`)."""
    low, high = target
    villages = start.villages
    area_ids = [t.id for t in sorted(start.pmo.values(), key=lambda t: (t.name, t.id))]
    district_area = {d: area_ids[i] for i, pmo in enumerate(base.pmo) for d in pmo.district_ids}
    size_of_district = Counter(v.district_id for v in villages.values())
    area_size = Counter()
    for district, area in district_area.items():
        area_size[area] += size_of_district[district]
    staff = Counter(area_ids[ba.pmo_index] for ba in base.ba)
    district_graph = geo.district_graph(villages)

    def fewest(area):  # Business Assistants the area needs at least, and can hold at most
        return math.ceil(area_size[area] / high)

    def most(area):
        return area_size[area] // low

    # 1. Business Assistants move from areas that can spare them to areas that lack them: from the territories
    # that touch the area they go to and hold fewest villages (those change hands).
    def movers(extra):
        """The Business Assistants to move, with `extra` more than the fewest that bring every area within
        reach of the target (more room in the area they go to can mean fewer villages passed along)."""
        moving: dict[int, int] = {}
        counts = Counter(staff)
        last = None
        for _step in range(len(base.ba)):
            lacking = [a for a in area_ids if counts[a] < fewest(a)]
            crowded = [a for a in area_ids if counts[a] > most(a)]
            if lacking:
                to = lacking[0]
                donors = [a for a in area_ids if a != to and counts[a] > fewest(a)]
                source = max(donors, key=lambda a: (counts[a] - fewest(a), -a)) if donors else None
            elif crowded:
                source = crowded[0]
                takers = [a for a in area_ids if a != source and counts[a] < most(a)]
                to = max(takers, key=lambda a: (most(a) - counts[a], -a)) if takers else None
            elif extra and last and counts[last[0]] > fewest(last[0]) and counts[last[1]] < most(last[1]):
                extra -= 1
                source, to = last
            else:
                break
            if source is None or to is None:
                return None
            touching = set().union(*(district_graph.get(d, set()) for d, a in district_area.items() if a == to))
            choices = [ba for ba in base.ba if area_ids[ba.pmo_index] == source and ba.mentor_id not in moving
                       and ba.mentor_id is not None]
            if not choices:
                return None
            chosen = min(choices, key=lambda ba: (
                not any(villages[v].district_id in touching for v in ba.village_ids), len(ba.village_ids),
                ba.mentor_id))
            moving[chosen.mentor_id] = to
            counts[source] -= 1
            counts[to] += 1
            last = (source, to)
        return moving

    tried = []
    for extra in (0, 1):
        moving = movers(extra)
        if moving and moving not in tried:
            tried.append(moving)
            option = _kept_split(start, ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, geo=geo, moving=moving)
            if option is not None:
                option.bas_moved = sorted(moving)
            yield option

    # 2. Whole districts move across the PMO border: those whose villages change hands anyway (the leavers') and
    # that bring the areas nearest to what their Business Assistants hold, first.
    before = {village: ba.mentor_id for ba in start.ba.values() for village in ba.members}
    staying = {ba.mentor_id for ba in base.ba}
    kept_in = Counter(villages[v].district_id for v, m in before.items() if m in staying and v in villages)

    def off(area, size):
        return max(0, size - staff[area] * high) + max(0, staff[area] * low - size)

    areas_now = dict(district_area)
    moved: list[int] = []
    for _step in range(len(district_area)):
        options = []
        for district, area in sorted(areas_now.items()):
            size = size_of_district[district]
            for other in sorted({areas_now[d] for d in district_graph.get(district, ()) if d in areas_now} - {area}):
                gain = (off(area, area_size[area] - size) + off(other, area_size[other] + size)
                        - off(area, area_size[area]) - off(other, area_size[other]))
                if gain >= 0:
                    continue
                rest = [d for d, a in areas_now.items() if a == area and d != district]
                if not rest or len(components(rest, district_graph)) != 1:
                    continue
                options.append((kept_in[district], gain, district, area, other))
        if not options:
            break
        _kept, _gain, district, area, other = min(options)
        areas_now[district] = other
        area_size[area] -= size_of_district[district]
        area_size[other] += size_of_district[district]
        moved.append(district)
    if moved:
        option = _kept_split(start, ba_ids=ba_ids, pmo_ids=pmo_ids, target=target, geo=geo, district_area=areas_now)
        if option is not None:
            option.districts_moved = sorted(moved)
        yield option


def _kept_split(start: Snapshot, *, ba_ids: list[int], pmo_ids: list[int], target: tuple[int, int],
                geo: Geography, moving: dict[int, int] | None = None,
                district_area: dict[int, int] | None = None) -> Proposal | None:
    """The split `start` kept as far as the chosen mentors allow (see `adjust`); `moving` sends Business
    Assistants to work in another PMO area (mentor -> PMO territory), `district_area` redraws the PMO border
    (district -> PMO territory)."""
    moving = moving or {}
    villages = start.villages
    check_numbers(len(villages), len(start.districts), bas=len(ba_ids), pmos=len(pmo_ids), target=target)
    pmo_territories = sorted(start.pmo.values(), key=lambda t: (t.name, t.id))
    if not pmo_territories or not start.ba or len(pmo_territories) != len(pmo_ids):
        return None
    low, high = target
    holders = {t.mentor_id for t in pmo_territories}
    free_pmo = [m for m in pmo_ids if m not in holders]
    pmo_mentor = {t.id: t.mentor_id if t.mentor_id in pmo_ids else free_pmo.pop(0) for t in pmo_territories}

    # PMO areas: as they are, districts in none joining the neighbouring area with the fewest villages.
    if district_area is None:
        district_area = {d: a for d, a in start.district_pmo().items() if a in pmo_mentor and d in start.districts}
    district_area = dict(district_area)
    district_graph = geo.district_graph(villages)
    size_of_district = Counter(v.district_id for v in villages.values())
    _grow(district_area, set(start.districts) - set(district_area), district_graph,
          lambda area: sum(size_of_district[d] for d, a in district_area.items() if a == area))
    if set(start.districts) - set(district_area):
        return None

    # BA territories: kept with their mentor, handed to a new mentor, or given up.
    holders = {t.mentor_id for t in start.ba.values()}
    free_ba = [m for m in ba_ids if m not in holders]
    owner: dict[int, int] = {}  # village -> territory id (existing ids, new ones negative)
    mentor: dict[int, int] = {}
    name: dict[int, str] = {}
    area_of: dict[int, int] = {}
    given_up = []

    def take(territory, ba, area=None):
        mentor[territory.id] = ba
        name[territory.id] = territory.name
        areas = Counter(district_area[villages[v].district_id] for v in territory.members if v in villages)
        area_of[territory.id] = area or (min(areas, key=lambda a: (-areas[a], a)) if areas
                                         else pmo_territories[0].id)
        for village in territory.members:
            if village in villages and district_area[villages[village].district_id] == area_of[territory.id]:
                owner[village] = territory.id

    for territory in sorted(start.ba.values(), key=lambda t: (t.name, t.id)):
        if territory.mentor_id in ba_ids and territory.mentor_id not in moving:
            take(territory, territory.mentor_id)
        elif free_ba:
            take(territory, free_ba.pop(0))
        else:
            given_up.append(territory)
    # A Business Assistant moving to another PMO area takes over a territory given up there (its villages change
    # hands anyway), the one with most villages in the area; without one, they are new there.
    newcomers: list[tuple[int, int | None]] = [(ba, None) for ba in free_ba]
    for ba, area in sorted(moving.items()):
        def inside(territory, area=area):
            return sum(1 for v in territory.members if v in villages and district_area[villages[v].district_id] == area)

        choices = [t for t in given_up if t.id not in mentor and inside(t)]
        if choices:
            take(max(choices, key=lambda t: (inside(t), -t.id)), ba, area)
        else:
            newcomers.append((ba, area))

    def size(territory):
        return sum(1 for t in owner.values() if t == territory)

    def area_villages(area):
        return [v for v in villages.values() if district_area[v.district_id] == area]

    # New Business Assistants: each into the area whose territories hold most, carved from the largest ones.
    numbers = [int(m.group(1)) for n in name.values() if (m := re.match(r"BA (\d+)", n))]
    next_number = max(numbers, default=0) + 1
    for new_id, (ba, fixed) in enumerate(newcomers, start=1):
        def load(area):
            count = sum(1 for t, a in area_of.items() if a == area)
            return len(area_villages(area)) / (count + 1), -area
        area = fixed or max(pmo_mentor, key=load)
        territory = -new_id
        mentor[territory], area_of[territory] = ba, area
        name[territory] = f"BA {next_number:02d}"
        next_number += 1
        count = sum(1 for a in area_of.values() if a == area)
        _carve(territory, round(len(area_villages(area)) / count), owner, area_of, geo, low)
        if size(territory) == 0:  # an area with no villages to give
            return None

    # Villages of territories given up (and any in none) go to the neighbours that hold fewest, a district's
    # together where they fit.
    district_of = {v: villages[v].district_id for v in villages}
    for area in pmo_mentor:
        loose = {v.id for v in area_villages(area) if v.id not in owner}
        if loose and not any(a == area for a in area_of.values()):
            return None
        _grow(owner, loose, geo.graph, size,
              allowed=lambda village, territory: district_area[villages[village].district_id] == area_of[territory],
              group=district_of, high=high)
    if len(owner) != len(villages):
        return None
    _balance(owner, area_of, geo, (low, high))
    home = {v: t.id for t in start.ba.values() if mentor.get(t.id) == t.mentor_id for v in t.members}
    _relieve(owner, area_of, geo, (low, high), district_of, home)
    start_holders: dict[int, set[int]] = defaultdict(set)
    for territory in start.ba.values():
        for village in territory.members:
            if village in villages:
                start_holders[district_of[village]].add(territory.id)
    fitting = Counter(district_of.values())
    _gather(owner, area_of, geo, (low, high), district_of,
            {d for d, n in fitting.items() if n <= high and len(start_holders[d]) <= 1})

    pmo_list = [ProposedPmo(pmo_mentor[t.id], sorted(d for d, a in district_area.items() if a == t.id), t.name)
                for t in pmo_territories]
    index = {t.id: i for i, t in enumerate(pmo_territories)}
    ba_list = []
    for territory in sorted(mentor, key=lambda t: (t < 0, name[t] if t > 0 else -t)):
        members = sorted(v for v, t in owner.items() if t == territory)
        if territory < 0:
            districts = []
            for village in sorted(members, key=lambda v: villages[v].code):
                if start.districts[villages[village].district_id].name not in districts:
                    districts.append(start.districts[villages[village].district_id].name)
            name[territory] = f"{name[territory]} · {' – '.join(districts[:2])}"[:100]
        ba_list.append(ProposedBa(mentor[territory], index[area_of[territory]], members, name[territory]))
    proposal = Proposal(pmo=pmo_list, ba=ba_list, kept=True)
    # Within the target and every territory in one piece: a way that leaves one in pieces is not taken.
    proposal.fits = _fits(proposal, target) and all(
        len(components(ba.village_ids, geo.graph)) <= 1 for ba in proposal.ba)
    proposal.changed = changed_hands(start, proposal)
    return proposal


def _grow(owner: dict, loose: set, graph, size, allowed=lambda node, holder: True, group: dict | None = None,
          high: int | None = None) -> None:
    """Give each loose node, from the edges inwards, to the neighbouring holder with the smallest size; with
    `group` (a village's district), to a holder below `high` that already holds the node's group first, so that
    a district's loose villages stay together."""
    loose = set(loose)
    held = {(holder, group[node]) for node, holder in owner.items()} if group else set()
    while loose:
        offers = []
        for node in sorted(loose):
            for other in graph.get(node, ()):
                holder = owner.get(other)
                if holder is not None and allowed(node, holder):
                    amount = size(holder)
                    if group:
                        offers.append((high is not None and amount >= high, (holder, group[node]) not in held,
                                       amount, node, holder))
                    else:
                        offers.append((False, False, amount, node, holder))
        if not offers:
            return
        *_rank, node, holder = min(offers)
        owner[node] = holder
        loose.discard(node)
        if group:
            held.add((holder, group[node]))


def _keeps_connected(territory, village, owner, graph) -> bool:
    rest = {v for v, t in owner.items() if t == territory and v != village}
    return not rest or len(components(rest, graph)) == 1


def _carve(territory, wanted, owner, area_of, geo, low) -> None:
    """Build a new territory of `wanted` villages from the largest neighbouring territories of its area."""
    area = area_of[territory]
    sizes = Counter(t for t in owner.values() if area_of.get(t) == area)
    if not sizes:
        return
    largest = min(sizes, key=lambda t: (-sizes[t], t))
    members = [v for v, t in owner.items() if t == largest]
    cx = sum(geo.xy[v][0] for v in members) / len(members)
    cy = sum(geo.xy[v][1] for v in members) / len(members)
    border = [v for v in members if any(owner.get(o) != largest for o in geo.graph[v])] or members
    seed = max(border, key=lambda v: ((geo.xy[v][0] - cx) ** 2 + (geo.xy[v][1] - cy) ** 2, -v))
    if not _keeps_connected(largest, seed, owner, geo.graph):
        seed = next((v for v in sorted(border) if _keeps_connected(largest, v, owner, geo.graph)), seed)
    owner[seed] = territory
    sizes[largest] -= 1
    sizes[territory] = 1
    while sizes[territory] < wanted:
        mine = [v for v, t in owner.items() if t == territory]
        mx = sum(geo.xy[v][0] for v in mine) / len(mine)
        my = sum(geo.xy[v][1] for v in mine) / len(mine)
        offers = []
        for village in mine:
            for other in geo.graph[village]:
                donor = owner.get(other)
                if donor is not None and donor != territory and area_of.get(donor) == area and sizes[donor] > low:
                    distance = (geo.xy[other][0] - mx) ** 2 + (geo.xy[other][1] - my) ** 2
                    offers.append((-sizes[donor], distance, other, donor))
        for _s, _d, village, donor in sorted(set(offers)):
            if _keeps_connected(donor, village, owner, geo.graph):
                owner[village] = territory
                sizes[donor] -= 1
                sizes[territory] += 1
                break
        else:
            return


def _balance(owner, area_of, geo, target, rounds: int = 500) -> None:
    """Pass single villages between neighbouring territories of an area until each is within the target (or no
    move helps), largest excess first."""
    low, high = target
    for _round in range(rounds):
        sizes = Counter(owner.values())
        moves = []
        for village, territory in owner.items():
            for other in geo.graph[village]:
                receiver = owner.get(other)
                if receiver is None or receiver == territory or area_of[receiver] != area_of[territory]:
                    continue
                give, take = sizes[territory], sizes[receiver]
                excess = (max(0, give - high) if take < high else 0) + (max(0, low - take) if give > low else 0)
                if excess > 0 and give - 1 > take:
                    moves.append((-excess, take - give, village, receiver, territory))
        for _e, _gap, village, receiver, territory in sorted(set(moves)):
            if _keeps_connected(territory, village, owner, geo.graph):
                owner[village] = receiver
                break
        else:
            return


def _gather(owner, area_of, geo, target, district_of, whole: set) -> None:
    """Make whole again the districts of `whole` (those that fit one Business Assistant) that the changes cut:
    the smaller pieces join the territory holding the largest one, or the largest piece joins a smaller one,
    wherever both stay within the target and in one piece."""
    low, high = target
    members: dict[int, set[int]] = defaultdict(set)
    for village, territory in owner.items():
        members[territory].add(village)
    pieces: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for village, territory in owner.items():
        if district_of[village] in whole:
            pieces[district_of[village]][territory].add(village)

    def one_piece(villages):
        return len(villages) > 0 and len(components(villages, geo.graph)) == 1

    for district in sorted(pieces):
        holders = pieces[district]
        if len(holders) < 2 or len({area_of[t] for t in holders}) > 1:
            continue
        for keeper in sorted(holders, key=lambda t: (-len(holders[t]), t)):
            others = [t for t in holders if t != keeper]
            gained = sum(len(holders[t]) for t in others)
            if len(members[keeper]) + gained > high:
                continue
            if any(len(members[t]) - len(holders[t]) < low or not one_piece(members[t] - holders[t]) for t in others):
                continue
            if not one_piece(members[keeper] | {v for t in others for v in holders[t]}):
                continue
            for giver in others:
                for village in holders[giver]:
                    owner[village] = keeper
                members[giver] -= holders[giver]
                members[keeper] |= holders[giver]
            break


def _relieve(owner, area_of, geo, target, district_of, home=None, rounds: int = 400) -> None:
    """Bring territories outside the target within it along chains of neighbours of one area: a territory with
    too many villages passes one to a neighbour, which passes one on, until one with room takes it (and the
    other way for a territory with too few). Each pass keeps every territory in one piece and prefers a village
    whose district the receiver already holds. `home` maps villages to the territory that held them before.
    """
    for _round in range(rounds):
        if not _relieve_once(owner, area_of, geo, target, district_of, home or {}):
            return


def _relieve_once(owner, area_of, geo, target, district_of, home) -> bool:
    low, high = target
    members: dict[int, set[int]] = defaultdict(set)
    for village, territory in owner.items():
        members[territory].add(village)
    over = sorted((t for t in members if len(members[t]) > high), key=lambda t: (-len(members[t]), t))
    under = sorted((t for t in members if len(members[t]) < low), key=lambda t: (len(members[t]), t))
    if not over and not under:
        return False
    border: dict[tuple[int, int], set[int]] = defaultdict(set)
    for village, territory in owner.items():
        for other in geo.graph[village]:
            receiver = owner.get(other)
            if receiver is not None and receiver != territory and area_of[receiver] == area_of[territory]:
                border[territory, receiver].add(village)
    links: dict[int, set[int]] = defaultdict(set)
    back: dict[int, set[int]] = defaultdict(set)
    for giver, receiver in border:
        links[giver].add(receiver)
        back[receiver].add(giver)
    cache: dict[tuple[int, int], int | None] = {}

    def movable(giver, receiver):
        """A village `giver` can pass to `receiver` staying in one piece, or None."""
        if (giver, receiver) not in cache:
            rest = members[giver]
            held = {district_of[v] for v in members[receiver]}
            # Still the giver's and still touching the receiver: a chain changes both as it passes villages on.
            touching = [v for v in border[giver, receiver]
                        if v in rest and any(o in members[receiver] for o in geo.graph[v])]
            # Villages the giver did not hold before first (so that a territory in many chains does not drift), then
            # those whose district the receiver holds, then those of the districts the giver holds least of.
            choices = sorted(touching, key=lambda v: (
                district_of[v] not in held, home.get(v) == giver,
                sum(1 for m in rest if district_of[m] == district_of[v]), v))
            cache[giver, receiver] = next((v for v in choices if len(rest) > 1
                                           and len(components(rest - {v}, geo.graph)) == 1), None)
        return cache[giver, receiver]

    def chain_from(start, done, forward):
        previous, queue = {start: None}, deque([start])
        while queue:
            node = queue.popleft()
            if node != start and done(node):
                chain = [node]
                while previous[chain[-1]] is not None:
                    chain.append(previous[chain[-1]])
                return chain[::-1] if forward else chain
            for other in sorted(links[node] if forward else back[node]):
                step = (node, other) if forward else (other, node)
                if other not in previous and movable(*step) is not None:
                    previous[other] = node
                    queue.append(other)
        return None

    chain = next((c for t in over if (c := chain_from(t, lambda t: len(members[t]) < high, True))), None)
    if chain is None:
        chain = next((c for t in under if (c := chain_from(t, lambda t: len(members[t]) > low, False))), None)
    if chain is None:
        return False
    # From the end of the chain backwards, so that every territory gives before it takes. A chain cut short still
    # changed something (the next round starts from there); one that passed nothing ends the relief.
    passed = False
    for giver, receiver in reversed(list(zip(chain, chain[1:], strict=False))):
        cache.clear()
        village = movable(giver, receiver)
        if village is None:
            break
        owner[village] = receiver
        members[giver].discard(village)
        members[receiver].add(village)
        passed = True
    return passed


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
