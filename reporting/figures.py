"""The aggregation layer: figures over many rows, pre-aggregated per regency in `RegencyFigures`.

Why a summary table: the figures are the same for everyone who sees a regency, so they are computed once per
regency (a few GROUP BY statements for the whole country) instead of once per page view, and a province or
the nation is a sum over at most 514 rows. The table lives in the database every node already shares, so it
needs no extra service (`make run` stays dependency-free) and no per-process state; materialised views would
tie the code to PostgreSQL, and a shared cache would still have to recompute the nation's figures from the
raw rows whenever its entry expires.

Freshness: a row is refreshed when it is older than `settings.FIGURES_MAX_AGE` (60 s) or counts another
month. The first page that finds stale rows claims the refresh (one claim row, taken with a conditional
UPDATE, so one request among all workers and nodes refreshes) and the others show the rows as they are, with
their time. `manage.py refresh_figures` does the same from a timer, so that pages seldom pay for it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cooperatives.models import Cooperative, FollowUp, MonthlyReport, Stage, StageChange, Visit, VisitFile
from cooperatives.selectors import last_visit_date, month_start
from mentors.models import Mentor
from offices.models import OfficeSettings, setting
from regions import timezones
from regions.models import District, Regency, Village
from territories import coverage
from toolkit.lookups import any_of

from .models import DistrictFigures, MonthlyFigures, RegencyFigures

STAGES = Stage.values
STATUSES = ["draft", "submitted", "returned", "accepted"]
# The per-district figures (DistrictFigures), which a regency's row sums.
DISTRICT_COUNTS = ["villages", "villages_covered", "bas", "cooperatives", "stage_operating", "visits_30_days",
                   "cooperatives_visited_30_days", "recency_green", "recency_amber", "recency_red",
                   "follow_ups_overdue"]
# Computed with the districts' rows but kept only in the regency's (and the month's) rows.
EARLIER_COUNTS = ["visits_prev_30_days", "cooperatives_visited_prev_30_days", "visits_this_month",
                  "cooperatives_visited_this_month", "visits_last_month", "cooperatives_visited_last_month"]
COUNTS = ["districts", "desa", "kelurahan", "pmo_active", "ba_active", "pmo_inactive", "ba_inactive",
          "visits_30_days", "cooperatives_visited_30_days", "visits_prev_30_days", "cooperatives_visited_prev_30_days",
          "villages_covered", "recency_green", "recency_amber", "recency_red", "follow_ups_overdue", "plans_draft",
          "reports_waiting", "reports_late",
          *(f"stage_{stage}" for stage in STAGES), *(f"reports_{status}" for status in STATUSES)]
MONTHLY_ACTIVITY = ["visits", "stage_changes", "cooperatives_visited"]
MONTHLY_SNAPSHOT = ["villages_covered", "cooperatives", "stage_operating", "ba_active", "pmo_active",
                    "visits_30_days", "cooperatives_visited_30_days", "reports_in"]
TREND_MONTHS = 12
COMPUTED_ON_A_PAGE = 20  # regencies whose first figures a page may compute (an office's own)


def share(part: int, whole: int) -> int | None:
    """A whole percentage, or None where there is nothing to divide."""
    return round(100 * part / whole) if whole else None


def recency_bucket(last: date | None, *, today: date, amber_days: int, red_days: int) -> str:
    """"green" for fewer days since the last visit than the amber limit (as "visited in the last 30 days": a
    visit on a date after today - 30), "amber" for fewer than the red limit, "red" otherwise or never. The
    refresh counts the same buckets in SQL (`district_rows`)."""
    if last is not None and last > today - timedelta(days=amber_days):
        return "green"
    if last is not None and last > today - timedelta(days=red_days):
        return "amber"
    return "red"


def recency_labels(amber_days: int, red_days: int) -> dict[str, str]:
    return {"green": _("visited in the last %(days)s days") % {"days": amber_days},
            "amber": _("last visit %(amber)s–%(red)s days ago") % {"amber": amber_days, "red": red_days},
            "red": _("no visit for %(red)s days or more, or never") % {"red": red_days}}


@dataclass
class Figures:
    """The figures of a set of regencies, summed; `computed_at` is the time of the oldest row."""

    regencies: int = 0
    per_regency: list[dict] | None = None  # the rows themselves, for a few regencies (an office's)
    computed_at: datetime | None = None
    month: date | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name):
        if name in COUNTS:
            return self.counts.get(name, 0)
        raise AttributeError(name)

    @property
    def villages(self) -> int:
        return self.counts.get("desa", 0) + self.counts.get("kelurahan", 0)

    @property
    def cooperatives(self) -> int:
        return sum(self.stages.values())

    @property
    def stages(self) -> dict[str, int]:
        return {stage: self.counts.get(f"stage_{stage}", 0) for stage in STAGES}

    @property
    def reports(self) -> dict[str, int]:
        return {status: self.counts.get(f"reports_{status}", 0) for status in STATUSES}

    @property
    def coverage(self) -> int | None:
        return share(self.counts.get("villages_covered", 0), self.villages)

    @property
    def visited_share(self) -> int | None:
        return share(self.counts.get("cooperatives_visited_30_days", 0), self.cooperatives)


# --- computing figures from the raw rows ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The rows figures are computed over: whole regencies (all when `regency_ids` is None), or a mentor's area
    (a BA's villages, a PMO's districts) in their regency. For a mentor's area the cooperatives are read first,
    and the visits and follow-ups are reached through their ids, so that no statement joins the visits of the
    whole country to find a mentor's few."""

    regency_ids: tuple[int, ...] | None = None
    village_ids: tuple[int, ...] | None = None
    district_ids: tuple[int, ...] | None = None
    cooperative_districts: dict | None = None  # {cooperative id: district id} of a mentor's area

    @classmethod
    def of_area(cls, *, regency_id: int, village_ids=None, district_ids=None) -> "Scope":
        area = cls(regency_ids=(regency_id,), village_ids=None if village_ids is None else tuple(village_ids),
                   district_ids=None if district_ids is None else tuple(district_ids))
        districts = dict(Cooperative.objects.filter(area.villages("village")).order_by()
                         .values_list("pk", "village__district_id"))
        return cls(regency_ids=area.regency_ids, village_ids=area.village_ids, district_ids=area.district_ids,
                   cooperative_districts=districts)

    @property
    def is_area(self) -> bool:
        return self.village_ids is not None or self.district_ids is not None

    @property
    def cooperative_ids(self) -> tuple[int, ...] | None:
        return None if self.cooperative_districts is None else tuple(self.cooperative_districts)

    def villages(self, path: str = "") -> Q:
        """A filter on the village reached by `path` ("" for Village itself)."""
        prefix = f"{path}__" if path else ""
        if self.district_ids is not None:
            return Q(**{f"{prefix}district_id__in": self.district_ids})
        if self.village_ids is not None:
            return Q(**{f"{path}_id__in" if path else "id__in": self.village_ids})
        if self.regency_ids is None:
            return Q()
        return Q(**{f"{prefix}district__regency_id__in": self.regency_ids})

    def cooperatives(self, path: str = "") -> Q:
        """A filter on the cooperative reached by `path` ("" for Cooperative itself); from another table of a
        mentor's area, by the cooperatives' ids."""
        if path and self.cooperative_districts is not None:
            return any_of(f"{path}_id", self.cooperative_districts)  # one array parameter, not 400-odd
        return self.villages(f"{path}__village" if path else "village")

    def narrowed(self, regency_ids) -> "Scope":
        if self.is_area:
            return self
        if self.regency_ids is None:
            return Scope(regency_ids=tuple(regency_ids))
        return Scope(regency_ids=tuple(set(self.regency_ids) & set(regency_ids)))


def evidence_counts(month: date) -> dict:
    """Aggregates of a visits query grouped by mentor: the visits dated in `month` (or after it) with evidence (at
    least one photo or document) and without. Each visit is looked up in the files' index by its id (no join that
    multiplies the visits)."""
    has_file = Exists(VisitFile.objects.filter(visit_id=OuterRef("pk")))
    # The date first: PostgreSQL evaluates the condition left to right, so the files' index is probed only for the
    # month's visits, not for every visit the statement reads (a PMO's team: 5,000 visits for one month's few).
    in_month = Q(date__gte=month)
    return {"evidence_with": Count("id", filter=in_month & Q(has_file)),
            "evidence_without": Count("id", filter=in_month & ~Q(has_file))}


def visits_per_mentor(mentor_ids, *, today: date) -> dict[int, dict]:
    """{mentor id: {visits_30_days, evidence_with, evidence_without}}: visits in the last 30 days, and this
    month's visits with and without evidence (one GROUP BY statement)."""
    month = today.replace(day=1)
    since = today - timedelta(days=30)
    rows = (Visit.objects.filter(mentor_id__in=list(mentor_ids), date__gte=min(month, since + timedelta(days=1)),
                                 date__lte=today)
            .order_by().values("mentor_id")
            .annotate(visits_30_days=Count("id", filter=Q(date__gt=since)), **evidence_counts(month)))
    return {row.pop("mentor_id"): row for row in rows}


def _grouped(queryset, group: str, *keys: str, **aggregates) -> dict:
    """{(group, *keys): {aggregate: value}} from one GROUP BY statement."""
    rows = queryset.order_by().values(group, *keys).annotate(**aggregates)
    return {(row[group], *(row[k] for k in keys)): row for row in rows}


def _limits(scope: Scope) -> dict[tuple[int, int], list[int]]:
    """The regencies of the scope by their recency limits (amber days, red days): usually one pair."""
    regencies = Regency.objects.all()
    if scope.regency_ids is not None:
        regencies = regencies.filter(pk__in=scope.regency_ids)
    pairs: dict[tuple[int, int], list[int]] = {}
    for pk, amber, red in regencies.values_list("pk", setting("recency_amber_days"), setting("recency_red_days")):
        pairs.setdefault((amber, red), []).append(pk)
    return pairs


def district_rows(scope: Scope, *, today: date, regency: Regency | None = None) -> dict[int, dict]:
    """The per-district figures of the scope, {district id: {regency, DISTRICT_COUNTS…, last_visit}}, from one
    GROUP BY statement per kind of figure (and one more per distinct pair of recency limits). `regency`: the one
    regency of a mentor's area, whose limits the page reads anyway (no statement for them here)."""
    since = today - timedelta(days=30)
    rows: dict[int, dict] = {}

    def row(district_id, regency_id=None, code="", name=""):
        if district_id not in rows:
            rows[district_id] = {"regency": regency_id, "code": code, "name": name, "last_visit": None,
                                 "stages": {}, **dict.fromkeys(DISTRICT_COUNTS + EARLIER_COUNTS, 0)}
        return rows[district_id]

    villages = Village.objects.filter(scope.villages())
    if scope.is_area:
        # The area's regency named as well: the districts' names are then read from its 27-odd districts, not from
        # a hash of the country's 7,285.
        villages = villages.filter(district__regency_id__in=scope.regency_ids)
    for item in (villages.order_by()
                 .values("district_id", "district__regency_id", "district__code", "district__name")
                 .annotate(n=Count("id"))):
        row(item["district_id"], item["district__regency_id"], item["district__code"],
            item["district__name"])["villages"] = item["n"]
    # A mentor's area: the links of its regency's plan alone (the refresh of many regencies keeps its own plan).
    plans_of = scope.regency_ids if scope.is_area else None
    for district_id, item in coverage.covered_per_district(scope.villages, regency_ids=plans_of).items():
        row(district_id).update(villages_covered=item["n"], bas=item["bas"])
    if regency is not None and scope.regency_ids == (regency.pk,):
        limits = OfficeSettings.of(regency)
        pairs = {(limits.recency_amber_days, limits.recency_red_days): [regency.pk]}
    else:
        pairs = _limits(scope)
    for (amber, red), regency_ids in pairs.items():
        cooperatives = Cooperative.objects.filter(scope.narrowed(regency_ids).cooperatives(),
                                                  village__district__regency_id__in=regency_ids)
        cooperatives = cooperatives.annotate(last=last_visit_date())
        # `last` is a correlated lookup of the newest entry of visit_cooperative_date_idx: each reference costs one
        # probe per cooperative, so it is referenced three times, not four (amber = recent - green).
        for (district_id,), item in _grouped(
                cooperatives, "village__district_id", n=Count("id"),
                **{f"stage_{stage}": Count("id", filter=Q(stage=stage)) for stage in STAGES},
                # Green: fewer days since the last visit than the amber limit, like "visited in the last 30
                # days" (a visit on date > today - 30); amber: fewer than the red limit; red: the rest.
                green=Count("id", filter=Q(last__gt=today - timedelta(days=amber))),
                recent=Count("id", filter=Q(last__gt=today - timedelta(days=red))),
                latest=Max("last")).items():
            target = row(district_id)
            target["stages"] = {stage: item[f"stage_{stage}"] for stage in STAGES}
            target.update(cooperatives=item["n"], stage_operating=item["stage_operating"], recency_green=item["green"],
                          recency_amber=item["recent"] - item["green"], recency_red=item["n"] - item["recent"],
                          last_visit=item["latest"])
    # The last 30 days, the 30 before them, this month and last month in one pass (a cooperative lies in one
    # district, so the districts' distinct counts add up to the regency's).
    before, month = today - timedelta(days=60), month_start(today)
    previous_month = month_start(month - timedelta(days=1))
    windows = {"": Q(date__gt=since), "_before": Q(date__gt=before, date__lte=since),
               "_month": Q(date__gte=month), "_last_month": Q(date__gte=previous_month, date__lt=month)}
    visits = Visit.objects.filter(scope.cooperatives("cooperative"), date__gte=min(before, previous_month),
                                  date__lte=today)
    counted = {}
    for suffix, window in windows.items():
        counted[f"n{suffix}"] = Count("id", filter=window)
        counted[f"cooperatives{suffix}"] = Count("cooperative_id", distinct=True, filter=window)
    names = {"": ("visits_30_days", "cooperatives_visited_30_days"),
             "_before": ("visits_prev_30_days", "cooperatives_visited_prev_30_days"),
             "_month": ("visits_this_month", "cooperatives_visited_this_month"),
             "_last_month": ("visits_last_month", "cooperatives_visited_last_month")}
    if scope.cooperative_districts is None:
        for (district_id,), item in _grouped(visits, "cooperative__village__district_id", **counted).items():
            row(district_id).update({name: item[f"{kind}{suffix}"] for suffix, pair in names.items()
                                     for kind, name in zip(("n", "cooperatives"), pair, strict=True)})
    else:
        # A mentor's: counted per cooperative (the index of visits by cooperative and date alone), then summed per
        # district here; joined on to the villages, PostgreSQL hashes all 83,762 cooperatives first (~100 ms).
        per_cooperative = {f"n{suffix}": Count("id", filter=window) for suffix, window in windows.items()}
        for (cooperative_id,), item in _grouped(visits, "cooperative_id", **per_cooperative).items():
            target = row(scope.cooperative_districts[cooperative_id])
            for suffix, (visits_name, visited_name) in names.items():
                target[visits_name] += item[f"n{suffix}"]
                target[visited_name] += 1 if item[f"n{suffix}"] else 0
    overdue = FollowUp.objects.filter(scope.cooperatives("visit__cooperative"), done=False, due_date__lt=today)
    if scope.cooperative_districts is None:
        for (district_id,), item in _grouped(overdue, "visit__cooperative__village__district_id",
                                             n=Count("id")).items():
            row(district_id)["follow_ups_overdue"] = item["n"]
    else:
        # A mentor's: counted per cooperative through the follow-ups' own cooperative, which PostgreSQL answers from
        # followup_cooperative_due_idx alone (through the visits it walked 5,615 of a PMO's visits: ~50 ms).
        overdue = FollowUp.objects.filter(scope.cooperatives("cooperative"), done=False, due_date__lt=today)
        for (cooperative_id,), item in _grouped(overdue, "cooperative_id", n=Count("cooperative_id")).items():
            row(scope.cooperative_districts[cooperative_id])["follow_ups_overdue"] += item["n"]
    return rows


def monthly_activity(scope: Scope, *, first: date, last: date, by_regency: bool = True,
                     with_visits: bool = True) -> dict:
    """Visits, cooperatives visited and stage changes per month from `first` to the end of `last`'s month:
    {(regency id, month) or (month,): {visits, cooperatives_visited, stage_changes}} (without the visits'
    statement when `with_visits` is False)."""
    until = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    key = ("cooperative__village__district__regency_id",) if by_regency else ()
    visits = (Visit.objects.filter(scope.cooperatives("cooperative"), date__gte=first, date__lt=until)
              .annotate(period=TruncMonth("date")).order_by().values(*key, "period")
              .annotate(n=Count("id"), cooperatives=Count("cooperative_id", distinct=True))) if with_visits else []
    changes_key = ("cooperative__village__district__regency_id",) if by_regency else ()
    changes = (StageChange.objects.filter(scope.cooperatives("cooperative"), reached_on__gte=first,
                                          reached_on__lt=until)
               .annotate(period=TruncMonth("reached_on")).order_by().values(*changes_key, "period")
               .annotate(n=Count("id")))
    result: dict = {}

    def at(item, path):
        period = item["period"]
        period = period.date() if isinstance(period, datetime) else period
        k = (item[path], period) if by_regency else (period,)
        return result.setdefault(k, dict.fromkeys(MONTHLY_ACTIVITY, 0))

    for item in visits:
        at(item, key[0] if key else None).update(visits=item["n"], cooperatives_visited=item["cooperatives"])
    for item in changes:
        at(item, changes_key[0] if changes_key else None)["stage_changes"] = item["n"]
    return result


def months_back(month: date, count: int) -> list[date]:
    """`count` month starts ending with `month`, oldest first."""
    months = [month]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return months[::-1]


def figures_refresh(*, regency_ids=None, today: date | None = None) -> int:
    """Recompute the figures of these regencies (all when None): their districts' rows, their own row and the
    month's row, with one GROUP BY per kind of figure whatever their number."""
    regencies = Regency.objects.all() if regency_ids is None else Regency.objects.filter(pk__in=regency_ids)
    read = list(regencies.values_list("pk", setting("report_due_day"), "time_zone"))
    if today is None:
        # Each regency's figures are of its own day: regencies in different time zones are refreshed per zone.
        zones: dict[str, list[int]] = {}
        for pk, _due, name in read:
            zones.setdefault(name, []).append(pk)
        if len(zones) > 1:
            return sum(figures_refresh(regency_ids=ids, today=timezones.today_in(name))
                       for name, ids in sorted(zones.items()))
        today = timezones.today_in(next(iter(zones), timezones.DEFAULT))
    month = month_start(today)
    previous_month = month_start(month - timedelta(days=1))
    policy = {pk: due for pk, due, _zone in read}
    ids = list(policy)
    scope = Scope(regency_ids=None if regency_ids is None else tuple(ids))

    def where(path):
        return Q() if regency_ids is None else Q(**{f"{path}__in": ids})

    now = timezone.now()
    districts = district_rows(scope, today=today)
    district_count = _grouped(District.objects.filter(where("regency_id")), "regency_id", n=Count("id"))
    villages = _grouped(Village.objects.filter(where("district__regency_id")), "district__regency_id", "kind",
                        n=Count("id"))
    mentors = _grouped(Mentor.objects.filter(where("regency_id")), "regency_id", "role", "is_active", n=Count("id"))
    reports = _grouped(MonthlyReport.objects.filter(where("mentor__regency_id"), month=month,
                                                    mentor__is_active=True),
                       "mentor__regency_id", "status", n=Count("id"))
    waiting = _grouped(MonthlyReport.objects.filter(where("mentor__regency_id"), status="submitted"),
                       "mentor__regency_id", n=Count("id"))
    # Late: last month's reports not sent at all after the due day (a returned one was sent), of the active BAs
    # whose territory held villages at that month's end (a BA without one owes no report).
    owing = coverage.bas_covering_on(month - timedelta(days=1), path="mentor")
    expected_previous = _grouped(Mentor.objects.filter(
        where("regency_id"), coverage.bas_covering_on(month - timedelta(days=1)), role=Mentor.Role.BA,
        is_active=True), "regency_id", n=Count("id"))
    previous_in = _grouped(MonthlyReport.objects.filter(where("mentor__regency_id"), owing, month=previous_month,
                                                        mentor__is_active=True, mentor__role=Mentor.Role.BA,
                                                        status__in=["submitted", "accepted", "returned"]),
                           "mentor__regency_id", n=Count("id"))
    drafts = _grouped(coverage.draft_plans().filter(where("regency_id")),
                      "regency_id", n=Count("id"))
    sums: dict[int, dict] = {pk: {**dict.fromkeys(DISTRICT_COUNTS + EARLIER_COUNTS, 0), "last_visit": None,
                                  "stages": dict.fromkeys(STAGES, 0)} for pk in ids}
    district_objects = []
    for district_id, values in districts.items():
        total = sums.get(values["regency"])
        if total is None:
            continue
        for name in DISTRICT_COUNTS + EARLIER_COUNTS:
            total[name] += values[name]
        for stage, count in values["stages"].items():
            total["stages"][stage] += count
        if values["last_visit"] and (total["last_visit"] is None or values["last_visit"] > total["last_visit"]):
            total["last_visit"] = values["last_visit"]
        district_objects.append(DistrictFigures(district_id=district_id, regency_id=values["regency"],
                                                computed_at=now, last_visit=values["last_visit"],
                                                **{name: values[name] for name in DISTRICT_COUNTS}))

    rows, snapshots = [], []
    for regency_id in ids:
        def total(table, *key, regency_id=regency_id):
            return table.get((regency_id, *key), {}).get("n", 0)

        ba_active = total(mentors, "ba", True)
        late = max(0, total(expected_previous) - total(previous_in)) if today.day > policy[regency_id] else 0
        summed = sums[regency_id]
        row = RegencyFigures(
            regency_id=regency_id, computed_at=now, month=month,
            districts=total(district_count),
            desa=total(villages, "desa") + total(villages, "desa_adat"), kelurahan=total(villages, "kelurahan"),
            pmo_active=total(mentors, "pmo", True), ba_active=ba_active,
            pmo_inactive=total(mentors, "pmo", False), ba_inactive=total(mentors, "ba", False),
            # A cooperative lies in one district: the districts' distinct counts add up to the regency's.
            visits_30_days=summed["visits_30_days"],
            cooperatives_visited_30_days=summed["cooperatives_visited_30_days"],
            visits_prev_30_days=summed["visits_prev_30_days"],
            cooperatives_visited_prev_30_days=summed["cooperatives_visited_prev_30_days"],
            villages_covered=summed["villages_covered"], recency_green=summed["recency_green"],
            recency_amber=summed["recency_amber"], recency_red=summed["recency_red"],
            follow_ups_overdue=summed["follow_ups_overdue"], last_visit=summed["last_visit"],
            plans_draft=total(drafts), reports_waiting=total(waiting), reports_late=late,
            **{f"stage_{stage}": summed["stages"][stage] for stage in STAGES},
            **{f"reports_{status}": total(reports, status) for status in STATUSES},
        )
        rows.append(row)
        snapshots.append(MonthlyFigures(
            regency_id=regency_id, month=month, recorded=True, villages_covered=row.villages_covered,
            cooperatives=summed["cooperatives"], stage_operating=row.stage_operating,
            visits=summed["visits_this_month"], cooperatives_visited=summed["cooperatives_visited_this_month"],
            ba_active=row.ba_active, pmo_active=row.pmo_active, visits_30_days=row.visits_30_days,
            cooperatives_visited_30_days=row.cooperatives_visited_30_days,
            reports_in=row.reports_submitted + row.reports_accepted))
    # Only rows whose figures changed are written (a minute changes few of the country's 7,285 districts); the
    # time of the regencies' rows is set for all of them in one statement.
    regency_fields, district_fields = ["month", "last_visit", *COUNTS], ["regency_id", "last_visit", *DISTRICT_COUNTS]
    held_regencies = _held(RegencyFigures.objects.filter(where("regency_id")), "regency_id", regency_fields)
    held_districts = _held(DistrictFigures.objects.filter(where("regency_id")), "district_id", district_fields)
    rows = [r for r in rows if held_regencies.get(r.regency_id) != _values(r, regency_fields)]
    district_objects = [d for d in district_objects
                        if held_districts.get(d.district_id) != _values(d, district_fields)]
    with transaction.atomic():
        RegencyFigures.objects.filter(where("regency_id")).update(computed_at=now)
        RegencyFigures.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["regency"], batch_size=1000,
            update_fields=["computed_at", "month", "last_visit", *COUNTS])
        DistrictFigures.objects.bulk_create(
            district_objects, update_conflicts=True, unique_fields=["district"], batch_size=1000,
            update_fields=["regency", "computed_at", "last_visit", *DISTRICT_COUNTS])
        last_month = {pk: {"visits": sums[pk]["visits_last_month"],
                           "cooperatives_visited": sums[pk]["cooperatives_visited_last_month"]} for pk in ids}
        _monthly_refresh(scope, ids, snapshots, last_month, month=month, previous_month=previous_month, today=today)
    return len(ids)


def _held(queryset, key: str, fields: list[str]) -> dict:
    return {row[0]: tuple(row[1:]) for row in queryset.values_list(key, *fields)}


def _values(row, fields: list[str]) -> tuple:
    return tuple(getattr(row, name) for name in fields)


def _monthly_refresh(scope: Scope, ids: list[int], snapshots: list[MonthlyFigures], last_month: dict, *, month,
                     previous_month, today) -> None:
    """This month's row with its snapshot, and last month's activity again (visits may be recorded late), from
    the visits the districts' statement counted; the stage changes of both months; the activity of the older
    months of the trend only where a regency has no row for them yet (the first refresh of a new install)."""
    window = months_back(month, TREND_MONTHS)
    held = MonthlyFigures.objects.filter(month__gte=window[0])
    if scope.regency_ids is not None:
        held = held.filter(regency_id__in=ids)
    counts = dict(held.order_by().values_list("month").annotate(n=Count("id")))
    missing = [m for m in window[:-2] if counts.get(m, 0) < len(ids)]
    changes = monthly_activity(scope, first=previous_month, last=today, with_visits=False)
    for snapshot in snapshots:
        snapshot.stage_changes = changes.get((snapshot.regency_id, month), {}).get("stage_changes", 0)
    MonthlyFigures.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["regency", "month"], batch_size=1000,
        update_fields=["recorded", *MONTHLY_ACTIVITY, *MONTHLY_SNAPSHOT])
    last = [MonthlyFigures(regency_id=pk, month=previous_month, **last_month[pk],
                           stage_changes=changes.get((pk, previous_month), {}).get("stage_changes", 0))
            for pk in ids]
    MonthlyFigures.objects.bulk_create(last, update_conflicts=True, unique_fields=["regency", "month"],
                                       batch_size=1000, update_fields=MONTHLY_ACTIVITY)
    if missing:
        older = monthly_activity(scope, first=missing[0], last=window[-3])
        MonthlyFigures.objects.bulk_create(
            [MonthlyFigures(regency_id=pk, month=m, **older.get((pk, m), {})) for m in missing for pk in ids],
            ignore_conflicts=True, batch_size=1000)


def _scope(regency_ids):
    rows = RegencyFigures.objects.all()
    return rows if regency_ids is None else rows.filter(regency_id__in=regency_ids)


def _summary(regency_ids) -> dict:
    """The sums of the counts, and how old and for which month the rows are, in one query: an aggregate for
    many regencies, the rows themselves for an office's few (cheaper than compiling the aggregate)."""
    if regency_ids is None or len(regency_ids) > 20:
        return _scope(regency_ids).aggregate(
            rows=Count("pk"), oldest=Min("computed_at"), first_month=Min("month"), last_month=Max("month"),
            **{name: Sum(name) for name in COUNTS})
    rows = list(_scope(regency_ids).order_by("regency__code").values_list(
        "computed_at", "month", *COUNTS, "regency__code", "regency__name"))
    column = {name: index for index, name in enumerate(COUNTS, start=2)}
    summary = {
        "rows": len(rows), "oldest": min((r[0] for r in rows), default=None),
        "first_month": min((r[1] for r in rows), default=None), "last_month": max((r[1] for r in rows), default=None),
        "per_regency": [{"code": r[-2], "name": r[-1], "districts": r[column["districts"]],
                         "villages": r[column["desa"]] + r[column["kelurahan"]]} for r in rows],
    }
    for index, name in enumerate(COUNTS, start=2):
        summary[name] = sum(r[index] for r in rows)
    return summary


def generation() -> int:
    """A number in every key of kept figures: `figures_changed()` moves it on, and all of them are read anew."""
    return cache.get_or_set("figures:generation", 0)


def figures_changed() -> None:
    """Something the figures depend on changed beyond the data (a regency's limits): nothing kept is used again."""
    try:
        cache.incr("figures:generation")
    except ValueError:
        cache.set("figures:generation", 1)


def cached_figures(key: str, compute):
    """What `compute()` returns, kept FIGURES_MAX_AGE seconds under `key` (and the language) in the default cache:
    for figures and pages that are the same for everyone who sees a place. The embedded default cache is each
    process's memory; with a shared cache (Redis) every worker and node reuses the same entry."""
    if not settings.FIGURES_MAX_AGE:
        return compute()
    key = f"figures:{generation()}:{key}:{translation.get_language()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.FIGURES_MAX_AGE)
    return value


def figures_for(regency_ids=None) -> Figures:
    """The summed figures of these regencies (every regency when None), as the refresh job last computed them
    (`reporting.tasks.figures_refresh`, every FIGURES_MAX_AGE seconds): a page never recomputes them, it shows
    their time. Only a few regencies never computed at all (a regency just imported) are computed here, since
    that is cheap; a wider scope waits for the job. The sums are kept in the cache until the oldest of their rows
    turns FIGURES_MAX_AGE old, so that the many pages of a minute do not sum the same rows again."""
    scope = "all" if regency_ids is None else ",".join(map(str, sorted(set(regency_ids))))
    key = f"figures:{generation()}:sum:{scope}"
    kept = cache.get(key) if settings.FIGURES_MAX_AGE else None
    if kept is not None:
        return kept
    summary = _summary(regency_ids)
    few = regency_ids is not None and len(set(regency_ids)) <= COMPUTED_ON_A_PAGE
    if few and summary["rows"] < len(set(regency_ids)):
        figures_refresh(regency_ids=regency_ids)
        summary = _summary(regency_ids)
    figures = Figures(regencies=summary["rows"], per_regency=summary.get("per_regency"),
                      computed_at=summary["oldest"], month=summary["last_month"],
                      counts={name: summary[name] or 0 for name in COUNTS})
    if figures.computed_at and settings.FIGURES_MAX_AGE:
        left = settings.FIGURES_MAX_AGE - (timezone.now() - figures.computed_at).total_seconds()
        if left >= 1:
            cache.set(key, figures, int(left))
    return figures


def regency_rows(figures: Figures, regency_ids=None, *, limit: int = 12) -> list[dict]:
    """The first regencies of the scope with their districts and villages: from the rows `figures` already read
    for an office's few regencies, else from the table (within the same scope)."""
    if figures.per_regency is not None:
        return figures.per_regency[:limit]
    rows = _scope(regency_ids).order_by("regency__code").values_list(
        "regency__code", "regency__name", "districts", "desa", "kelurahan")[:limit]
    return [{"code": code, "name": name, "districts": districts, "villages": desa + kelurahan}
            for code, name, districts, desa, kelurahan in rows]
