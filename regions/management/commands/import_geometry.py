import gzip
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regions.services import RegionImportError, geometry_import


class Command(BaseCommand):
    help = (
        "Import district and village coordinates and boundaries from a GeoJSON FeatureCollection whose "
        "features carry the Kemendagri code in the 'code' property (and optionally 'lat'/'lng'); "
        "a file ending in .gz is read compressed."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--no-boundaries", action="store_true", help="only set coordinates")

    def handle(self, *args, files, no_boundaries, **options):
        for name in files:
            path = Path(name)
            try:
                raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
                collection = json.loads(raw.decode("utf-8"))
            except (OSError, EOFError) as error:
                raise CommandError(f"Berkas tidak dapat dibaca / cannot read the file: {path}: {error}") from error
            except (ValueError, UnicodeDecodeError) as error:
                raise CommandError(f"Berkas bukan JSON yang sah / not valid JSON: {path}: {error}") from error
            try:
                report = geometry_import(collection=collection, boundaries=not no_boundaries)
            except RegionImportError as error:
                raise CommandError(f"{path}: {error}") from error
            self.stdout.write(
                f"{path.name}: {report.districts} districts, {report.villages} villages located, "
                f"{report.boundaries} boundaries stored."
            )
            if report.skipped:
                self.stderr.write(f"  {len(report.skipped)} features without a code: {', '.join(report.skipped[:20])}")
            if report.unknown_codes:
                self.stderr.write(
                    f"  {len(report.unknown_codes)} unknown codes (import their regency first with import_regions): "
                    + ", ".join(report.unknown_codes[:50])
                    + (" …" if len(report.unknown_codes) > 50 else "")
                )
