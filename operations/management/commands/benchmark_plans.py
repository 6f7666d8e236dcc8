"""Time the territory-plan operations on a real regency, inside a transaction that is rolled back."""

import math
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from mentors.models import Mentor
from regions.models import Regency
from territories import coverage, publishing, selectors, services
from territories.models import TerritoryPlan
from territories.planning import changed_hands, diff


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = ("Time clone, validate, diff, propose, publish, a re-proposal without one BA and one without --leavers BAs "
            "of each PMO area (kept and afresh) for a regency (default 32.02; --largest for the regency with the "
            "most villages). Creates fictional mentors and plans, then rolls everything back.")

    def add_arguments(self, parser):
        parser.add_argument("regency", nargs="?", default="32.02")
        parser.add_argument("--largest", action="store_true")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--leavers", type=int, default=9, help="BAs leaving one PMO area at once (default 9)")

    def handle(self, *args, regency, largest, repeat, leavers, **options):
        self.leavers = leavers
        regencies = Regency.objects.annotate(villages=Count("districts__villages"))
        chosen = regencies.order_by("-villages", "code").first() if largest else regencies.filter(code=regency).first()
        if chosen is None or not chosen.villages:
            raise CommandError("Import the regency first (import_regions).")
        self.stdout.write(f"{chosen.code} {chosen.name}: {chosen.villages} villages, "
                          f"{chosen.districts.count()} districts; best of {repeat} runs")
        timings: dict[str, list[float]] = {}
        try:
            with transaction.atomic():
                for _ in range(repeat):
                    with transaction.atomic():
                        self._run(chosen, timings)
                        transaction.set_rollback(True)
                raise Rollback
        except Rollback:
            pass
        for name, values in timings.items():
            self.stdout.write(f"  {name:<10} {min(values) * 1000:8.1f} ms")
        held, moves = self.moved
        self.stdout.write(f"  one BA removed and re-proposed: {moves} villages change hands "
                          f"(the BA held {held}, so {moves - held} others moved)")
        for area, (held, kept, fresh) in self.clustered.items():
            self.stdout.write(
                f"  {self.leavers} BAs of {area} removed (they held {held} villages): kept split {kept[0]} villages "
                f"change hands, {kept[1]}–{kept[2]} per BA, {kept[3]} BAs moved to another PMO area, {kept[4]} "
                f"districts across the PMO border, publishable {kept[5]}; fresh split {fresh[0]} change hands, "
                f"{fresh[1]}–{fresh[2]} per BA, publishable {fresh[5]}")

    def _run(self, regency, timings):
        def timed(name, action):
            started = time.perf_counter()
            result = action()
            timings.setdefault(name, []).append(time.perf_counter() - started)
            return result

        ba_count = max(2, math.ceil(regency.villages / 10))
        pmos = [Mentor.objects.create(regency=regency, role="pmo", full_name=f"Bench PMO {i}") for i in (1, 2)]
        bas = Mentor.objects.bulk_create(
            [Mentor(regency=regency, role="ba", full_name=f"Bench BA {i:03d}") for i in range(ba_count)]
        )
        first = services.plan_create(actor=None, regency=regency, name="Bench 1", clone=False)
        timed("propose", lambda: services.plan_propose(actor=None, plan=first, version=first.version,
                                                       ba_mentors=bas, pmo_mentors=pmos))
        active = coverage.active_plan(regency)
        # A plan takes effect on the day it is published, after the plan in force.
        effective = timezone.localdate()
        if active is not None and active.effective_from >= effective:
            TerritoryPlan.objects.filter(pk=active.pk).update(effective_from=effective - timedelta(days=1))
        timed("publish", lambda: publishing.plan_publish(actor=None, plan=first, version=first.version,
                                                         effective_from=effective,
                                                         reviewed_active_id=active.pk if active else None))
        clone = timed("clone", lambda: services.plan_create(actor=None, regency=regency, name="Bench 2"))
        timed("validate", lambda: selectors.plan_validation(clone, selectors.plan_snapshot(clone)))
        timed("diff", lambda: diff(selectors.plan_snapshot(first), selectors.plan_snapshot(clone)))
        # Re-proposing without one BA: the split in force changed as little as possible.
        removed = min(selectors.plan_snapshot(first).ba.values(), key=lambda t: (t.name, t.id))
        kept = [ba for ba in bas if ba.pk != removed.mentor_id]
        timed("repropose", lambda: services.plan_propose(actor=None, plan=clone, version=clone.version,
                                                         ba_mentors=kept, pmo_mentors=pmos))
        moves = len(diff(selectors.plan_snapshot(first), selectors.plan_snapshot(clone)).moves)
        self.moved = (len(removed.members), moves)
        # Leavers clustered in one PMO area: the split kept (BAs or districts moving between areas) and afresh.
        start = selectors.plan_snapshot(first)
        self.clustered = {}
        for area in sorted(start.pmo.values(), key=lambda t: t.name):
            leaving = {t.mentor_id for t in sorted((t for t in start.ba.values() if t.pmo_id == area.id),
                                                   key=lambda t: t.name)[:self.leavers]}
            staying = [ba for ba in bas if ba.pk not in leaving]
            draft = services.plan_create(actor=None, regency=regency, name=f"Bench {area.name}")
            found = {}
            for mode, keep in (("kept", True), ("fresh", False)):
                proposal, pmo_rows, ba_rows = timed(
                    f"{mode}-{area.name.replace(' ', '')}",
                    lambda keep=keep, draft=draft, staying=staying: services.proposal_for(
                        draft, ba_mentors=staying, pmo_mentors=pmos, keep=keep))
                sizes = sorted(len(ba.village_ids) for ba in proposal.ba)
                snapshot = selectors.rows_snapshot(selectors.regency_places(regency),
                                                   selectors.mentor_infos(regency), pmo_rows, ba_rows)
                publishable = selectors.plan_validation(draft, snapshot).ok
                found[mode] = (changed_hands(start, proposal), sizes[0], sizes[-1], len(proposal.bas_moved),
                               len(proposal.districts_moved), publishable)
            held = sum(len(t.members) for t in start.ba.values() if t.mentor_id in leaving)
            self.clustered[area.name] = (held, found["kept"], found["fresh"])
