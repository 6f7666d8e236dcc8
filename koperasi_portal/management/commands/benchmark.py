"""`manage.py benchmark`: time every page of the portal as the role that uses it, and the heavy operations.

Runs in-process with Django's test client on whatever data is loaded (`seed_scale` makes a national data set),
inside one transaction that is rolled back: sessions, the draft plan and the timed operations leave nothing.
Budgets are printed, not asserted; a page answering an unexpected status makes the command fail.
"""

import math
import re
import statistics
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from cooperatives import services as registry
from cooperatives.models import Cooperative, MonthlyReport, Visit
from cooperatives.reporting import reviewer_of
from cooperatives.selectors import locked_visits, month_start
from mentors.models import Membership, Mentor, User
from regions.models import District, Regency, Village
from territories import publishing
from territories import selectors as plan_selectors
from territories import services as plans
from territories.models import BaTerritory, BaVillage, PmoTerritory, TerritoryPlan
from territories.planning import diff

REGENCY_BUDGET = (150.0, 15)  # p95 ms, queries
NATIONAL_BUDGET = (400.0, None)
IMPORT_ROWS = 10_000  # rows of the generated cooperative sheet (--import-rows)
LITERALS = re.compile(r"'[^']*'|\b\d+\b")  # a statement's shape: the same query with other values


class Rollback(Exception):
    pass


@dataclass
class Page:
    scope: str  # "regency" or "national"
    role: str
    name: str
    url: str
    max_repeat: int | None = None
    queries: int | None = None  # a page's own query budget where it reads more kinds of figures than a list
    uncached: bool = False  # empty the cache before every request: what the first visit of a minute costs


@dataclass
class Result:
    page: Page
    status: int
    queries: int = 0
    median: float = 0.0
    p95: float = 0.0
    size_kb: float = 0.0
    runs: int = 0
    slowest_sql: tuple[float, str] = (0.0, "")
    repeated: tuple[int, str] = (0, "")
    statements: list[dict] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def budget(self) -> tuple[float, int | None]:
        limit_ms, limit_queries = REGENCY_BUDGET if self.page.scope == "regency" else NATIONAL_BUDGET
        return limit_ms, self.page.queries or limit_queries

    @property
    def verdict(self) -> str:
        if self.status != 200:
            return "FAIL status"
        limit_ms, limit_queries = self.budget
        over = []
        if self.p95 > limit_ms:
            over.append("time")
        if limit_queries is not None and self.queries > limit_queries:
            over.append("queries")
        return "OVER " + "+".join(over) if over else "ok"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def short_sql(sql: str, limit: int = 400) -> str:
    """A statement without its column list, which is long and says little."""
    sql = " ".join(sql.split())
    depth = 0
    for index, char in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and sql.startswith(" FROM ", index):
            sql = "SELECT … " + sql[index + 1:] if sql.startswith("SELECT ") else sql
            break
    return sql if len(sql) <= limit else sql[:limit] + " …"


def body_size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def pick_regency(code) -> Regency:
    """The regency to measure: the given code, else the largest with a plan in force."""
    regencies = Regency.objects.annotate(villages=models.Count("districts__villages"))
    if code:
        regency = regencies.filter(code=code).first()
        if regency is None:
            raise CommandError(f"Unknown regency {code}.")
        return regency
    with_plan = regencies.filter(plans__status=TerritoryPlan.Status.ACTIVE)
    regency = (with_plan.order_by("-villages", "code").first()
               or regencies.order_by("-villages", "code").first())
    if regency is None:
        raise CommandError("No regions loaded: run seed_scale first.")
    return regency

def pick_personas(regency, plan) -> dict:
    """One user per role of the regency: its admin and staff, a PMO and one of their BAs with accounts."""
    def member(role):
        link = (Membership.objects.filter(regency=regency, role=role, user__is_active=True)
                .select_related("user").order_by("user__email").first())
        return link.user if link else None

    people = {
        "superuser": User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first(),
        "admin": member(Membership.Role.ADMIN), "staff": member(Membership.Role.STAFF),
        "pmo": None, "ba": None, "pmo_mentor": None, "ba_mentor": None,
    }
    if plan is None:
        return people
    with_account = {"mentor__is_active": True, "mentor__user__isnull": False, "mentor__user__is_active": True}
    pmo = PmoTerritory.objects.filter(plan=plan, **with_account).select_related("mentor__user").order_by(
        "name", "pk").first()
    bas = BaTerritory.objects.filter(plan=plan, **with_account).select_related("mentor__user").order_by(
        "name", "pk")
    ba = (bas.filter(pmo_territory=pmo).first() if pmo else None) or bas.first()
    if pmo:
        people["pmo"], people["pmo_mentor"] = pmo.mentor.user, pmo.mentor
    if ba:
        people["ba"], people["ba_mentor"], people["ba_territory"] = ba.mentor.user, ba.mentor, ba
    return people


class Command(BaseCommand):
    help = (
        "Request every page of the portal as the role that uses it (superuser, admin, staff, PMO, BA) with the "
        "test client and print, per page, the status, queries, median and p95 time over --repeat requests, the "
        "response size and the budget (regency pages: p95 <= 150 ms and <= 15 queries; national pages of a "
        "superuser: p95 <= 400 ms). Then time the heavy operations (plan clone, propose, validate, diff, publish, "
        "and a 10,000-row cooperative import dry run). Personas and objects come from --regency (default: the "
        "regency with a plan in force that has the most villages). Everything runs in a transaction that is "
        "rolled back. Exits non-zero when a page answers an unexpected status."
    )

    def add_arguments(self, parser):
        parser.add_argument("--regency", metavar="CODE", help="regency code, e.g. 32.02")
        parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
        parser.add_argument("--ops-repeat", type=int, default=3, help="runs per heavy operation (default 3)")
        parser.add_argument("--skip-operations", action="store_true", help="time the pages only")
        parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS,
                            help=f"rows of the cooperative import dry run (default {IMPORT_ROWS:,})")
        parser.add_argument("--only", metavar="TEXT", help="only the pages whose name or URL contains TEXT")
        parser.add_argument("--sql-log", metavar="PATH", help="write every statement of the pages over budget here")

    def handle(self, *args, regency, repeat, ops_repeat, skip_operations, only, sql_log, import_rows, **options):
        if repeat < 1 or ops_repeat < 1 or import_rows < 1:
            raise CommandError("--repeat, --ops-repeat and --import-rows must be at least 1.")
        self.repeat, self.only, self.import_rows = repeat, only, import_rows
        overrides = {"ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        overrides |= self._static_override()
        with override_settings(**overrides):
            try:
                with transaction.atomic():
                    results = self._run(regency, ops_repeat, skip_operations)
                    raise Rollback
            except Rollback:
                pass
        failed = [r for r in results if r.status != 200]
        over = [r for r in results if r.verdict.startswith("OVER")]
        self.stdout.write("")
        self.stdout.write(f"{len(results)} pages: {len(results) - len(failed) - len(over)} within budget, "
                          f"{len(over)} over budget, {len(failed)} failed.")
        for result in over:
            seconds, sql = result.slowest_sql
            self.stdout.write(f"  over budget: {result.page.role} {result.page.url} ({result.verdict}; "
                              f"{result.queries} queries, p95 {result.p95:.0f} ms)")
            self.stdout.write(f"      slowest statement ({seconds * 1000:.0f} ms): {short_sql(sql)}")
            if result.repeated[0] > 1:
                self.stdout.write(f"      most repeated statement ({result.repeated[0]}x): "
                                  f"{short_sql(result.repeated[1])}")
        if sql_log:
            with open(sql_log, "w") as log:
                for result in over:
                    log.write(f"== {result.page.role} {result.page.url} ({result.verdict}, p95 {result.p95:.0f} ms)\n")
                    for query in result.statements:
                        log.write(f"-- {float(query['time'] or 0) * 1000:.1f} ms\n{query['sql']};\n")
                    log.write("\n")
            self.stdout.write(f"Statements of the pages over budget written to {sql_log}.")
        if failed:
            for result in failed:
                self.stderr.write(f"  FAILED: {result.page.role} {result.page.url} answered {result.status}"
                                  + (f": {result.error}" if result.error else ""))
            raise CommandError(f"{len(failed)} page(s) answered an unexpected status.")

    def _static_override(self) -> dict:
        """With DEBUG off the manifest storage needs `collectstatic`; without its manifest every page would fail."""
        from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

        backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
        manifest = issubclass(backend, ManifestFilesMixin)
        if manifest and not staticfiles_storage.exists(staticfiles_storage.manifest_name):
            self.stdout.write("note: no staticfiles manifest (run collectstatic); using plain static files.")
            return {"STORAGES": {**settings.STORAGES, "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}
        return {}

    # --- setup ----------------------------------------------------------------------------------------

    def _run(self, code, ops_repeat, skip_operations) -> list[Result]:
        regency = self._regency(code)
        plan = TerritoryPlan.objects.filter(regency=regency, status=TerritoryPlan.Status.ACTIVE).first()
        people = self._personas(regency, plan)
        objects = self._objects(regency, plan, people)
        self._describe(regency, people)
        results = self._pages(self._page_list(regency, plan, people, objects), people)
        if not skip_operations:
            self._operations(regency, plan, people, ops_repeat)
        return results

    def _regency(self, code) -> Regency:
        return pick_regency(code)

    def _personas(self, regency, plan) -> dict:
        return pick_personas(regency, plan)

    def _objects(self, regency, plan, people) -> dict:
        territory = people.get("ba_territory")
        villages = Village.objects.filter(district__regency=regency)
        if territory is not None:
            villages = villages.filter(ba_links__ba_territory=territory)
        village = villages.select_related("district").order_by("code").first()
        cooperative = Cooperative.objects.filter(village=village).first() if village else None
        # A visit that can still be corrected: not in a month whose report is submitted (those redirect).
        visits = list(Visit.objects.filter(cooperative=cooperative).order_by("-date", "-pk")[:50]) if cooperative \
            else []
        locked = locked_visits(visits)
        visit = next((v for v in visits if v.pk not in locked), None)
        month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
        return {"village": village, "district": village.district if village else
                District.objects.filter(regency=regency).order_by("code").first(),
                "cooperative": cooperative, "visit": visit, "month": month,
                "draft": self._draft(regency, plan, people)}

    def _draft(self, regency, plan, people):
        """A draft cloned from the plan in force with a few villages moved, for the editor and diff pages."""
        admin = people["admin"] or people["superuser"]
        if plan is None or admin is None:
            return None
        draft = plans.plan_create(actor=admin, regency=regency, name="Benchmark draft (rolled back)")
        territories = list(BaTerritory.objects.filter(plan=draft).order_by("name", "pk")[:4])
        if len(territories) == 4:
            moved = list(BaVillage.objects.filter(ba_territory__in=territories[:3]).values_list("village_id",
                                                                                              flat=True))
            plans.villages_move(actor=admin, plan=draft, version=draft.version, village_ids=moved,
                                to=territories[3])
        return draft

    def _describe(self, regency, people):
        count = {
            "villages": Village.objects.count(), "cooperatives": Cooperative.objects.count(),
            "mentors": Mentor.objects.count(), "visits": Visit.objects.count(),
            "reports": MonthlyReport.objects.count(),
        }
        self.stdout.write("Data: " + ", ".join(f"{n:,} {name}" for name, n in count.items()))
        self.stdout.write(f"Regency {regency.code} {regency.name}: {regency.villages:,} villages")
        for role in ("superuser", "admin", "staff", "pmo", "ba"):
            user = people.get(role)
            self.stdout.write(f"  {role:<9} {user.email if user else '(none: its pages are skipped)'}")
        mode = "on" if settings.DEBUG else "off"
        self.stdout.write(f"DEBUG {mode}, database {connection.vendor}, {self.repeat} timed requests per page "
                          "after one warm-up request (which gives the query count).")
        if self.repeat < 20:
            self.stdout.write("note: fewer than 20 requests per page: the figures are indicative only.")

    def _page_list(self, regency, plan, people, objects) -> list[Page]:
        R, N = "regency", "national"
        pages = [
            Page(N, "superuser", "home", "/"),
            Page(R, "admin", "home", "/"),
            Page(R, "staff", "home", "/"),
            Page(R, "pmo", "home", "/"),
            Page(R, "ba", "home", "/"),
            # Dashboards: the office's from the pre-aggregated figures; a mentor's computed over their own rows,
            # about 25 small statements (each kind of figure is one GROUP BY over the mentor's ids).
            Page(N, "superuser", "dashboard (national)", "/dashboard/"),
            Page(N, "superuser", "dashboard (province)", f"/dashboard/?province={regency.province.code}"),
            Page(R, "admin", "dashboard (regency)", "/dashboard/", queries=20),
            Page(R, "pmo", "dashboard (PMO)", "/dashboard/", queries=30),
            Page(R, "pmo", "dashboard (PMO, computed)", "/dashboard/", queries=30, uncached=True),
            Page(R, "ba", "dashboard (BA)", "/dashboard/", queries=30),
            Page(R, "ba", "dashboard (BA, computed)", "/dashboard/", queries=30, uncached=True),
            Page(R, "staff", "dashboard export (districts)", "/dashboard/breakdown.xlsx", queries=20),
            Page(R, "admin", "dashboard export (recency)", "/dashboard/recency.xlsx", queries=20),
            Page(R, "pmo", "dashboard export (team)", "/dashboard/team.xlsx", queries=30),
            Page(N, "superuser", "map (choose a regency)", "/map/"),
            Page(R, "admin", "map", "/map/"),
            Page(R, "admin", "map data (regency)", f"/map/data/?regency={regency.code}"),
            Page(R, "pmo", "map data (PMO)", "/map/data/"),
            Page(R, "ba", "map data (BA)", "/map/data/"),
            Page(R, "admin", "regency list", "/regions/"),
            Page(N, "superuser", "regency list", "/regions/"),
            Page(R, "admin", "regency", f"/regions/{regency.code}/"),
        ]
        if objects["district"]:
            pages.append(Page(R, "admin", "district", f"/regions/{objects['district'].code}/"))
        if objects["village"]:
            pages.append(Page(R, "admin", "village", f"/regions/{objects['village'].code}/"))
        pages += [
            Page(R, "admin", "mentor roster", "/mentors/"),
            Page(R, "pmo", "mentor roster", "/mentors/"),
            Page(N, "superuser", "mentor roster", "/mentors/"),
            Page(R, "staff", "mentor export", "/mentors/export.xlsx"),
            # Someone who sees the whole country exports one regency at a time (without one: a message, 302).
            Page(N, "superuser", "mentor export (a regency)", f"/mentors/export.xlsx?regency={regency.pk}"),
            Page(R, "admin", "mentor form (new)", "/mentors/new/"),
            Page(R, "admin", "mentor import form", "/mentors/import/"),
        ]
        ba = people.get("ba_mentor")
        if ba:
            pages += [Page(R, "admin", "mentor detail", f"/mentors/{ba.pk}/"),
                      Page(R, "admin", "mentor form (edit)", f"/mentors/{ba.pk}/edit/")]
        pages += [
            Page(R, "admin", "plan list", "/plans/"),
            Page(N, "superuser", "plan list", "/plans/"),
            Page(R, "admin", "plan form (new)", "/plans/new/"),
        ]
        if plan:
            pages += [
                Page(R, "admin", "plan detail (in force)", f"/plans/{plan.pk}/"),
                Page(R, "staff", "plan detail (in force)", f"/plans/{plan.pk}/"),
                Page(R, "admin", "plan diff (in force)", f"/plans/{plan.pk}/diff/"),
                Page(R, "admin", "plan annex", f"/plans/{plan.pk}/annex/"),
                Page(R, "admin", "plan export", f"/plans/{plan.pk}/export.xlsx"),
            ]
        draft = objects["draft"]
        if draft:
            pages += [
                Page(R, "admin", "plan editor (draft)", f"/plans/{draft.pk}/"),
                Page(R, "admin", "plan diff (draft)", f"/plans/{draft.pk}/diff/"),
                Page(R, "admin", "plan propose form", f"/plans/{draft.pk}/propose/"),
                Page(R, "admin", "plan publish form", f"/plans/{draft.pk}/publish/"),
                Page(R, "admin", "plan import form", f"/plans/{draft.pk}/import/"),
            ]
        pages += [
            Page(R, "admin", "registry (office)", "/cooperatives/"),
            Page(R, "pmo", "registry (PMO)", "/cooperatives/"),
            Page(R, "ba", "registry (BA)", "/cooperatives/"),
            Page(N, "superuser", "registry (national)", "/cooperatives/"),
            Page(N, "superuser", "registry search (national)", "/cooperatives/?q=Sukamaju"),
        ]
        if ba:
            pages.append(Page(R, "admin", "registry by BA (office)", f"/cooperatives/?ba={ba.pk}"))
        pages += [
            Page(R, "staff", "registry export", "/cooperatives/export.xlsx"),
            Page(N, "superuser", "registry export (a regency)", f"/cooperatives/export.xlsx?regency={regency.pk}"),
            Page(R, "admin", "cooperative import form", "/cooperatives/import/"),
        ]
        cooperative = objects["cooperative"]
        if cooperative:
            pages += [
                # The record's parts (readiness, units, land, board, members, financing) and the visits' files.
                Page(R, "admin", "cooperative detail", f"/cooperatives/{cooperative.pk}/", queries=25),
                Page(R, "ba", "cooperative detail", f"/cooperatives/{cooperative.pk}/", queries=25),
                Page(R, "admin", "cooperative form (edit)", f"/cooperatives/{cooperative.pk}/edit/"),
                Page(R, "ba", "visit form (cooperative)", f"/cooperatives/{cooperative.pk}/visits/new/"),
            ]
        pages.append(Page(R, "ba", "visit form (choose)", "/visits/new/"))
        if objects["visit"]:
            pages.append(Page(R, "admin", "visit form (edit)", f"/visits/{objects['visit'].pk}/edit/"))
        pages += [
            Page(R, "ba", "follow-ups", "/follow-ups/"),
            Page(R, "pmo", "follow-ups", "/follow-ups/"),
            Page(R, "admin", "report list (office)", "/reports/"),
            Page(R, "pmo", "report list (PMO)", "/reports/"),
            Page(R, "ba", "report list (BA)", "/reports/"),
            Page(N, "superuser", "report list (national)", "/reports/"),
        ]
        if ba:
            month = f"{objects['month']:%Y-%m}"
            pages += [
                Page(R, "pmo", "report detail", f"/reports/{ba.pk}/{month}/", queries=25),
                Page(R, "admin", "report detail", f"/reports/{ba.pk}/{month}/", queries=25),
                Page(R, "admin", "report print", f"/reports/{ba.pk}/{month}/print/", queries=25),
            ]
            if reviewer_of(ba, objects["month"]) == people.get("pmo_mentor"):
                # The PMO's own report, compiled from their BAs' reports of the month.
                pages.append(Page(R, "pmo", "PMO report", f"/reports/{people['pmo_mentor'].pk}/{month}/",
                                  queries=25))
        pages += [
            Page(R, "admin", "month-end recap", "/reports/recap/", queries=40),
            Page(R, "admin", "month-end recap (uncached)", "/reports/recap/", queries=40, uncached=True),
            Page(N, "superuser", "month-end recap (national)", "/reports/recap/", queries=40),
        ]
        if cooperative:
            pages.append(Page(R, "ba", "cooperative part (land)", f"/cooperatives/{cooperative.pk}/land/",
                              queries=25))
        return pages

    # --- pages ----------------------------------------------------------------------------------------

    def _pages(self, pages: list[Page], people) -> list[Result]:
        clients = {}
        for role in ("superuser", "admin", "staff", "pmo", "ba"):
            if people.get(role) is not None:
                clients[role] = Client(raise_request_exception=False)
                clients[role].force_login(people[role])
        secure = bool(settings.SECURE_SSL_REDIRECT)
        header = (f"{'scope':<8} {'role':<9} {'page':<28} {'url':<42} {'status':>6} {'queries':>7} "
                  f"{'median ms':>9} {'p95 ms':>8} {'KB':>8} {'runs':>4}  {'budget':<16} verdict")
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        results = []
        if self.only:
            pages = [p for p in pages if self.only in p.name or self.only in p.url]
        for page in pages:
            client = clients.get(page.role)
            if client is None:
                self.stdout.write(f"{page.scope:<8} {page.role:<9} {page.name:<28} {page.url:<42} skipped: no "
                                  f"{page.role} in this regency")
                continue
            result = self._measure(client, page, secure)
            results.append(result)
            limit_ms, limit_queries = result.budget
            budget = f"{limit_ms:.0f} ms" + (f", {limit_queries} q" if limit_queries else "")
            if result.status != 200:
                self.stdout.write(f"{page.scope:<8} {page.role:<9} {page.name:<28} {page.url:<42} "
                                  f"{result.status:>6} {result.queries:>7} {'':>9} {'':>8} {result.size_kb:>8.1f} "
                                  f"{'':>4}  {budget:<16} FAIL status {result.error}")
                continue
            self.stdout.write(f"{page.scope:<8} {page.role:<9} {page.name:<28} {page.url:<42} {result.status:>6} "
                              f"{result.queries:>7} {result.median:>9.1f} {result.p95:>8.1f} {result.size_kb:>8.1f} "
                              f"{result.runs:>4}  {budget:<16} {result.verdict}")
            self.stdout.flush()
        return results

    def _measure(self, client, page: Page, secure: bool) -> Result:
        if page.uncached:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url, secure=secure)
            size = body_size(response)
        result = Result(page=page, status=response.status_code, queries=len(captured.captured_queries),
                        size_kb=size / 1024, statements=list(captured.captured_queries))
        if captured.captured_queries:
            slowest = max(captured.captured_queries, key=lambda q: float(q["time"] or 0))
            result.slowest_sql = (float(slowest["time"] or 0), " ".join(slowest["sql"].split()))
            shapes = Counter(LITERALS.sub("?", " ".join(q["sql"].split())) for q in captured.captured_queries)
            shape, count = shapes.most_common(1)[0]
            result.repeated = (count, shape)
        if response.status_code != 200:
            exc_info = getattr(response, "exc_info", None)
            if exc_info:
                result.error = f"{exc_info[0].__name__}: {exc_info[1]}"
            elif response.status_code in (301, 302):
                result.error = f"redirected to {response.get('Location')}"
            return result
        runs = min(self.repeat, page.max_repeat or self.repeat)
        times = []
        for _ in range(runs):
            if page.uncached:
                cache.clear()
            started = time.perf_counter()
            response = client.get(page.url, secure=secure)
            body_size(response)
            times.append((time.perf_counter() - started) * 1000)
        result.runs = runs
        result.median = statistics.median(times)
        result.p95 = percentile(times, 0.95)
        return result

    # --- heavy operations -----------------------------------------------------------------------------

    def _operations(self, regency, plan, people, repeat):
        admin = people["admin"] or people["superuser"]
        self.stdout.write("")
        self.stdout.write(f"Heavy operations on {regency.code} ({regency.villages:,} villages), {repeat} runs each, "
                          "each rolled back:")
        timings: dict[str, list[float]] = {}

        @contextmanager
        def timed(name):
            started = time.perf_counter()
            yield
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)

        if plan is not None and admin is not None:
            mentors = Mentor.objects.filter(regency=regency, is_active=True)
            bas, pmos = list(mentors.filter(role=Mentor.Role.BA)), list(mentors.filter(role=Mentor.Role.PMO))
            pmos = pmos[:max(1, min(2, District.objects.filter(regency=regency).count(), len(bas)))]
            today = timezone.localdate()
            for _ in range(repeat):
                with transaction.atomic():
                    with timed("plan clone"):
                        clone = plans.plan_create(actor=admin, regency=regency, name="Benchmark clone")
                    with timed("plan validate"):
                        plan_selectors.plan_validation(clone, plan_selectors.plan_snapshot(clone))
                    with timed("plan diff"):
                        diff(plan_selectors.plan_snapshot(plan), plan_selectors.plan_snapshot(clone))
                    with timed("plan propose"):
                        plans.plan_propose(actor=admin, plan=clone, version=clone.version, ba_mentors=bas,
                                           pmo_mentors=pmos)
                    if plan.effective_from < today:
                        with timed("plan publish"):
                            publishing.plan_publish(actor=admin, plan=clone, version=clone.version,
                                                    effective_from=today, reviewed_active_id=plan.pk)
                    transaction.set_rollback(True)
        else:
            self.stdout.write("  (no plan in force or no admin: plan operations skipped)")
        table = self._import_table(regency)
        summary = {}
        for _ in range(repeat):
            with timed(f"import read ({self.import_rows:,} rows)"):
                header, rows = table[0], []
                step = registry.COOPERATIVE_SHEET.max_rows
                for start in range(1, len(table), step):
                    rows += registry.COOPERATIVE_SHEET.rows([header, *table[start:start + step]])
            with timed(f"import dry run ({self.import_rows:,} rows)"):
                summary = registry.cooperatives_import_check(regency=regency, rows=rows).summary
        for name, values in timings.items():
            self.stdout.write(f"  {name:<30} best {min(values):9.1f} ms   median {statistics.median(values):9.1f} ms")
        self.stdout.write(f"  import dry run outcome: {summary} (a sheet holds at most "
                          f"{registry.COOPERATIVE_SHEET.max_rows:,} rows, so the table is read in chunks of that size; "
                          "rows past the regency's villages repeat them and are reported as duplicates)")

    def _import_table(self, regency) -> list[list]:
        """A generated registry sheet: the regency's villages in code order, repeated up to --import-rows rows."""
        codes = list(Village.objects.filter(district__regency=regency).order_by("code").values_list("code",
                                                                                                    flat=True))
        stages = ["musyawarah", "akta notaris", "badan hukum", "simkopdes", "rencana bisnis", "lahan", "gerai",
                  "beroperasi"]
        table = [["Kode Desa", "Nama Koperasi", "Tahap", "Jumlah Anggota", "Ketua", "Telepon Ketua", "Unit Usaha"]]
        for index in range(self.import_rows):
            code = codes[index % len(codes)] if codes else f"99.99.99.{index:04d}"
            table.append([code, "", stages[index % len(stages)], 30 + index % 250, f"Ketua {index} (fiktif)",
                          f"0812{index:08d}", "sembako, simpan pinjam" if index % 3 else "kantor, klinik desa"])
        return table
