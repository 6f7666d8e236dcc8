"""`manage.py benchmark_api`: time the read API's lists, a page of 100 rows at a time, as the national operator.

Runs in-process with Django's test client on whatever data is loaded (`seed_scale` makes it), inside one
transaction that is rolled back: the operator and the token it issues leave nothing. Prints, per list, the time of
each page (p50, p95, max; and the p95 of this process's CPU time, which a loaded machine inflates less) while
following the cursor through up to `--pages` pages, and the queries per page.
"""

import statistics
import time
from datetime import timedelta

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from api.services import token_issue
from mentors.models import User

LISTS = ["/api/v1/villages", "/api/v1/cooperatives", "/api/v1/visits", "/api/v1/follow-ups", "/api/v1/mentors",
         "/api/v1/coverage", "/api/v1/figures/monthly"]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) >= 2 else values[0]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the read API's lists (pages of 100) on the loaded data, as the national operator."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=30, help="pages to follow per list (default 30)")
        parser.add_argument("--repeat", type=int, default=1, help="follow each list this many times (default 1)")
        parser.add_argument("--limit", type=int, default=100, help="rows per page (default 100, the most)")

    def handle(self, *args, pages, limit, repeat, **options):
        try:
            with transaction.atomic(), override_settings(API_RATE_LIMIT=10**9, ALLOWED_HOSTS=["testserver"]):
                self.run(pages, limit, repeat)
                raise Rollback
        except Rollback:
            pass

    def run(self, pages: int, limit: int, repeat: int):
        operator = User.objects.create_superuser(email="benchmark-api@example.invalid", password=None)
        _token, secret = token_issue(actor=operator, name="benchmark", expires_on=timezone.localdate())
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        client.get("/api/v1/provinces")  # the token's first use (its last-use write) is not measured
        since = (timezone.now() - timedelta(days=7)).isoformat()
        self.stdout.write(f"{'list':<44} {'pages':>5} {'rows':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
                          f"{'p95 cpu ms':>11} queries")
        for path, params in [*[(p, {}) for p in LISTS], ("/api/v1/cooperatives", {"updated_since": since}),
                             ("/api/v1/visits", {"updated_since": since})]:
            times, cpu_times, counts, rows = [], [], set(), 0
            for _round in range(repeat):
                rows = self.follow(client, path, params, limit, pages, times, cpu_times, counts)
            label = path + ("?updated_since=7 days" if params else "")
            self.stdout.write(f"{label:<44} {len(times):>5} {rows:>6} {statistics.median(times):>7.1f} "
                              f"{_p95(times):>7.1f} {max(times):>7.1f} {_p95(cpu_times):>11.1f} "
                              f"{'/'.join(map(str, sorted(counts)))}")

    @staticmethod
    def follow(client, path, params, limit, pages, times, cpu_times, counts) -> int:
        """Follow the list's cursor for up to `pages` pages, noting each page's time and queries; the rows read."""
        rows, cursor = 0, None
        for _page in range(pages):
            cache.clear()
            query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
            with CaptureQueriesContext(connection) as run:
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(path, query)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{path}: {response.status_code} {response.content[:200]!r}")
            body = response.json()
            rows += len(body["items"])
            counts.add(len(run.captured_queries))
            cursor = body["next_cursor"]
            if not cursor:
                break
        return rows
