"""The office's month-end recap: the figures an office forwards upward for a month, from the rows as they stood
at month end (coverage by the plan in force then, stages then, visits, reports sent and late; land, outlet
construction and financing as the records dated them).

It scales with the place, not the country. A regency's figures are computed from its own rows in a fixed number
of statements (`regency_figures`); a province or the nation is a table of its regencies or provinces that sums
the regencies' stored rows (`RegencyRecap`, 514 at most), never thousands of BA rows on one page.

Stored rows: a closed month is computed once per regency by the recap job (`reporting.tasks.recap_refresh`) and
again when something dated in it changes (`regions.signals.regency_past_changed`, sent by the services that
write visits, reports, stage changes, plans and a record's dated parts: proposals, land, units, payments; it marks
the month's rows stale and enqueues `recap_regency_refresh`). The open month of a regency is computed on request;
the job also keeps the open month's rows for the tables, with their time. Rows kept before the land, outlet and
financing figures were counted were marked stale by the migration that added them (their sums show "–" meanwhile).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cooperatives.integrity import READINESS, ready_query
from cooperatives.models import (
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    FollowUp,
    Instalment,
    LandPlot,
    MonthlyReport,
    Stage,
    UnitStatus,
    Visit,
)
from cooperatives.reports import SENT, due_date, stages_moved_since
from cooperatives.selectors import month_start, next_month
from mentors.models import Mentor
from regions.models import Regency, Village
from regions.timezones import regency_today, zone_of
from territories import coverage

from .models import RegencyRecap

SHOWN_NOT_VISITED = 500  # the printable page names this many; the Excel download names them all
COUNTS = ["villages", "covered", "cooperatives", "ready", "visits", "not_visited", "overdue"]
STORED = ["stages", "readiness", "reports", "due_on", "ba_rows", "programme"]  # a kept row's other figures
REPORT_COUNTS = ["expected", "sent", "accepted", "late_sent", "unsent"]
ROLES = ("ba", "pmo")  # Mentor.Role values, the keys of the reports' figures
# The land, outlet-construction and financing figures of a month end (the `programme` of a kept row), in the order
# the page and the workbook show them; amounts are in rupiah. A row kept before they were counted has none: shown
# "–", and a sum with such a row is "–" too (`None`) until the job has computed it again.
PROGRAMME = [
    ("land_cooperatives", gettext_lazy("Cooperatives with a land plot")),
    ("land_area", gettext_lazy("Land area (m²)")),
    ("land_titled", gettext_lazy("Plots with a clear title")),
    ("units_built", gettext_lazy("Outlet units built")),
    ("units_operating", gettext_lazy("Outlet units operating")),
    ("handed_over", gettext_lazy("Outlet buildings handed over")),
    ("proposals", gettext_lazy("Financing proposals made")),
    ("approved", gettext_lazy("Financing proposals approved")),
    ("approved_amount", gettext_lazy("Financing approved (Rp)")),
    ("disbursed", gettext_lazy("Financing proposals disbursed")),
    ("disbursed_amount", gettext_lazy("Financing disbursed (Rp)")),
    ("arrears", gettext_lazy("Cooperatives with instalments in arrears")),
]
PROGRAMME_KEYS = [key for key, _label in PROGRAMME]
CLEAR_TITLES = [LandPlot.Title.CERTIFICATE, LandPlot.Title.ASSET_RECORD]
COMPUTED_ON_A_PAGE = 3  # closed-month rows a page computes itself when the job has not yet (more: it waits)


# --- one regency, from its raw rows ----------------------------------------------------------------------------


def regency_figures(regency: Regency, month: date, today: date | None = None) -> dict:
    """One regency's month-end figures, computed from its rows in a fixed number of statements whatever its size:
    coverage by the plan in force at month end (today, for the open month), stages at month end, readiness now,
    visits per BA, cooperatives not visited, follow-ups overdue at month end, the reports owed and sent. The
    values of a `RegencyRecap` row. `today` is the regency's by default."""
    today = today or regency_today(regency)
    end = next_month(month)
    day = min(end - timedelta(days=1), today)
    plans = coverage.plans_in_force_on([regency.pk], day)
    villages = Village.objects.filter(district__regency_id=regency.pk)
    cooperatives = Cooperative.objects.filter(village__district__regency_id=regency.pk)
    places = villages.aggregate(
        villages=Count("id"), covered=Count("id", filter=Q(id__in=coverage.covered_village_ids(plans)))
    )
    counted = cooperatives.aggregate(
        n=Count("id"),
        ready=Count("id", filter=ready_query()),
        **{f"item_{item.code}": Count("id", filter=item.query) for item in READINESS},
        **{f"stage_{value}": Count("id", filter=Q(stage=value)) for value in Stage.values},
    )
    # Stages at month end: the present ones, moved back for the cooperatives whose stage changed since.
    stages = Counter({value: counted[f"stage_{value}"] for value in Stage.values})
    for now, then in stages_moved_since(cooperatives, end):
        stages[now] -= 1
        stages[then] += 1
    # The regency's cooperatives as a subquery: each one's visits and follow-ups are read from their indexes
    # (visit_cooperative_date_idx; followup_cooperative_due_idx, which answers the overdue count alone).
    ids = cooperatives.values("pk")
    # The month's visits counted per (BA, cooperative) in one statement: each BA's visits and cooperatives visited,
    # and the regency's cooperatives visited, follow from its rows (a few hundred).
    pairs = (
        Visit.objects.filter(cooperative_id__in=ids, date__gte=month, date__lt=end)
        .order_by()
        .values_list("mentor_id", "cooperative_id")
        .annotate(n=Count("id"))
    )
    per_ba, visited = defaultdict(lambda: [0, 0]), set()
    for mentor, cooperative, n in pairs:
        per_ba[mentor][0] += n
        per_ba[mentor][1] += 1
        visited.add(cooperative)
    # Overdue at month end: due before it and not done before it; read by the follow-ups' own cooperative, not
    # through every visit of the regency.
    midnight = timezone.make_aware(datetime.combine(end, time.min), zone_of(regency))
    overdue = (
        FollowUp.objects.filter(cooperative_id__in=ids, due_date__lt=end)
        .filter(Q(done=False) | Q(done_at__gte=midnight))
        .count()
    )
    territories = sorted(coverage.staffed_ba_territories_of(plans), key=lambda t: (t.mentor.full_name, t.mentor_id))
    ba_rows = [
        {
            "mentor": t.mentor_id,
            "name": t.mentor.full_name,
            "territory": t.name,
            "villages": t.villages,
            "visits": per_ba.get(t.mentor_id, (0, 0))[0],
            "cooperatives": per_ba.get(t.mentor_id, (0, 0))[1],
        }
        for t in territories
    ]
    # Expected to report: active PMOs, and active BAs whose territory held villages at month end (a BA without one
    # is not expected); each with their report's status, in one statement.
    report = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=month)
    mentors = Mentor.objects.filter(
        Q(role=Mentor.Role.PMO) | Q(coverage.bas_covering_on(day, regency_ids=[regency.pk]), role=Mentor.Role.BA),
        regency_id=regency.pk,
        is_active=True,
    ).annotate(status=Subquery(report.values("status")[:1]), late=Subquery(report.values("sent_late")[:1]))
    reports = {role: dict.fromkeys(REPORT_COUNTS, 0) for role in ROLES}
    for role, status, late in mentors.values_list("role", "status", "late"):
        bucket = reports[str(role)]
        bucket["expected"] += 1
        bucket["sent"] += status in SENT
        bucket["accepted"] += status == MonthlyReport.Status.ACCEPTED
        bucket["late_sent"] += bool(status in SENT and late)
        bucket["unsent"] += status not in SENT
    return {
        "villages": places["villages"],
        "covered": places["covered"],
        "cooperatives": counted["n"],
        "ready": counted["ready"],
        "visits": sum(n for n, _p in per_ba.values()),
        "not_visited": counted["n"] - len(visited),
        "overdue": overdue,
        "stages": {value: stages.get(value, 0) for value in Stage.values},
        "readiness": {item.code: counted[f"item_{item.code}"] for item in READINESS},
        "reports": reports,
        "due_on": due_date(regency, month),
        "ba_rows": ba_rows,
        "programme": programme_figures(ids, day, end),
    }


def programme_figures(cooperative_ids, day: date, end: date) -> dict:
    """The land, outlet-construction and financing figures of these cooperatives (a subquery) as the rows stood on
    `day` (the month's last day, or today in the open month), in four statements whatever their number. What the
    rows date is read as of that day (a plot by its recording, an opening, a handover, a proposal by its
    submission, decision and disbursement, an instalment by its due day and payment); what they do not date
    (a plot's title, a unit's being built) is read as it is now. An instalment is in arrears at a closed month's
    end when it fell due in or before the month and was not paid in full by then; in the open month, when it fell
    due before today (as the record shows it)."""
    land = LandPlot.objects.filter(cooperative_id__in=cooperative_ids, recorded_on__lte=day).aggregate(
        cooperatives=Count("cooperative_id", distinct=True),
        area=Sum("area_m2", default=0),
        titled=Count("id", filter=Q(title__in=CLEAR_TITLES)),
        handed_over=Count("id", filter=Q(handed_over_on__lte=day)),
    )
    units = BusinessUnit.objects.filter(cooperative_id__in=cooperative_ids).aggregate(
        built=Count(
            "id",
            filter=Q(status__in=[UnitStatus.BUILT, UnitStatus.OPERATING])
            & (Q(construction_started_on__isnull=True) | Q(construction_started_on__lte=day)),
        ),
        operating=Count(
            "id", filter=Q(status=UnitStatus.OPERATING) & (Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        ),
    )
    statuses = [FinancingProposal.Status.APPROVED, FinancingProposal.Status.DISBURSED]
    approved = Q(decided_on__lte=day, status__in=statuses)
    disbursed = Q(disbursed_on__lte=day)
    financing = FinancingProposal.objects.filter(cooperative_id__in=cooperative_ids, submitted_on__lte=day).aggregate(
        proposals=Count("id"),
        approved=Count("id", filter=approved),
        approved_amount=Sum("approved_amount", filter=approved, default=0),
        disbursed=Count("id", filter=disbursed),
        disbursed_amount=Sum("disbursed_amount", filter=disbursed, default=0),
    )
    after = end if day + timedelta(days=1) >= end else day
    arrears = (
        Instalment.objects.filter(proposal__cooperative_id__in=cooperative_ids, due_on__lt=after)
        .filter(Q(paid_amount__lt=F("amount")) | Q(paid_on__gte=after))
        .aggregate(n=Count("proposal__cooperative_id", distinct=True))["n"]
    )
    return {
        "land_cooperatives": land["cooperatives"],
        "land_area": land["area"],
        "land_titled": land["titled"],
        "units_built": units["built"],
        "units_operating": units["operating"],
        "handed_over": land["handed_over"],
        "proposals": financing["proposals"],
        "approved": financing["approved"],
        "approved_amount": financing["approved_amount"],
        "disbursed": financing["disbursed"],
        "disbursed_amount": financing["disbursed_amount"],
        "arrears": arrears,
    }


# --- stored rows ------------------------------------------------------------------------------------------------


def recap_store(regency_ids, month: date, *, today: date | None = None) -> int:
    """Compute and keep the month's row of each of these regencies. Each row is claimed (no longer stale) before it
    is computed, so that a change written meanwhile marks it stale again and is computed in its turn."""
    stored = 0
    for regency in Regency.objects.filter(pk__in=list(regency_ids)).order_by("pk"):
        RegencyRecap.objects.filter(regency=regency, month=month, stale=True).update(stale=False)
        values = regency_figures(regency, month, today)
        RegencyRecap.objects.update_or_create(
            regency=regency, month=month, defaults={**values, "computed_at": timezone.now()}
        )
        stored += 1
    return stored


def recap_mark_stale(*, regency_id: int, first: date, last: date | None) -> list[date]:
    """The kept closed months of a regency from `first`'s month (to `last`'s) are out of date: marked stale; the
    months that were not stale yet are returned (a job recomputes them)."""
    regency = Regency.objects.only("time_zone").get(pk=regency_id)
    rows = RegencyRecap.objects.filter(
        regency_id=regency_id, month__gte=month_start(first), month__lt=month_start(regency_today(regency)),
        stale=False,
    )
    if last is not None:
        rows = rows.filter(month__lte=last)
    months = sorted(rows.values_list("month", flat=True))
    if months:
        RegencyRecap.objects.filter(regency_id=regency_id, month__in=months).update(stale=True)
    return months


def all_regency_ids() -> list[int]:
    return list(Regency.objects.order_by("pk").values_list("pk", flat=True))


def regencies_to_store(month: date) -> list[int]:
    """The regencies whose row of a month is missing or stale."""
    held = RegencyRecap.objects.filter(month=month, stale=False).values("regency_id")
    return list(Regency.objects.exclude(pk__in=held).order_by("pk").values_list("pk", flat=True))


def _late_unsent(reports: dict, due_on: date | None, today: date) -> dict:
    """A report not sent is late once the day is past the due day (decided when shown, not when stored)."""
    shown = {}
    for role in ROLES:
        counts = dict(reports.get(role, {}))
        counts["late_unsent"] = counts.get("unsent", 0) if due_on is not None and today > due_on else 0
        shown[role] = counts
    return shown


def _summed(rows: list[dict], today: date) -> dict:
    """The figures of several regencies' rows, summed (reports' lateness decided per regency)."""
    total = {name: 0 for name in COUNTS}
    stages, readiness = Counter(), Counter()
    reports = {role: Counter() for role in ROLES}
    for row in rows:
        for name in COUNTS:
            total[name] += row[name]
        stages.update(row["stages"])
        readiness.update(row["readiness"])
        for role, counts in _late_unsent(row["reports"], row["due_on"], today).items():
            reports[role].update(counts)
    total.update(
        programme=_programme_summed([row.get("programme") or {} for row in rows]),
        stages=dict(stages),
        readiness=dict(readiness),
        reports={
            role: {key: counts.get(key, 0) for key in [*REPORT_COUNTS, "late_unsent"]}
            for role, counts in reports.items()
        },
    )
    return total


def _programme_summed(rows: list[dict]) -> dict:
    """The land, outlet and financing figures of several rows summed; a figure some row lacks (a row kept before it
    was counted) is None, shown "–"."""
    return {key: sum(row[key] for row in rows) if all(key in row for row in rows) else None for key in PROGRAMME_KEYS}


def _labelled(figures: dict, month: date) -> dict:
    """Figures with what the page and the workbook show: stage and readiness labels in the reader's language."""
    return {
        **figures,
        "month": month,
        "last_day": next_month(month) - timedelta(days=1),
        "stages": [(value, label, figures["stages"].get(value, 0)) for value, label in Stage.choices],
        "readiness": [(item.label, figures["readiness"].get(item.code, 0)) for item in READINESS],
        "programme_rows": [(key, label, figures["programme"][key]) for key, label in PROGRAMME],
        "not_visited_count": figures["not_visited"],
    }


def recap(regency_ids: list[int], month: date, today: date | None = None) -> dict:
    """The recap of these regencies computed now from the raw rows (summed), without the kept rows."""
    today = today or timezone.localdate()
    rows = [{**regency_figures(regency, month, today)} for regency in Regency.objects.filter(pk__in=regency_ids)]
    return _labelled(_summed(rows, today), month)


# --- what the pages show ----------------------------------------------------------------------------------------


def regency_recap(regency: Regency, month: date, *, today: date | None = None, full: bool = False) -> dict:
    """A regency's recap page: its kept row for a closed month (computed and kept here if the job has not yet, or
    computed now while a change waits for the job), computed now for the open month; with its BAs (linked) and
    the cooperatives not visited (the first SHOWN_NOT_VISITED, or all of them with `full`)."""
    today = today or regency_today(regency)
    row = None
    if month < month_start(today):
        row = RegencyRecap.objects.filter(regency=regency, month=month).first()
        if row is None:
            recap_store([regency.pk], month, today=today)
            row = RegencyRecap.objects.filter(regency=regency, month=month).first()
    if row is not None and not row.stale:
        values = {name: getattr(row, name) for name in [*COUNTS, *STORED]}
        computed_at = row.computed_at
    else:
        values, computed_at = regency_figures(regency, month, today), timezone.now()
    figures = _labelled(_summed([values], today), month)
    figures["computed_at"] = computed_at
    mentor_url = url_maker("mentors:mentor_detail")
    figures["ba_rows"] = [{**r, "url": mentor_url(r["mentor"])} for r in values["ba_rows"]]
    end = next_month(month)
    unvisited = Cooperative.objects.filter(village__district__regency_id=regency.pk).exclude(
        Exists(Visit.objects.filter(cooperative=OuterRef("pk"), date__gte=month, date__lt=end))
    )
    unvisited = unvisited.order_by("village__code").values_list(
        "pk", "name", "stage", "village__code", "village__name", "village__district__name"
    )
    rows = unvisited.iterator(chunk_size=2000) if full else unvisited[:SHOWN_NOT_VISITED]
    cooperative_url = url_maker("cooperatives:cooperative_detail")
    unvisited_rows = (Unvisited(*row, url=cooperative_url(row[0])) for row in rows)
    figures["not_visited"] = unvisited_rows if full else list(unvisited_rows)
    return figures


SENTINEL = 987654321


def url_maker(name: str):
    """pk → the URL of `name` (a pattern with one `pk`), reversed once: a regency's page links hundreds of rows."""
    pattern = reverse(name, kwargs={"pk": SENTINEL})
    return lambda pk: pattern.replace(str(SENTINEL), str(pk))


@dataclass(frozen=True)
class Unvisited:
    """A cooperative not visited in the month, as the recap lists it (values, not model instances: a regency's
    list has hundreds)."""

    pk: int
    name: str
    stage: str
    code: str
    village: str
    district: str
    url: str

    def get_absolute_url(self) -> str:
        return self.url

    def get_stage_display(self) -> str:
        return str(dict(Stage.choices).get(self.stage, self.stage))


ROW_FIELDS = [
    *COUNTS,
    "stages",
    "readiness",
    "reports",
    "due_on",
    "programme",
    "stale",
    "computed_at",
    "regency_id",
    "regency__code",
    "regency__name",
    "regency__province__code",
    "regency__province__name",
]


def table_recap(regency_ids: list[int], month: date, *, by: str, today: date | None = None) -> dict:
    """A province's or the nation's recap: a row per regency (`by="regency"`) or province (`by="province"`) summing
    the regencies' kept rows, and their total. Regencies whose row the job has not computed yet are counted in
    `missing` (a few are computed here; for more the job is asked, once, and the page says so)."""
    today = today or timezone.localdate()
    rows = list(
        RegencyRecap.objects.filter(month=month, regency_id__in=regency_ids)
        .order_by("regency__code")
        .values(*ROW_FIELDS)
    )
    missing = sorted(set(regency_ids) - {row["regency_id"] for row in rows})
    if missing and (len(missing) <= COMPUTED_ON_A_PAGE and month < month_start(today)):
        recap_store(missing, month, today=today)
        rows = list(
            RegencyRecap.objects.filter(month=month, regency_id__in=regency_ids)
            .order_by("regency__code")
            .values(*ROW_FIELDS)
        )
        missing = []
    elif (missing or any(not row["programme"] for row in rows)) and cache.add(f"recap:asked:{month:%Y-%m}", True, 600):
        # Rows not computed yet, or kept before the land, outlet and financing figures were counted (marked stale
        # then): the job computes them.
        from .tasks import recap_month_refresh

        recap_month_refresh.enqueue(month=month.isoformat())
    groups = defaultdict(list)
    names = {}
    for row in rows:
        key = row["regency__code"] if by == "regency" else row["regency__province__code"]
        names[key] = row["regency__name"] if by == "regency" else row["regency__province__name"]
        groups[key].append(row)
    table = []
    for key in sorted(groups):
        summed = _summed(groups[key], today)
        summed.update(
            code=key,
            name=names[key],
            regencies=len(groups[key]),
            stage_operating=summed["stages"].get(Stage.OPERATING, 0),
            ba_late=summed["reports"]["ba"]["late_sent"] + summed["reports"]["ba"]["late_unsent"],
        )
        table.append(summed)
    figures = _labelled(_summed(rows, today), month)
    figures.update(
        table=table,
        by=by,
        missing=len(missing),
        stale=sum(1 for row in rows if row["stale"]),
        computed_at=min((row["computed_at"] for row in rows), default=None),
    )
    return figures


def ba_rows_of(regency_ids: list[int], month: date):
    """Every BA row of the regencies' kept rows of a month, regency by regency, as they are read (for the Excel
    download of a province or the nation: a few rows in memory at a time)."""
    rows = (
        RegencyRecap.objects.filter(month=month, regency_id__in=regency_ids)
        .order_by("regency__code")
        .values_list("regency__code", "regency__name", "ba_rows")
    )
    for code, name, bas in rows.iterator(chunk_size=20):
        for row in bas:
            yield [code, name, row["name"], row["territory"], row["villages"], row["visits"], row["cooperatives"]]


# --- the workbook -----------------------------------------------------------------------------------------------


def summary_rows(figures: dict) -> list[list]:
    from django.utils.translation import gettext as _

    summary = [
        [_("Villages"), figures["villages"]],
        [_("Villages with a BA"), figures["covered"]],
        [_("Cooperatives"), figures["cooperatives"]],
        [_("Ready for financing"), figures["ready"]],
        [_("Visits"), figures["visits"]],
        [_("Cooperatives not visited"), figures["not_visited_count"]],
        [_("Follow-ups overdue at month end"), figures["overdue"]],
    ]
    summary += [[str(label), "–" if count is None else count] for _key, label, count in figures["programme_rows"]]
    summary += [[str(label), count] for _value, label, count in figures["stages"]]
    summary += [[f"{_('Financing readiness')}: {label}", count] for label, count in figures["readiness"]]
    for role, label in (("ba", _("BA reports")), ("pmo", _("PMO reports"))):
        counts = figures["reports"].get(role, {})
        summary += [
            [f"{label}: {_('expected')}", counts.get("expected", 0)],
            [f"{label}: {_('sent')}", counts.get("sent", 0)],
            [f"{label}: {_('accepted')}", counts.get("accepted", 0)],
            [f"{label}: {_('late, sent')}", counts.get("late_sent", 0)],
            [f"{label}: {_('late, not sent')}", counts.get("late_unsent", 0)],
        ]
    return summary


def recap_rows(figures: dict) -> list[tuple[str, list, object]]:
    """A regency's recap as workbook sheets: (title, headers, rows); the cooperatives not visited may be an
    iterator, read as the sheet is written."""
    from django.utils.translation import gettext as _

    bas = [
        [row["name"], row["territory"], row["villages"], row["visits"], row["cooperatives"]]
        for row in figures["ba_rows"]
    ]
    unvisited = ([c.code, c.village, c.district, c.name, c.get_stage_display()] for c in figures["not_visited"])
    return [
        (_("Recap"), [_("Figure"), _("Count")], summary_rows(figures)),
        (
            _("Visits per BA"),
            [_("Business Assistant"), _("BA territory"), _("Villages"), _("Visits"), _("Cooperatives visited")],
            bas,
        ),
        (_("Not visited"), [_("Village code"), _("Village"), _("District"), _("Cooperative"), _("Stage")], unvisited),
    ]


def table_sheets(figures: dict, regency_ids: list[int], month: date) -> list[tuple[str, list, object]]:
    """A province's or the nation's recap as workbook sheets: the summary, the table, and every BA row of its
    regencies read from the kept rows as the sheet is written."""
    from django.utils.translation import gettext as _

    title = _("Provinces") if figures["by"] == "province" else _("Regencies")
    headers = [
        _("Code"),
        title,
        _("Villages"),
        _("Villages with a BA"),
        _("Cooperatives"),
        _("Operating"),
        _("Ready for financing"),
        _("Visits"),
        _("Cooperatives not visited"),
        _("Follow-ups overdue at month end"),
        f"{_('BA reports')}: {_('expected')}",
        f"{_('BA reports')}: {_('sent')}",
        f"{_('BA reports')}: {_('late')}",
        *(str(label) for _key, label in PROGRAMME),
    ]
    rows = [
        [
            r["code"],
            r["name"],
            r["villages"],
            r["covered"],
            r["cooperatives"],
            r["stage_operating"],
            r["ready"],
            r["visits"],
            r["not_visited"],
            r["overdue"],
            r["reports"]["ba"]["expected"],
            r["reports"]["ba"]["sent"],
            r["ba_late"],
            *("–" if r["programme"][key] is None else r["programme"][key] for key in PROGRAMME_KEYS),
        ]
        for r in figures["table"]
    ]
    return [
        (_("Recap"), [_("Figure"), _("Count")], summary_rows(figures)),
        (title, headers, rows),
        (
            _("Visits per BA"),
            [
                _("Code"),
                _("Regency"),
                _("Business Assistant"),
                _("BA territory"),
                _("Villages"),
                _("Visits"),
                _("Cooperatives visited"),
            ],
            ba_rows_of(regency_ids, month),
        ),
    ]
