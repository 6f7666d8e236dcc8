"""`manage.py refresh_figures`: recompute the pre-aggregated figures of every regency (or of some) now. The
worker does it on its schedule (`reporting.tasks.figures_refresh`); this is for a catch-up or a benchmark."""

import time

from django.core.management.base import BaseCommand

from reporting.figures import figures_refresh


class Command(BaseCommand):
    help = "Recompute the figures of every regency (or of the given regency codes) for the home pages."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="REGENCY_CODE")

    def handle(self, *args, codes, **options):
        from regions.models import Regency

        started = time.perf_counter()
        ids = list(Regency.objects.filter(code__in=codes).values_list("pk", flat=True)) if codes else None
        count = figures_refresh(regency_ids=ids)
        self.stdout.write(f"Refreshed the figures of {count} regencies in {time.perf_counter() - started:.2f} s.")
