"""`manage.py benchmark`: time every page of the portal as the role that uses it, and the heavy operations.

Runs in-process with Django's test client on whatever data is loaded (`seed_scale` makes a national data set),
inside one transaction that is rolled back: sessions, the draft plan and the timed operations leave nothing.
Every page is timed twice: kept (the caches as earlier requests left them) and computed (every cache and process
memo emptied before each request). The budget must hold in both; `--fail-over-budget` makes a page over it fail the
command, as a page answering an unexpected status always does.
"""

import cProfile
import io
import math
import platform
import pstats
import re
import statistics
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from openpyxl import __version__ as openpyxl_version

from cooperatives import services as registry
from cooperatives.models import Cooperative, MonthlyReport, Visit
from cooperatives.selectors import locked_visits, month_start
from mentors.models import Membership, Mentor, User
from mentors.services import MENTOR_SHEET
from regions.models import District, Regency, Village
from territories import coverage, publishing
from territories import selectors as plan_selectors
from territories import services as plans
from territories.coverage import reviewer_of
from territories.planning import diff
from toolkit.memo import forget_everything
from toolkit.spreadsheets import (
    PACKAGE_ELEMENTS,
    ROW_ELEMENTS,
    SHEET_ELEMENTS_BESIDES_ROWS,
    STRING_ELEMENTS_PER_ROW,
    STYLE_ELEMENTS,
    STYLE_TAGS,
    WORKBOOK_ELEMENTS,
    SpreadsheetError,
    read_table,
)
from toolkit.xlsx import CONTENT_TYPES as XLSX_CONTENT_TYPES
from toolkit.xlsx import SHEET_TYPE as XLSX_SHEET_TYPE
from toolkit.xlsx import STYLES as XLSX_STYLES
from toolkit.xlsx import WORKBOOK as XLSX_WORKBOOK
from toolkit.xlsx import WORKBOOK_RELS as XLSX_WORKBOOK_RELS
from toolkit.xlsx import workbook_bytes

REGENCY_BUDGET = (150.0, 15)  # p95 ms, queries: a BA's, a PMO's and an office's pages of one regency
NATIONAL_BUDGET = (400.0, None)  # a province's and the nation's pages
IMPORT_ROWS = 10_000  # rows of the generated cooperative sheet (--import-rows)
LITERALS = re.compile(r"'[^']*'|\b\d+\b")  # a statement's shape: the same query with other values


# --- workbooks for --workbook-parts: the portal's own one-sheet workbook with one part grown -----------------

SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"
STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook_with(parts: dict[str, str]) -> bytes:
    """A workbook of one sheet with some of its parts replaced, and shared strings (empty unless given)."""
    base = zipfile.ZipFile(io.BytesIO(workbook_bytes([("Data", ["a"], [])])))
    contents = {name: base.read(name).decode() for name in base.namelist()}
    contents[STRINGS_PART] = f"{XML_HEAD}<sst {MAIN_NS}/>"
    contents.update(parts)
    if STRINGS_TYPE not in contents["[Content_Types].xml"]:
        contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace("</Types>", STRINGS_TYPE + "</Types>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def sheet_xml(*, rows: int = 1, cells: int = 1, merges: int | None = None) -> str:
    """A sheet of `rows` rows of `cells` cells (all at A: the row is one column wide), then `merges` merged cells."""
    data = "".join(f'<row r="{r}">' + f'<c r="A{r}"><v>{r}</v></c>' * cells + "</row>" for r in range(1, rows + 1))
    merged = "" if merges is None else "<mergeCells>" + '<mergeCell ref="A1:B1"/>' * merges + "</mergeCells>"
    return f"{XML_HEAD}<worksheet {MAIN_NS}><sheetData>{data}</sheetData>{merged}</worksheet>"


def named_styles_xml(names: int, formats: int) -> str:
    """`names` named styles, each looking its custom number format up among `formats` (openpyxl builds the list
    of them for each: names x formats steps)."""
    numbers = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="0.0_{i}"/>' for i in range(formats))
    xfs = f'<xf numFmtId="{163 + formats}"/>' * names
    styles = "".join(f'<cellStyle name="s{i}" xfId="{i}"/>' for i in range(names))
    return (f"{XML_HEAD}<styleSheet {MAIN_NS}><numFmts>{numbers}</numFmts><fonts><font/></fonts>"
            '<fills><fill><patternFill patternType="none"/></fill></fills><borders><border/></borders>'
            f"<cellStyleXfs>{xfs}</cellStyleXfs><cellXfs><xf/></cellXfs><cellStyles>{styles}</cellStyles></styleSheet>")


def elements(xml: str) -> int:
    return sum(1 for _ in ElementTree.fromstring(xml.encode()).iter())


@dataclass(frozen=True)
class PartCase:
    name: str
    part: str
    make: Callable[[int], str]  # the part with `n` of what grows
    bound: int  # the largest n the reader allows
    hostile: int  # n in a hostile file
    worst: bool = True  # grown in the worst allowed workbook


def part_cases(rows: int) -> list[PartCase]:
    """What can grow in each part the reader parses, for an import of `rows` rows."""
    sheet = '<sheet name="Data" sheetId="1" r:id="rId1"/>'
    worksheet = ('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 'worksheet" Target="worksheets/sheet1.xml"/>')
    cases = {
        "styles": lambda n: XLSX_STYLES.replace("</cellXfs>", "<xf/>" * n + "</cellXfs>"),
        "fonts": lambda n: XLSX_STYLES.replace("</fonts>", "<font/>" * n + "</fonts>"),
        "named": lambda n: named_styles_xml(n, n // 2),
        "strings": lambda n: f"{XML_HEAD}<sst {MAIN_NS}>{'<si/>' * n}</sst>",
        "texts": lambda n: f"{XML_HEAD}<sst {MAIN_NS}>{'<si><t>x</t></si>' * n}</sst>",
        "names": lambda n: XLSX_WORKBOOK.format(sheets=sheet).replace("</workbook>", "<definedNames>" + "".join(
            f'<definedName name="n{i}">Data!$A$1</definedName>' for i in range(n)) + "</definedNames></workbook>"),
        "types": lambda n: XLSX_CONTENT_TYPES.format(sheets=XLSX_SHEET_TYPE.format(n=1) + STRINGS_TYPE + "".join(
            f'<Override PartName="/x{i}.xml" ContentType="text/xml"/>' for i in range(n))),
        "rels": lambda n: XLSX_WORKBOOK_RELS.format(sheets=worksheet + "".join(
            f'<Relationship Id="x{i}" Type="x" Target="x{i}.xml"/>' for i in range(n))),
    }
    strings = (rows + 1) * STRING_ELEMENTS_PER_ROW - 1
    return [
        PartCase("styles: <xf/>", "xl/styles.xml", cases["styles"], STYLE_ELEMENTS - elements(cases["styles"](0)),
                 6_200_000, worst=False),
        PartCase("styles: <font/>", "xl/styles.xml", cases["fonts"], STYLE_ELEMENTS - elements(cases["fonts"](0)),
                 1_000_000),
        PartCase("styles: n named styles, n/2 number formats", "xl/styles.xml", cases["named"],
                 min(STYLE_TAGS["cellStyle"], 2 * STYLE_TAGS["numFmt"]), 5_000, worst=False),
        PartCase("shared strings: <si/>", STRINGS_PART, cases["strings"], strings, 1_850_000),
        PartCase("shared strings: <si><t>x</t></si>", STRINGS_PART, cases["texts"], strings // 2, 900_000,
                 worst=False),
        PartCase("workbook: defined names", "xl/workbook.xml", cases["names"],
                 WORKBOOK_ELEMENTS - elements(cases["names"](0)), 300_000),
        PartCase("content types: <Override/>", "[Content_Types].xml", cases["types"],
                 PACKAGE_ELEMENTS - elements(cases["types"](0)), 500_000),
        PartCase("workbook relationships", "xl/_rels/workbook.xml.rels", cases["rels"],
                 PACKAGE_ELEMENTS - elements(cases["rels"](0)), 300_000),
        PartCase("sheet: merged cells", SHEET_PART, lambda n: sheet_xml(merges=n), SHEET_ELEMENTS_BESIDES_ROWS - 3,
                 1_000_000, worst=False),  # the sheet is grown with the rows in the worst workbook
        PartCase("sheet: one row of cells (c, v)", SHEET_PART, lambda n: sheet_xml(cells=n), ROW_ELEMENTS // 2,
                 1_000_000, worst=False),
    ]


class Rollback(Exception):
    pass


class QueryCount:
    """Counts the statements run while it wraps the connection (`connection.execute_wrapper`)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Page:
    scope: str  # "regency" (BA, PMO, office), "province" or "national"
    role: str
    name: str
    url: str
    max_repeat: int | None = None
    queries: int | None = None  # a page's own query budget where it reads more kinds of figures than a list


@dataclass
class Timing:
    """One mode of a page: "kept" (what earlier requests left in the caches is used) or "computed" (every cache
    and process memo emptied before each request, the warm-up included: what the first visit of a minute costs)."""

    queries: int = 0
    median: float = 0.0
    p95: float = 0.0
    runs: int = 0


@dataclass
class Result:
    page: Page
    status: int
    kept: Timing = field(default_factory=Timing)
    computed: Timing = field(default_factory=Timing)
    size_kb: float = 0.0
    slowest_sql: tuple[float, str] = (0.0, "")
    repeated: tuple[int, str] = (0, "")
    statements: list[dict] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)
    profile: str = ""  # --profile: where the computed requests' time went

    @property
    def queries(self) -> int:
        """The statements of the page computed: what a count must bound (a kept page reads fewer)."""
        return self.computed.queries

    @property
    def p95(self) -> float:
        return max(self.kept.p95, self.computed.p95)

    @property
    def budget(self) -> tuple[float, int | None]:
        limit_ms, limit_queries = REGENCY_BUDGET if self.page.scope == "regency" else NATIONAL_BUDGET
        return limit_ms, self.page.queries or limit_queries

    def over(self, mode: str) -> list[str]:
        """What is over budget in one mode: "time" (p95), "queries"."""
        timing = getattr(self, mode)
        limit_ms, limit_queries = self.budget
        over = ["time"] if timing.p95 > limit_ms else []
        if limit_queries is not None and timing.queries > limit_queries:
            over.append("queries")
        return over

    @property
    def verdict(self) -> str:
        if self.status != 200:
            return "FAIL status"
        parts = [f"{mode} " + "+".join(self.over(mode)) for mode in ("kept", "computed") if self.over(mode)]
        return "OVER " + ", ".join(parts) if parts else "ok"


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
    with_plan = regencies.filter(pk__in=coverage.regencies_with_plan_in_force())
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
    pmos, bas = coverage.staffed_territories(plan)
    pmo = pmos.first()
    ba = next((t for t in bas if pmo and t.pmo_territory_id == pmo.pk), None) or bas.first()
    if pmo:
        people["pmo"], people["pmo_mentor"] = pmo.mentor.user, pmo.mentor
    if ba:
        people["ba"], people["ba_mentor"], people["ba_area"] = ba.mentor.user, ba.mentor, ba
    return people


class Command(BaseCommand):
    help = (
        "Request every page of the portal as the role that uses it (superuser, admin, staff, PMO, BA) with the "
        "test client and print, per page, the status, queries, median and p95 time over --repeat requests, the "
        "response size and the budget, kept and computed (every cache emptied before each request) (regency "
        "pages: p95 <= 150 ms and <= 15 queries; a province's and the nation's pages of a superuser: p95 <= "
        "400 ms). Then time the heavy operations (plan clone, propose, validate, diff, publish, "
        "a 10,000-row cooperative import dry run, and the largest mentor import, 2,000 rows, previewed and applied "
        "through its pages). Personas and objects come from --regency (default: the "
        "regency with a plan in force that has the most villages). Everything runs in a transaction that is "
        "rolled back. Exits non-zero when a page answers an unexpected status, or (--fail-over-budget) is over budget."
    )

    def add_arguments(self, parser):
        parser.add_argument("--regency", metavar="CODE", help="regency code, e.g. 32.02")
        parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
        parser.add_argument("--ops-repeat", type=int, default=3, help="runs per heavy operation (default 3)")
        parser.add_argument("--skip-operations", action="store_true", help="time the pages only")
        parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS,
                            help=f"rows of the cooperative import dry run (default {IMPORT_ROWS:,})")
        parser.add_argument("--imports-only", action="store_true",
                            help="time the imports only (no pages, no plan operations)")
        parser.add_argument("--workbook-parts", action="store_true",
                            help="no database: time openpyxl per element of each part of a workbook, and the "
                                 "portal's reader on workbooks at its bounds and beyond them")
        parser.add_argument("--only", metavar="TEXT", help="only the pages whose name or URL contains TEXT")
        parser.add_argument("--profile", type=int, nargs="?", const=25, default=0, metavar="N",
                            help="after each page, where the time of its computed requests went: the N functions "
                                 "(default 25) with the most cumulative time (cProfile; the times then read slower)")
        parser.add_argument("--sql-log", metavar="PATH", help="write every statement of the pages over budget here")
        parser.add_argument("--fail-over-budget", nargs="?", const="all", choices=["all", "queries"],
                            help="exit non-zero when a page is over its budget, kept or computed; `queries`: over its "
                                 "query budget only (counts do not depend on the machine's load, times do: CI)")

    def handle(self, *args, regency, repeat, ops_repeat, skip_operations, only, sql_log, import_rows, imports_only,
               workbook_parts, fail_over_budget, profile=0, **options):
        if repeat < 1 or ops_repeat < 1 or import_rows < 1:
            raise CommandError("--repeat, --ops-repeat and --import-rows must be at least 1.")
        if workbook_parts:
            self._workbook_parts()
            return
        self.repeat, self.only, self.import_rows, self.imports_only = repeat, only, import_rows, imports_only
        self.profile = profile
        overrides = {"ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        overrides |= self._static_override()
        if any(not c["BACKEND"].endswith("LocMemCache") for c in settings.CACHES.values()):
            # Computing a page empties every cache: never a cache other processes share (Redis).
            self.stdout.write("note: the benchmark keeps its own in-process cache instead of the configured one.")
            overrides["CACHES"] = {alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                           "LOCATION": f"benchmark-{alias}"} for alias in settings.CACHES}
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
                              f"{result.queries} queries computed, p95 kept {result.kept.p95:.0f} ms, computed "
                              f"{result.computed.p95:.0f} ms)")
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
        if fail_over_budget == "queries":
            over = [r for r in over if any("queries" in r.over(mode) for mode in ("kept", "computed"))]
        if over and fail_over_budget:
            raise CommandError(f"{len(over)} page(s) over budget.")

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
        plan = coverage.active_plan(regency)
        people = self._personas(regency, plan)
        if self.imports_only:
            self._operations(regency, plan, people, ops_repeat)
            return []
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
        territory = people.get("ba_area")
        villages = Village.objects.filter(district__regency=regency)
        if territory is not None:
            villages = villages.filter(coverage.villages_of_territory(territory, ""))
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
        infos = sorted(plan_selectors.plan_snapshot(draft).ba.values(), key=lambda t: (t.name, t.id))[:4]
        if len(infos) == 4:
            moved = [village for info in infos[:3] for village in info.members]
            plans.villages_move(actor=admin, plan=draft, version=draft.version, village_ids=moved,
                                to=plan_selectors.plan_territory_get(draft, "ba", infos[3].id))
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
        R, P, N = "regency", "province", "national"
        province = regency.province.code
        pages = [
            Page(N, "superuser", "home", "/"),
            Page(R, "admin", "home", "/"),
            Page(R, "staff", "home", "/"),
            Page(R, "pmo", "home", "/"),
            Page(R, "ba", "home", "/"),
            # Dashboards: the office's from the pre-aggregated figures; a mentor's computed over their own rows,
            # about 25 small statements (each kind of figure is one GROUP BY over the mentor's ids).
            Page(N, "superuser", "dashboard (national)", "/dashboard/"),
            # No province role yet: a superuser looks at the regency's province.
            Page(P, "superuser", "dashboard (province)", f"/dashboard/?province={province}"),
            Page(P, "superuser", "dashboard export (province)", f"/dashboard/breakdown.xlsx?province={province}"),
            Page(P, "superuser", "map (province)", f"/map/?province={province}"),
            Page(R, "admin", "dashboard (regency)", "/dashboard/", queries=20),
            Page(R, "pmo", "dashboard (PMO)", "/dashboard/", queries=30),
            Page(R, "ba", "dashboard (BA)", "/dashboard/", queries=30),
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
                # 26: the stages at month end are two reads (the last change before it, ranked; the present stage).
                Page(R, "pmo", "report detail", f"/reports/{ba.pk}/{month}/", queries=26),
                Page(R, "admin", "report detail", f"/reports/{ba.pk}/{month}/", queries=25),
                Page(R, "admin", "report print", f"/reports/{ba.pk}/{month}/print/", queries=25),
            ]
            if reviewer_of(ba, objects["month"]) == people.get("pmo_mentor"):
                # The PMO's own report, compiled from their BAs' reports of the month.
                pages.append(Page(R, "pmo", "PMO report", f"/reports/{people['pmo_mentor'].pk}/{month}/",
                                  queries=25))
        # The recap: a closed month (the default: last month) reads the kept rows, the open month of a regency is
        # computed; the province and the nation are tables summing the regencies' rows; downloads are streamed. A
        # table computes at most `recap.COMPUTED_ON_A_PAGE` (3) missing regency rows itself, about 14 statements
        # each (more wait for the job): its count is bounded by that, not by the data (46 on the 2-regency seed,
        # 6 once the rows are kept).
        open_month = f"{timezone.localdate():%Y-%m}"
        pages += [
            Page(R, "admin", "month-end recap", "/reports/recap/", queries=40),
            Page(R, "admin", "recap, open month (computed)", f"/reports/recap/?month={open_month}", queries=40),
            Page(R, "admin", "recap download (regency)", "/reports/recap/?format=xlsx", queries=40),
            Page(N, "superuser", "month-end recap (national)", "/reports/recap/", queries=50),
            Page(N, "superuser", "recap (national, open month)", f"/reports/recap/?month={open_month}", queries=40),
            Page(P, "superuser", "month-end recap (province)", f"/reports/recap/?province={province}", queries=50),
            Page(N, "superuser", "recap download (national)", "/reports/recap/?format=xlsx", queries=40,
                 max_repeat=5),
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
        for client in clients.values():  # what a session does once (an admin's authenticator check, written to the
            client.get("/", secure=secure)  # session) is not the first measured page's cost
        header = (f"{'scope':<8} {'role':<9} {'page':<28} {'url':<42} {'status':>6} "
                  f"{'kept: q':>7} {'med':>7} {'p95':>7}  {'computed: q':>11} {'med':>7} {'p95':>7} {'KB':>7} "
                  f"{'runs':>4}  {'budget':<16} verdict")
        self.stdout.write("")
        self.stdout.write("Times in ms. kept: caches as earlier requests left them; computed: every cache and process "
                          "memo emptied before each request. The budget holds in both modes.")
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
            line = f"{page.scope:<8} {page.role:<9} {page.name:<28} {page.url:<42} {result.status:>6} "
            if result.status != 200:
                self.stdout.write(f"{line}{'':>7} {'':>7} {'':>7}  {result.computed.queries:>11} {'':>7} {'':>7} "
                                  f"{result.size_kb:>7.1f} {'':>4}  {budget:<16} FAIL status {result.error}")
                continue
            kept, computed = result.kept, result.computed
            self.stdout.write(f"{line}{kept.queries:>7} {kept.median:>7.1f} {kept.p95:>7.1f}  {computed.queries:>11} "
                              f"{computed.median:>7.1f} {computed.p95:>7.1f} {result.size_kb:>7.1f} "
                              f"{computed.runs:>4}  {budget:<16} {result.verdict}")
            if result.profile:
                self.stdout.write(result.profile)
            self.stdout.flush()
        return results

    def _measure(self, client, page: Page, secure: bool) -> Result:
        """The page computed (every cache and memo emptied before each request), then kept (after a request that
        fills the caches). The statements kept for the report are those of the first computed request."""
        forget_everything()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url, secure=secure)
            size = body_size(response)
        result = Result(page=page, status=response.status_code, size_kb=size / 1024,
                        statements=list(captured.captured_queries))
        result.computed.queries = len(captured.captured_queries)
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
        profiler = cProfile.Profile() if self.profile else None
        result.computed = self._timed(client, page, secure, runs, forget=True, queries=result.computed.queries,
                                      profiler=profiler)
        if profiler is not None:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(self.profile)
            result.profile = text.getvalue()
        body_size(client.get(page.url, secure=secure))  # fills what the page keeps
        with CaptureQueriesContext(connection) as kept:
            body_size(client.get(page.url, secure=secure))
        result.kept = self._timed(client, page, secure, runs, forget=False, queries=len(kept.captured_queries))
        return result

    @staticmethod
    def _timed(client, page: Page, secure: bool, runs: int, *, forget: bool, queries: int,
               profiler=None) -> Timing:
        times = []
        for _ in range(runs):
            if forget:
                forget_everything()
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            response = client.get(page.url, secure=secure)
            body_size(response)
            if profiler is not None:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
        return Timing(queries=queries, median=statistics.median(times), p95=percentile(times, 0.95), runs=runs)

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

        if self.imports_only:
            pass
        elif plan is not None and admin is not None:
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
        mentor_import = self._mentor_import(regency, admin, repeat, timed) if admin is not None else ""
        for name, values in timings.items():
            self.stdout.write(f"  {name:<36} best {min(values):9.1f} ms   median {statistics.median(values):9.1f} ms")
        self.stdout.write(f"  import dry run outcome: {summary} (a sheet holds at most "
                          f"{registry.COOPERATIVE_SHEET.max_rows:,} rows, so the table is read in chunks of that size; "
                          "rows past the regency's villages repeat them and are reported as duplicates)")
        if mentor_import:
            self.stdout.write(f"  {mentor_import}")

    def _mentor_import(self, regency, admin, repeat, timed) -> str:
        """The largest mentor import the sheet allows, as the office's admin uploads it (an .xlsx through the
        pages): the upload and its preview, then the apply, each run rolled back. Half the rows change a mentor
        of the regency's roster (as many as it has), the others add one. Returns what happened."""
        count = MENTOR_SHEET.max_rows
        roster = list(Mentor.objects.filter(regency=regency).order_by("pk")[:count // 2])
        header = ["Nama", "Peran", "Telepon", "Email", "Mulai Kontrak", "Akhir Kontrak", "Catatan"]
        rows = [[m.full_name, "PMO" if m.role == Mentor.Role.PMO else "BA", m.phone, m.email, "2026-01-01",
                 "2026-12-31", "benchmark"] for m in roster]
        rows += [[f"Pendamping Fiktif {i}", "BA", f"0899{i:08d}", f"pendamping.{i}@benchmark.invalid", "2026-01-01",
                  "2026-12-31", ""] for i in range(len(rows), count)]
        content = workbook_bytes([("Mentor", header, rows)])
        client = Client()
        client.force_login(admin)
        secure = bool(settings.SECURE_SSL_REDIRECT)
        preview, apply = QueryCount(), QueryCount()  # (a captured list keeps only the last 9,000 statements)
        outcome = (0, 0)
        for _ in range(repeat):
            preview.count = apply.count = 0
            with transaction.atomic():
                upload = SimpleUploadedFile("mentor.xlsx", content)
                with timed(f"mentor import preview ({count:,} rows)"), connection.execute_wrapper(preview):
                    response = client.post(reverse("mentors:mentor_import"), {"regency": regency.pk, "file": upload},
                                           secure=secure)
                token = re.search(r'name="token" value="([^"]+)"', response.content.decode())
                if response.status_code != 200 or token is None:
                    raise CommandError(f"the mentor import preview answered {response.status_code} without a token")
                with timed(f"mentor import apply ({count:,} rows)"), connection.execute_wrapper(apply):
                    response = client.post(reverse("mentors:mentor_import_apply"), {"token": token[1]}, secure=secure)
                if response.status_code != 302:
                    raise CommandError(f"the mentor import apply answered {response.status_code}")
                outcome = (Mentor.objects.filter(regency=regency).count(), Mentor.history.filter(
                    regency_id=regency.pk, history_change_reason="imported").count())
                transaction.set_rollback(True)
        queries = f"{preview.count:,} queries for the preview, {apply.count:,} for the apply"
        return (f"mentor import: {len(roster):,} mentors changed and {count - len(roster):,} added; {queries}; "
                f"after the apply {outcome[0]:,} mentors in the regency and {outcome[1]:,} history rows 'imported'")

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

    # --- the parts of a workbook (--workbook-parts) --------------------------------------------------------------

    def _workbook_parts(self):
        """For each kind of part the portal's reader parses: openpyxl's own time per element (`load_workbook`,
        read-only, on a part at the reader's bound), the reader's time on that workbook (allowed) and on a hostile
        one (refused); then the worst allowed workbook of each import's size, every part at its bound."""
        import warnings

        from openpyxl import Workbook, load_workbook

        warnings.simplefilter("ignore")  # openpyxl's remarks about the odd workbooks below

        def best(read, content, runs=2):
            outcome, times = "", []
            for _ in range(runs):
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    outcome = f"read {len(read(content))} rows"
                except SpreadsheetError as error:
                    outcome = f"refused: {str(error)[:60]}"
                times.append((time.perf_counter() - started, time.process_time() - cpu))
            return min(times), outcome

        def openpyxl_alone(content):
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
            try:
                return list(book.worksheets[0].iter_rows(values_only=True))
            finally:
                book.close()

        def portal(max_rows):
            return lambda content: read_table(SimpleUploadedFile("parts.xlsx", content), max_rows=max_rows)

        rows = MENTOR_SHEET.max_rows
        self.stdout.write(f"Workbook parts, one sheet of one row, read as an import of {rows:,} rows "
                          f"(openpyxl {openpyxl_version}, Python {platform.python_version()}); times are wall (CPU):")
        header = (f"{'part, grown by n':<52} {'n':>9} {'KB':>5} {'openpyxl':>16} {'per element':>12} "
                  f"{'portal':>16}  outcome")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for case in part_cases(rows):
            for label, count in (("at the bound", case.bound), ("hostile", case.hostile)):
                xml = case.make(count)
                content = workbook_with({case.part: xml})
                alone = per = ""
                if label == "at the bound":
                    (wall, cpu), _outcome = best(openpyxl_alone, content)
                    alone = f"{wall:6.3f} ({cpu:6.3f})"
                    per = f"{cpu / elements(xml) * 1e6:8.2f} µs"
                (wall, cpu), outcome = best(portal(rows), content)
                self.stdout.write(f"{case.name + ', ' + label:<52} {count:>9,} {len(content) / 1024:>5.0f} "
                                  f"{alone:>16} {per:>12} {wall:6.3f} ({cpu:6.3f})  {outcome}")
        self.stdout.write("")
        self.stdout.write("Real workbooks (openpyxl's writer, another text in each cell), openpyxl alone and portal:")
        for rows, columns in ((MENTOR_SHEET.max_rows, 7), (registry.COOPERATIVE_SHEET.max_rows, 26)):
            book = Workbook()
            for number in range(rows + 1):
                book.active.append([f"teks {number}-{column}" for column in range(columns)])
            buffer = io.BytesIO()
            book.save(buffer)
            (wall, cpu), _outcome = best(openpyxl_alone, buffer.getvalue())
            (portal_wall, portal_cpu), outcome = best(portal(rows), buffer.getvalue())
            self.stdout.write(f"  {rows:>6,} rows x {columns:>2} columns {len(buffer.getvalue()) / 1024:6.0f} KB   "
                              f"openpyxl {wall:6.3f} s ({cpu:6.3f} s CPU), portal {portal_wall:6.3f} s "
                              f"({portal_cpu:6.3f} s CPU)  {outcome}")
        self.stdout.write("")
        self.stdout.write("The worst allowed workbook: every part at its bound, one-cell rows up to an import's limit:")
        for name, max_rows in (("plan (1,000 rows)", 1000), ("mentors", MENTOR_SHEET.max_rows),
                               ("cooperatives", registry.COOPERATIVE_SHEET.max_rows)):
            parts = {case.part: case.make(case.bound) for case in part_cases(max_rows) if case.worst}
            parts[SHEET_PART] = sheet_xml(rows=max_rows, merges=SHEET_ELEMENTS_BESIDES_ROWS - 3)
            content = workbook_with(parts)
            (wall, cpu), outcome = best(portal(max_rows), content)
            self.stdout.write(f"  {name:<20} {max_rows:>6,} rows {len(content) / 1024:6.0f} KB   {wall:6.3f} s "
                              f"({cpu:6.3f} s CPU)  {outcome}")
