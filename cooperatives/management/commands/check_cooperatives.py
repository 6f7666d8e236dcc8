"""Report the cooperatives whose record breaks a rule of the registry (`cooperatives/integrity.py`). Read only:
nothing is ever changed; an office fixes what it lists, in the portal or with a corrected sheet."""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cooperatives.integrity import (
    board_problems,
    cooperative_problems,
    financing_problems,
    land_problems,
    member_count_problems,
    record_warnings,
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
    UnitStatus,
    sk_ahu_normalize,
)
from regions.models import Regency


class Command(BaseCommand):
    help = ("List the cooperatives whose record breaks a rule (stage without SK AHU or notary deed, a malformed or "
            "shared SK AHU number, a stage without its land or units, fewer members than founders, financing over "
            "the caps or without its approval, two chairs at once, implausible land…), and, apart, the warnings "
            "(rules not confirmed: land below the minimum, without a clear title, disaster-prone or under SUTET "
            "lines; the KDMP board; financing without the Dana Desa / DAU / DBH support), listed unless "
            "--no-warnings. Changes nothing; --fail exits with status 1 on a problem, never on a warning.")

    def add_arguments(self, parser):
        parser.add_argument("regency", nargs="*", help="regency codes (default: all)")
        parser.add_argument("--fail", action="store_true", help="exit with status 1 when a problem is found")
        parser.add_argument("--no-warnings", action="store_false", dest="show_warnings",
                            help="count the warnings without listing them")
        parser.add_argument("--warnings", action="store_true", dest="show_warnings",
                            help="list the warnings (the default; kept for the scripts that pass it)")

    def handle(self, *args, regency, fail, show_warnings=True, **options):
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

        units: dict[int, set] = defaultdict(set)
        for cooperative_id, status in BusinessUnit.objects.filter(cooperative_id__in=records).values_list(
                "cooperative_id", "status"):
            units[cooperative_id].add(status)
        with_land = set(LandPlot.objects.filter(cooperative_id__in=records).values_list("cooperative_id", flat=True))
        numbers: dict[str, list[int]] = defaultdict(list)
        for pk, cooperative in records.items():
            report(pk, cooperative_problems(cooperative))
            report(pk, stage_problems(old_stage=None, new_stage=cooperative.stage, reason="",
                                      has_operating_unit=UnitStatus.OPERATING in units[pk],
                                      has_finished_unit=bool(units[pk] & {UnitStatus.BUILT, UnitStatus.OPERATING}),
                                      has_land=pk in with_land))
            if cooperative.legal_entity_number:
                numbers[sk_ahu_normalize(cooperative.legal_entity_number)].append(pk)
        for number, holders in numbers.items():
            if len(holders) > 1:  # the same number written differently
                for pk in holders:
                    problems[pk].append(f"legal_entity_number: {number} is also held by "
                                        + ", ".join(records[o].village.code for o in holders if o != pk))
        siblings = {model: defaultdict(list) for model in (BoardMember, FinancingProposal, LandPlot)}
        for model, rows in siblings.items():
            for part in model.objects.filter(cooperative_id__in=records).iterator(chunk_size=2000):
                rows[part.cooperative_id].append(part)
        for model, check, label in [(BusinessUnit, unit_problems, "unit"), (MemberCount, member_count_problems,
                                                                            "members")]:
            for part in model.objects.filter(cooperative_id__in=records).iterator(chunk_size=2000):
                report(part.cooperative_id, check(part), f"{label} #{part.pk} ")
        for pk, parts in siblings[BoardMember].items():
            for part in parts:
                report(pk, board_problems(part, others=[o for o in parts if o is not part]), f"board #{part.pk} ")
        for pk, parts in siblings[FinancingProposal].items():
            for part in parts:
                report(pk, financing_problems(part, others=[o for o in parts if o is not part],
                                              cooperative=records[pk]), f"financing #{part.pk} ")
        for pk, parts in siblings[LandPlot].items():
            for part in parts:
                report(pk, land_problems(part, village=records[pk].village), f"land #{part.pk} ")
        today = timezone.localdate()
        warnings = {}
        for pk, cooperative in records.items():
            found = record_warnings(cooperative, board=siblings[BoardMember].get(pk, []),
                                    land=siblings[LandPlot].get(pk, []),
                                    financing=siblings[FinancingProposal].get(pk, []), day=today)
            if found:
                warnings[pk] = found

        for pk in sorted(problems, key=lambda p: records[p].village.code):
            cooperative = records[pk]
            self.stdout.write(f"{cooperative.village.code} {cooperative.name}")
            for problem in problems[pk]:
                self.stdout.write(f"  - {problem}")
        if warnings and show_warnings:
            self.stdout.write("Warnings (rules not confirmed; not problems):")
            for pk in sorted(warnings, key=lambda p: records[p].village.code):
                self.stdout.write(f"{records[pk].village.code} {records[pk].name}")
                for warning in warnings[pk]:
                    self.stdout.write(f"  ~ {warning}")
        self.stdout.write(f"{len(records)} cooperatives checked, {len(problems)} with problems "
                          f"({sum(len(p) for p in problems.values())} in all), {len(warnings)} with warnings; "
                          "nothing was changed.")
        if fail and problems:
            raise CommandError("problems found")
