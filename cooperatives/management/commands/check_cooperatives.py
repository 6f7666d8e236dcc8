"""Report the cooperatives whose record breaks a rule of the registry (`cooperatives/integrity.py`). Read only:
nothing is ever changed; an office fixes what it lists, in the portal or with a corrected sheet."""

from collections import defaultdict

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cooperatives.integrity import (
    board_problems,
    cooperative_problems,
    financing_problems,
    member_count_problems,
    stage_problems,
    unit_problems,
)
from cooperatives.models import (
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    LandPlot,
    MemberCount,
    Stage,
    UnitStatus,
    sk_ahu_normalize,
)
from regions.models import Regency


class Command(BaseCommand):
    help = ("List the cooperatives whose record breaks a rule (stage without SK AHU, a malformed or shared SK AHU "
            "number, “operating” without an operating unit, dates in the future, implausible counts, land below "
            "the minimum…). Changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("regency", nargs="*", help="regency codes (default: all)")
        parser.add_argument("--fail", action="store_true", help="exit with status 1 when a problem is found")

    def handle(self, *args, regency, fail, **options):
        cooperatives = Cooperative.objects.select_related("village").order_by("village__code")
        if regency:
            known = set(Regency.objects.filter(code__in=regency).values_list("code", flat=True))
            if unknown := sorted(set(regency) - known):
                raise CommandError(f"Kabupaten/kota tidak dikenal / unknown regency: {', '.join(unknown)}")
            cooperatives = cooperatives.filter(village__district__regency__code__in=regency)
        problems: dict[int, list[str]] = defaultdict(list)
        records = {c.pk: c for c in cooperatives.iterator(chunk_size=2000)}

        def report(cooperative_id, errors, what=""):
            for field, messages in errors.items():
                for message in messages:
                    problems[cooperative_id].append(f"{what}{field}: {message}")

        operating = set(BusinessUnit.objects.filter(cooperative_id__in=records, status=UnitStatus.OPERATING)
                        .values_list("cooperative_id", flat=True))
        numbers: dict[str, list[int]] = defaultdict(list)
        for pk, cooperative in records.items():
            report(pk, cooperative_problems(cooperative))
            if cooperative.stage == Stage.OPERATING:
                report(pk, stage_problems(old_stage=None, new_stage=Stage.OPERATING, reason="",
                                          has_operating_unit=pk in operating))
            if cooperative.legal_entity_number:
                numbers[sk_ahu_normalize(cooperative.legal_entity_number)].append(pk)
        for number, holders in numbers.items():
            if len(holders) > 1:  # the same number written differently
                for pk in holders:
                    problems[pk].append(f"legal_entity_number: {number} is also held by "
                                        + ", ".join(records[o].village.code for o in holders if o != pk))
        parts = [(BusinessUnit, unit_problems, "unit"), (BoardMember, board_problems, "board"),
                 (MemberCount, member_count_problems, "members"), (FinancingProposal, financing_problems, "financing")]
        for model, check, label in parts:
            for part in model.objects.filter(cooperative_id__in=records).iterator(chunk_size=2000):
                report(part.cooperative_id, check(part), f"{label} #{part.pk} ")
        for plot in LandPlot.objects.filter(cooperative_id__in=records, area_m2__lt=settings.LAND_MIN_AREA_M2):
            problems[plot.cooperative_id].append(
                f"land #{plot.pk}: {plot.area_m2} m² is below the {settings.LAND_MIN_AREA_M2} m² minimum")

        for pk in sorted(problems, key=lambda p: records[p].village.code):
            cooperative = records[pk]
            self.stdout.write(f"{cooperative.village.code} {cooperative.name}")
            for problem in problems[pk]:
                self.stdout.write(f"  - {problem}")
        self.stdout.write(f"{len(records)} cooperatives checked, {len(problems)} with problems "
                          f"({sum(len(p) for p in problems.values())} in all); nothing was changed.")
        if fail and problems:
            raise CommandError("problems found")
