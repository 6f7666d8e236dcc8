"""What the dashboards and the "needs you now" lists show, by place and by role.

The office's figures (a regency, a province, the nation) are read from the pre-aggregated tables of
`figures.py`: a few rows, whatever the size of the data. A mentor's figures are computed live over the
mentor's own villages and cooperatives, resolved to id lists first, with the same functions the refresh uses,
so that both say the same thing about the same rows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperatives.handovers import handovers_received
from cooperatives.models import Cooperative, FollowUp, MonthlyReport, Stage, Visit
from cooperatives.months import mentor_month_needing_work
from cooperatives.reports import due_date
from cooperatives.selectors import (
    current_ba_name,
    last_visit_date,
    mentor_cooperatives,
    month_start,
    open_follow_ups,
)
from mentors.access import Access, require
from mentors.models import Mentor
from mentors.selectors import office_overview
from offices.models import OfficeSettings, setting
from regions.models import Province, Regency
from territories import coverage
from territories import selectors as regions
from territories.publishing import plans_refused
from toolkit.links import url_for_each
from toolkit.lookups import any_of

from .access import can_choose_province, can_view_dashboard, sees_office_figures
from .figures import (
    DISTRICT_COUNTS,
    EARLIER_COUNTS,
    MONTHLY_SNAPSHOT,
    TREND_MONTHS,
    Figures,
    Scope,
    district_rows,
    evidence_counts,
    figures_for,
    monthly_activity,
    months_back,
    recency_bucket,
    recency_labels,
    share,
    visits_per_mentor,
)
from .models import DistrictFigures, MonthlyFigures, RegencyFigures

RECENCY_LIST = 25  # the cooperatives longest without a visit, listed on a regency's or a mentor's dashboard
BREAKDOWN_SORTS = ["name", "villages", "coverage", "bas", "cooperatives", "stage_operating", "visits_30_days",
                   "visited_share", "days_since_visit", "follow_ups_overdue"]


# --- the place a dashboard is about -----------------------------------------------------------------


@dataclass
class Place:
    """Nation, province or regency (the office's dashboards) or a mentor's territory."""

    level: str  # "nation", "province", "regency", "offices" (an office's several regencies), "pmo", "ba"
    name: str
    regency_ids: tuple[int, ...] | None = None  # None: every regency
    regency: Regency | None = None
    province: Province | None = None
    mentor: Mentor | None = None
    choices: list = field(default_factory=list)  # (value, label) for the place chooser

    @property
    def is_office(self) -> bool:
        return self.mentor is None

    def query(self) -> str:
        """The query string that chooses this place again (exports, sorting, the map)."""
        if self.level == "regency" and len(self.choices) > 1:
            return f"regency={self.regency.code}"
        if self.level == "province":
            return f"province={self.province.code}"
        return ""


def place_for(user, access: Access, params) -> Place:
    """The place asked for by `?regency=` or `?province=` within the user's scope (404 outside it); without
    one, the office's regency (or all its regencies, or the nation for a superuser), or the mentor's area."""
    if not sees_office_figures(user):
        require(can_view_dashboard(user))
        mentor = access.mentor
        return Place(level=mentor.role, name=mentor.full_name, regency_ids=(mentor.regency_id,),
                     regency=mentor.regency, mentor=mentor)
    visible = access.office_regencies
    regency_code = str(params.get("regency", "")).strip()
    province_code = str(params.get("province", "")).strip()
    choices = _choices(visible)
    if regency_code:
        regency = regions.regency_get_for_user(user, regency_code)
        return Place(level="regency", name=regency.name, regency_ids=(regency.pk,), regency=regency,
                     province=regency.province, choices=choices)
    if province_code and can_choose_province(user):
        provinces = Province.objects.all() if access.sees_everything else Province.objects.filter(
            pk__in=access.reader_province_ids)  # a province reader: another province is not found
        province = get_object_or_404(provinces, code=province_code)
        return _province_place(province, choices)
    if visible is not None and len(access.reader_province_ids) == 1 and not access.office_regency_ids:
        # A province reader starts at their province (the table of its regencies), the first choice.
        province = Province.objects.get(pk=next(iter(access.reader_province_ids)))
        return _province_place(province, [("", province.name), *choices[1:]])
    if visible is None:
        return Place(level="nation", name=_("Indonesia"), choices=choices)
    if len(visible) == 1:
        regency = Regency.objects.select_related("province").get(pk=visible[0])
        return Place(level="regency", name=regency.name, regency_ids=(regency.pk,), regency=regency,
                     province=regency.province, choices=choices)
    return Place(level="offices", name=_("My regencies"), regency_ids=tuple(visible), choices=choices)


def _province_place(province: Province, choices) -> Place:
    ids = tuple(province.regencies.values_list("pk", flat=True))
    return Place(level="province", name=province.name, regency_ids=ids, province=province, choices=choices)


def _choices(visible) -> list[tuple[str, str]]:
    """The chooser: a superuser's provinces (the regencies of one are its table's links), an office's regencies."""
    if visible is None:
        return [("", _("Indonesia"))] + [(f"province={code}", name) for code, name in
                                         Province.objects.order_by("code").values_list("code", "name")]
    if len(visible) == 1:
        return []
    return [("", _("My regencies"))] + [(f"regency={code}", name) for code, name in
                                        Regency.objects.filter(pk__in=visible).order_by("code")
                                        .values_list("code", "name")]


# --- key figures ------------------------------------------------------------------------------------


@dataclass
class KeyFigure:
    label: str
    value: int | None
    unit: str = ""
    change: int | None = None  # since last month; None when the portal holds no figure for then
    detail: str = ""
    kept_monthly: bool = True  # False: no month-end figure is ever kept for it (a mentor's area)

    @property
    def change_sign(self) -> str:
        if self.change is None:
            return ""
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


def _difference(now, then):
    return None if now is None or then is None else now - then


def key_figures(counts: dict, previous: dict | None, month: date | None = None, *,
                kept_monthly: bool = True) -> list[KeyFigure]:
    """The dashboard's headline figures from summed counts (see `sum_counts`), each with its change since last
    month where known: the 30-day figures against the 30 days before, the others against last month's end."""
    p = previous or {}
    coverage = share(counts["villages_covered"], counts["villages"])
    visited = share(counts["cooperatives_visited_30_days"], counts["cooperatives"])
    visited_before = share(counts["cooperatives_visited_prev_30_days"], counts["cooperatives"])
    figures = [
        KeyFigure(_("villages covered by a BA"), coverage, "%",
                  _difference(coverage, share(p["villages_covered"], counts["villages"])) if p else None,
                  _("%(covered)s of %(villages)s") % {"covered": counts["villages_covered"],
                                                      "villages": counts["villages"]}),
        KeyFigure(_("cooperatives operating"), counts["stage_operating"], "",
                  _difference(counts["stage_operating"], p.get("stage_operating")),
                  _("of %(cooperatives)s") % {"cooperatives": counts["cooperatives"]}),
        KeyFigure(_("visits in the last 30 days"), counts["visits_30_days"], "",
                  counts["visits_30_days"] - counts["visits_prev_30_days"]),
        KeyFigure(_("cooperatives visited in the last 30 days"), visited, "%", _difference(visited, visited_before),
                  _("%(visited)s of %(cooperatives)s") % {"visited": counts["cooperatives_visited_30_days"],
                                                          "cooperatives": counts["cooperatives"]}),
    ]
    if "ba_active" in counts:
        figures += [
            KeyFigure(_("active BAs"), counts["ba_active"], "", _difference(counts["ba_active"], p.get("ba_active"))),
            KeyFigure(_("active PMOs"), counts["pmo_active"], "",
                      _difference(counts["pmo_active"], p.get("pmo_active"))),
            KeyFigure(_("reports in for %(month)s") % {"month": _month_name(month)}, counts["reports_in"], "",
                      None, _("of %(bas)s active BAs; %(waiting)s wait for review")
                      % {"bas": counts["ba_active"], "waiting": counts["reports_waiting"]}),
        ]
    for figure in figures:
        figure.kept_monthly = kept_monthly
    return figures


def counts_of(figures: Figures) -> dict:
    counts = dict(figures.counts)
    counts.update(villages=figures.villages, cooperatives=figures.cooperatives,
                  reports_in=figures.reports_submitted + figures.reports_accepted)
    return counts


def previous_month_snapshot(regency_ids, month: date) -> dict | None:
    """Last month's key figures as they stood at its last refresh, summed; None unless every regency has them."""
    rows = MonthlyFigures.objects.filter(month=month_start(month - timedelta(days=1)), recorded=True)
    if regency_ids is not None:
        rows = rows.filter(regency_id__in=regency_ids)
    totals = rows.aggregate(rows=Count("pk"), **{name: Sum(name) for name in MONTHLY_SNAPSHOT})
    wanted = Regency.objects.count() if regency_ids is None else len(regency_ids)
    return totals if totals["rows"] and totals["rows"] == wanted else None


def funnel(stage_counts: dict[str, int]) -> list[dict]:
    """Cooperatives per stage and how many have reached at least each stage."""
    rows, reached = [], sum(stage_counts.values())
    for number, (value, label) in enumerate(Stage.choices, start=1):
        rows.append({"stage": value, "number": number, "label": label, "count": stage_counts.get(value, 0),
                     "reached": reached})
        reached -= stage_counts.get(value, 0)
    return rows


def recency_buckets(counts: dict, regency: Regency | None) -> list[dict]:
    """The three buckets with their counts; several regencies (a province, the nation) use the defaults' labels."""
    limits = OfficeSettings.of(regency) if regency else OfficeSettings()
    labels = recency_labels(limits.recency_amber_days, limits.recency_red_days)
    return [{"key": key, "label": labels[key], "count": counts[f"recency_{key}"]} for key in ("green", "amber", "red")]


# --- tables ------------------------------------------------------------------------------------------


def _breakdown_row(*, code, name, url, counts, today, registry_url=None) -> dict:
    last = counts.get("last_visit")
    return {
        "code": code, "name": name, "url": url, "registry_url": registry_url,
        "villages": counts["villages"], "villages_covered": counts["villages_covered"],
        "coverage": share(counts["villages_covered"], counts["villages"]),
        "bas": counts["bas"], "cooperatives": counts["cooperatives"], "stage_operating": counts["stage_operating"],
        "visits_30_days": counts["visits_30_days"],
        "visited_share": share(counts["cooperatives_visited_30_days"], counts["cooperatives"]),
        "last_visit": last, "days_since_visit": (today - last).days if last else None,
        "follow_ups_overdue": counts["follow_ups_overdue"],
    }


def sort_rows(rows: list[dict], sort: str) -> tuple[list[dict], str]:
    """Rows sorted by a column of BREAKDOWN_SORTS (descending with "-"); unknown columns sort by name."""
    key = sort.lstrip("-")
    if key not in BREAKDOWN_SORTS:
        return rows, "name"
    descending = sort.startswith("-")
    # Empty cells last whichever the direction.
    filled = [row for row in rows if row.get(key) is not None]
    empty = [row for row in rows if row.get(key) is None]
    filled.sort(key=lambda row: (row[key].lower() if isinstance(row[key], str) else row[key]), reverse=descending)
    return filled + empty, sort


def breakdown_columns(kind: str, sort: str, query: str) -> list[dict]:
    """The breakdown table's headers, each a link that sorts by it (again: the other way round)."""
    first = {"district": _("District"), "regency": _("Regency"), "province": _("Province")}[kind]
    labels = {"name": first, "villages": _("Villages"), "coverage": _("Covered by a BA"), "bas": _("BAs"),
              "cooperatives": _("Cooperatives"), "stage_operating": _("Operating"),
              "visits_30_days": _("Visits in 30 days"), "visited_share": _("Visited in 30 days"),
              "days_since_visit": _("Days since the last visit"), "follow_ups_overdue": _("Overdue follow-ups")}
    columns = []
    for key in BREAKDOWN_SORTS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        # The first click puts the districts that need attention first: the fewest covered or visited, the
        # most days since a visit or overdue follow-ups, the largest otherwise; names from A.
        first = key if key in ("name", "coverage", "visited_share") else f"-{key}"
        target = (key if descending else f"-{key}") if current else first
        columns.append({"key": key, "label": labels[key], "num": key != "name",
                        "url": "?" + (f"{query}&" if query else "") + f"sort={target}",
                        "aria_sort": ("descending" if descending else "ascending") if current else ""})
    return columns


def sort_choices(kind: str, sort: str) -> list[dict]:
    """The breakdown's orders for the phone's sort form (on a phone the column headings are hidden): each column
    both ways, the current one chosen."""
    columns = {column["key"]: column["label"] for column in breakdown_columns(kind, sort, "")}
    choices = []
    for key, label in columns.items():
        if key == "name":
            ways = [(key, _("%(column)s, A–Z")), (f"-{key}", _("%(column)s, Z–A"))]
        else:
            ways = [(f"-{key}", _("%(column)s, largest first")), (key, _("%(column)s, smallest first"))]
        choices += [{"value": value, "label": text % {"column": label}, "selected": value == sort}
                    for value, text in ways]
    return choices


def breakdown(place: Place, today: date) -> tuple[str, list[dict]]:
    """The table under the key figures: a regency's districts, a province's regencies, the nation's provinces
    (one query on the pre-aggregated rows)."""
    if place.level == "regency":
        rows = (DistrictFigures.objects.filter(regency=place.regency).select_related("district")
                .order_by("district__code"))
        registry = reverse("cooperatives:cooperative_list")
        regency_param = f"regency={place.regency.pk}&" if len(place.choices) > 1 or place.regency_ids is None else ""
        return "district", [
            _breakdown_row(code=row.district.code, name=row.district.name, url=row.district.get_absolute_url(),
                           registry_url=f"{registry}?{regency_param}district={row.district_id}", today=today,
                           counts={**{name: getattr(row, name) for name in DISTRICT_COUNTS},
                                   "last_visit": row.last_visit})
            for row in rows]
    sums = {name: Sum(name) for name in ["villages_covered", "visits_30_days", "cooperatives_visited_30_days",
                                         "follow_ups_overdue", "ba_active", "desa", "kelurahan",
                                         *(f"stage_{stage}" for stage in Stage.values)]}
    rows = RegencyFigures.objects.all()
    if place.regency_ids is not None:
        rows = rows.filter(regency_id__in=place.regency_ids)
    dashboard = reverse("reporting:dashboard")
    if place.level == "nation":
        group, kind = ("regency__province__code", "regency__province__name"), "province"
    else:
        group, kind = ("regency__code", "regency__name"), "regency"
    result = []
    for item in rows.order_by(*group).values(*group).annotate(last_visit=Max("last_visit"), **sums):
        code, name = item[group[0]], item[group[1]]
        counts = {
            "villages": item["desa"] + item["kelurahan"], "villages_covered": item["villages_covered"],
            "bas": item["ba_active"], "cooperatives": sum(item[f"stage_{s}"] for s in Stage.values),
            "stage_operating": item["stage_operating"], "visits_30_days": item["visits_30_days"],
            "cooperatives_visited_30_days": item["cooperatives_visited_30_days"],
            "follow_ups_overdue": item["follow_ups_overdue"], "last_visit": item["last_visit"]}
        result.append(_breakdown_row(code=code, name=name, url=f"{dashboard}?{kind}={code}", counts=counts,
                                     today=today))
    return kind, result


def trend(regency_ids, month: date) -> list[dict]:
    """Visits and stage changes per month over the last TREND_MONTHS months (one query)."""
    window = months_back(month, TREND_MONTHS)
    rows = MonthlyFigures.objects.filter(month__gte=window[0], month__lte=month)
    if regency_ids is not None:
        rows = rows.filter(regency_id__in=regency_ids)
    sums = {m: s for m, *s in rows.order_by().values("month").annotate(
        v=Sum("visits"), s=Sum("stage_changes"), c=Sum("cooperatives_visited")).values_list("month", "v", "s", "c")}
    return [{"month": m, "visits": (sums.get(m) or [0, 0, 0])[0] or 0,
             "stage_changes": (sums.get(m) or [0, 0, 0])[1] or 0,
             "cooperatives_visited": (sums.get(m) or [0, 0, 0])[2] or 0} for m in window]


def workload(regency: Regency, today: date) -> list[dict]:
    """Villages and cooperatives per BA territory of the plan in force, with visits in the last 30 days."""
    held = Cooperative.objects.filter(coverage.villages_of_territory(OuterRef(OuterRef("pk")), "village"))
    territories = list(coverage.ba_territories_in_force(regency).annotate(cooperatives=Coalesce(Subquery(
        held.order_by().values(one=Value(1)).annotate(n=Count("pk")).values("n")[:1]), 0)))
    visits = visits_per_mentor([t.mentor_id for t in territories if t.mentor_id], today=today)
    none = {"visits_30_days": 0, "evidence_with": 0, "evidence_without": 0}
    low, high = OfficeSettings.of(regency).ba_target
    return [{"territory": t.name, "mentor": t.mentor.full_name if t.mentor else "", "mentor_url":
             t.mentor.get_absolute_url() if t.mentor else "", "villages": t.villages, "cooperatives": t.cooperatives,
             **visits.get(t.mentor_id, none), "target_low": low, "target_high": high,
             "in_target": low <= t.villages <= high} for t in territories]


def recency_list(cooperatives, regency: Regency, today: date, *, limit: int | None = RECENCY_LIST) -> list[dict]:
    """The cooperatives not visited within the amber limit, longest first (never visited first of all)."""
    limits = OfficeSettings.of(regency)
    amber_cut = today - timedelta(days=limits.recency_amber_days)
    rows = (cooperatives.annotate(last=last_visit_date(), ba=current_ba_name(),
                                  ba_id=coverage.ba_id_of_village("village_id"))
            .filter(Q(last__lte=amber_cut) | Q(last__isnull=True))
            .order_by(F("last").asc(nulls_first=True), "village__code")
            .values_list("pk", "village__code", "village__name", "village__district__name", "ba", "ba_id", "last"))
    if limit:
        rows = rows[:limit]
    # Plain rows and one reverse(): the export lists a regency's every stale cooperative (hundreds).
    detail = url_for_each("cooperatives:cooperative_detail")
    return [{"cooperative_id": pk, "code": code, "village": village, "district": district, "ba": ba or "",
             "ba_id": ba_id, "last_visit": last, "days": (today - last).days if last else None,
             "bucket": recency_bucket(last, today=today, amber_days=limits.recency_amber_days,
                                      red_days=limits.recency_red_days),
             "url": detail(pk)} for pk, code, village, district, ba, ba_id, last in rows]


# --- the dashboards ----------------------------------------------------------------------------------


def office_dashboard(place: Place, today: date, *, sort: str = "") -> dict:
    figures = figures_for(None if place.regency_ids is None else list(place.regency_ids))
    month = figures.month or month_start(today)
    counts = counts_of(figures)
    kind, rows = breakdown(place, today)
    rows, sort = sort_rows(rows, sort or "name")
    context = {
        "figures": figures, "computed_at": figures.computed_at,
        "key_figures": key_figures(counts, previous_month_snapshot(place.regency_ids, month), month),
        "funnel": funnel(figures.stages), "breakdown_kind": kind, "breakdown": rows, "sort": sort,
        "columns": breakdown_columns(kind, sort, place.query()),
        "sort_choices": sort_choices(kind, sort), "place_params": parse_qsl(place.query()),
        "recency": recency_buckets(counts, place.regency), "trend": trend(place.regency_ids, month),
    }
    if place.level == "regency":
        regency = place.regency
        cooperatives = Cooperative.objects.filter(village__district__regency=regency)
        context.update(
            workload=workload(regency, today), target=OfficeSettings.of(regency).ba_target,
            recency_list=recency_list(cooperatives, regency, today),
            plans=coverage.current_and_draft_plans(regency))
    return context


def mentor_area(mentor: Mentor) -> Scope:
    """What the plan in force gives a mentor, as a Scope of the figures: a PMO's districts, a BA's villages."""
    mine = coverage.mentor_scope(mentor)
    if mentor.role == Mentor.Role.PMO:
        return Scope.of_area(regency_id=mentor.regency_id, district_ids=mine.district_ids)
    return Scope.of_area(regency_id=mentor.regency_id, village_ids=mine.village_ids)


def mentor_dashboard(mentor: Mentor, today: date) -> dict:
    """A PMO's or BA's figures, computed now over their own area (the same functions as the refresh)."""
    scope = mentor_area(mentor)
    rows = district_rows(scope, today=today, regency=mentor.regency)
    counts = {name: sum(row[name] for row in rows.values()) for name in DISTRICT_COUNTS + EARLIER_COUNTS}
    cooperatives = Cooperative.objects.filter(scope.cooperatives())
    stages = {stage: sum(row["stages"].get(stage, 0) for row in rows.values()) for stage in Stage.values}
    codes = {pk: row["code"] for pk, row in rows.items()}
    names = {pk: row["name"] for pk, row in rows.items()}
    registry = reverse("cooperatives:cooperative_list")
    breakdown_rows = [
        _breakdown_row(code=codes[pk], name=names[pk], url=reverse("regions:district_detail", args=[codes[pk]]),
                       registry_url=f"{registry}?district={pk}", counts=row, today=today)
        for pk, row in rows.items()]
    month = month_start(today)
    window = months_back(month, TREND_MONTHS)
    activity = monthly_activity(scope, first=window[0], last=today, by_regency=False)
    context = {
        "computed_at": None,
        "key_figures": key_figures(counts, None, kept_monthly=False),
        "funnel": funnel(stages), "breakdown_kind": "district",
        "breakdown": sort_rows(breakdown_rows, "name")[0], "sort": "name",
        "columns": breakdown_columns("district", "name", ""),
        "recency": recency_buckets(counts, mentor.regency),
        "trend": [{"month": m, **activity.get((m,), {"visits": 0, "stage_changes": 0, "cooperatives_visited": 0})}
                  for m in window],
        "recency_list": recency_list(cooperatives, mentor.regency, today),
    }
    if mentor.role == Mentor.Role.PMO:
        context["team"] = team_rows(mentor, today)
    return context


def team_rows(pmo: Mentor, today: date) -> list[dict]:
    """A PMO's BAs side by side: villages, visits this month, overdue follow-ups, last visit, report status."""
    team = coverage.pmo_team(pmo)
    ids = [t.mentor_id for t in team if t.mentor_id]
    month = month_start(today)
    shown = mentor_month_needing_work(pmo, today)  # last month's until the team's reports are settled
    seen = {row.pop("mentor_id"): row for row in
            Visit.objects.filter(mentor_id__in=ids, date__lte=today).order_by().values("mentor_id")
            .annotate(n=Count("id", filter=Q(date__gte=month)), d=Max("date"), **evidence_counts(month))}
    visits = {pk: row["n"] for pk, row in seen.items()}
    last = {pk: row["d"] for pk, row in seen.items()}
    # Work follows the village: a follow-up counts for the BA who covers its cooperative's village today, whoever
    # opened it (the PMO's own, written on a PMO's visit, are not the BAs').
    # Counted per village through the follow-ups' cooperative index, then given to the village's BA.
    holders = coverage.team_villages(pmo)
    overdue: dict[int, int] = {}
    for village_id, n in (FollowUp.objects.filter(any_of("cooperative__village_id", holders), done=False,
                                                  due_date__lt=today)
                          .exclude(visit__mentor__role=Mentor.Role.PMO)
                          .order_by().values_list("cooperative__village_id").annotate(n=Count("id"))):
        overdue[holders[village_id]] = overdue.get(holders[village_id], 0) + n
    reports = dict(MonthlyReport.objects.filter(mentor_id__in=ids, month=shown).values_list("mentor_id", "status"))
    # The links of each row, built here once rather than cell by cell in the template.
    rows = [{"territory": t, "mentor": t.mentor, "villages": t.village_count,
             "url": t.mentor.get_absolute_url() if t.mentor else "",
             "report_url": _report_url(t.mentor_id, shown) if t.mentor else "",
             "visits_month": visits.get(t.mentor_id, 0),
             "evidence_with": seen.get(t.mentor_id, {}).get("evidence_with", 0),
             "evidence_without": seen.get(t.mentor_id, {}).get("evidence_without", 0),
             "follow_ups_overdue": overdue.get(t.mentor_id, 0), "last_visit": last.get(t.mentor_id),
             "days_since_visit": (today - last[t.mentor_id]).days if t.mentor_id in last else None,
             "report_month": shown, "report_status": reports.get(t.mentor_id, "missing")} for t in team]
    for row in rows:  # what two of the table's cells say, written once here rather than by a tag per cell
        row["evidence_text"] = _("%(shown)s with, %(missing)s without") % {
            "shown": localize(row["evidence_with"]), "missing": localize(row["evidence_without"])}
        days = row["days_since_visit"]
        row["since_text"] = "" if days is None else _("today") if days == 0 else ngettext(
            "%(days)s day ago", "%(days)s days ago", days) % {"days": localize(days)}
    return rows


# --- needs you now ---------------------------------------------------------------------------------


@dataclass
class Need:
    """One piece of waiting work: what, a link that does it, how urgent ("late", "soon" or "")."""

    text: str
    url: str
    urgency: str = ""
    detail: str = ""
    badge: str = ""  # says who is late or how long it waited, instead of the plain "overdue" or "soon"


def recent_reports(mentor: Mentor, today: date) -> dict[date, MonthlyReport]:
    """A BA's reports of last month and this month, by month."""
    previous = month_start(month_start(today) - timedelta(days=1))
    return {r.month: r for r in MonthlyReport.objects.filter(mentor=mentor, month__gte=previous)}


def handover_needs(mentor: Mentor, today: date) -> list[Need]:
    """What a handover gave the mentor in the last days: the cooperatives with a note (a line each, the note below,
    at most three per handover), the others in one line, and one line per leaver whose report of the month was not
    sent (its month's work in these villages is the successor's)."""
    needs = []
    by_handover: dict[int, list] = {}
    for item in handovers_received(mentor, today):
        by_handover.setdefault(item.handover_id, []).append(item)
    for items in by_handover.values():
        handover = items[0].handover
        words = {"name": handover.leaver.full_name, "day": _day(handover.effective_from)}
        noted = [item for item in items if item.note][:3]
        rest = [item for item in items if item not in noted]
        for item in (noted + rest if len(items) <= 3 else noted):
            needs.append(Need(
                _("%(village)s was handed over to you by %(name)s from %(day)s")
                % {"village": item.cooperative.village.name, **words},
                item.cooperative.get_absolute_url() + "#handover", "soon", item.note[:160], badge=_("handover")))
        if len(items) > 3 and rest:
            needs.append(Need(
                ngettext("%(count)s more village was handed over to you by %(name)s from %(day)s",
                         "%(count)s more villages were handed over to you by %(name)s from %(day)s", len(rest))
                % {"count": len(rest), **words},
                rest[0].cooperative.get_absolute_url() + "#handover", "soon",
                ", ".join(item.cooperative.village.name for item in rest[:8]) + ("…" if len(rest) > 8 else ""),
                badge=_("handover")))
        if handover.report_month:
            needs.append(Need(
                _("%(name)s did not send the report for %(month)s before leaving: the month's work in the villages "
                  "handed to you is yours from %(day)s") % {"month": _month_name(handover.report_month), **words},
                _report_url(mentor.pk, handover.report_month), "soon", badge=_("handover")))
    return needs


def needs_of_ba(mentor: Mentor, today: date, reports: dict | None = None) -> list[Need]:
    regency = mentor.regency
    needs = []
    reports = recent_reports(mentor, today) if reports is None else reports
    returned = list(MonthlyReport.objects.filter(mentor=mentor, status="returned").order_by("month"))
    for report in returned:
        needs.append(Need(_("Your report for %(month)s was returned: correct it and send it again")
                          % {"month": _month_name(report.month)},
                          _report_url(mentor.pk, report.month), "late",
                          report.review_comment))
    due_month = mentor_month_needing_work(mentor, today, reports=reports)  # last month's until it is accepted
    current = reports.get(due_month)
    if current is None or current.status == "draft":
        due = due_date(regency, due_month)
        urgency = "late" if today > due else "soon" if (due - today).days <= 7 else ""
        text = _("Send your report for %(month)s (due %(due)s)")
        needs.append(Need(text % {"month": _month_name(due_month), "due": _day(due)},
                          _report_url(mentor.pk, due_month), urgency))
    needs += handover_needs(mentor, today)
    follow_ups = list(open_follow_ups(mentor).filter(due_date__lte=today + timedelta(days=7))[:6])
    for follow_up in follow_ups[:5]:
        late = follow_up.due_date < today
        needs.append(Need(
            _("%(action)s (due %(due)s)") % {"due": _day(follow_up.due_date), "action": follow_up.action},
            reverse("cooperatives:follow_up_list"), "late" if late else "soon",
            follow_up.visit.cooperative.village.name))
    if len(follow_ups) > 5:
        needs.append(Need(_("More follow-ups due this week"), reverse("cooperatives:follow_up_list"), "soon"))
    cooperatives = mentor_cooperatives(mentor)
    stale = recency_list(cooperatives, regency, today, limit=None)  # a BA's few: one query, counted here
    for row in stale[:3]:
        # Visits have no deadline: a cooperative never visited is not "overdue", it says so.
        never = row["days"] is None
        needs.append(Need(
            _("%(village)s: never visited") % {"village": row["village"]} if never
            else _("%(village)s: no visit for %(days)s days") % {"village": row["village"], "days": row["days"]},
            reverse("cooperatives:visit_create", args=[row["cooperative_id"]]), row["bucket"] == "red" and "late"
            or "soon", _("Record a visit"), badge=str(_("no visit yet")) if never else ""))
    if len(stale) > 3:
        needs.append(Need(_("%(count)s cooperatives have gone %(days)s days or more without a visit")
                          % {"count": len(stale), "days": OfficeSettings.of(regency).recency_amber_days},
                          reverse("reporting:dashboard") + "#recency", "soon"))
    return needs


def needs_of_pmo(mentor: Mentor, today: date, team: list[dict] | None = None,
                 follow_ups: list | None = None) -> list[Need]:
    """BA reports waiting for the PMO (oldest first), BAs quiet for longer than DASHBOARD_IDLE_BA_DAYS, the
    PMO's own overdue follow-ups. `team`: the rows of `team_rows`, when the page has them already; `follow_ups`: the
    first five of `open_follow_ups` (overdue first), when the page has them already."""
    team = team_rows(mentor, today) if team is None else team
    team_ids = [row["mentor"].pk for row in team if row["mentor"]]
    needs = []
    waiting = (MonthlyReport.objects.filter(mentor_id__in=team_ids, status="submitted").select_related("mentor")
               .order_by("submitted_at", "month"))
    waiting = list(waiting[:11])
    for report in waiting[:10]:
        needs.append(_review_need(report, mentor.regency, today))
    if len(waiting) > 10:
        needs.append(Need(_("More reports wait for your review"), reverse("cooperatives:report_list"), "soon"))
    # The BAs whose report is not in after its due day: late on their side, not the reviewer's.
    for row in team:
        due = due_date(mentor.regency, row["report_month"])
        if row["mentor"] is not None and row["report_status"] in ("missing", "draft") and today > due:
            needs.append(Need(_("%(name)s has not sent the report for %(month)s (due %(due)s)")
                              % {"name": row["mentor"].full_name, "month": _month_name(row["report_month"]),
                                 "due": _day(due)},
                              _report_url(row["mentor"].pk, row["report_month"]), "late",
                              row["mentor"].phone_display or "", badge=_("BA late")))
    idle_days = settings.DASHBOARD_IDLE_BA_DAYS
    for row in sorted(team, key=lambda row: row["mentor"].full_name if row["mentor"] else ""):
        ba, days = row["mentor"], row["days_since_visit"]
        if ba is None or (days is not None and days <= idle_days):
            continue
        needs.append(Need(
            _("%(name)s has recorded no visit for %(days)s days") % {"name": ba.full_name, "days": days}
            if days is not None else _("%(name)s has recorded no visit yet") % {"name": ba.full_name},
            ba.get_absolute_url(), "soon", ba.phone_display or ""))
    needs += handover_needs(mentor, today)
    # The first five open ones by due date hold the first five overdue ones.
    follow_ups = list(open_follow_ups(mentor)[:5]) if follow_ups is None else follow_ups[:5]
    for follow_up in (f for f in follow_ups if f.due_date < today):
        needs.append(Need(_("%(action)s (due %(due)s)") % {"due": _day(follow_up.due_date),
                                                            "action": follow_up.action},
                          reverse("cooperatives:follow_up_list"), "late",
                          follow_up.visit.cooperative.village.name))
    # The PMO's own report to the office: last month's until it is sent, or a returned one.
    previous = month_start(month_start(today) - timedelta(days=1))
    # Last month's and this month's, and the returned ones, in one read.
    mine = list(MonthlyReport.objects.filter(Q(month__gte=previous) | Q(status="returned"), mentor=mentor)
                .order_by("month"))
    own = {r.month: r for r in mine if r.month >= previous}
    for report in [r for r in mine if r.status == "returned"][:3]:
        needs.append(Need(_("Your PMO report for %(month)s was returned: correct it and send it again")
                          % {"month": _month_name(report.month)}, _report_url(mentor.pk, report.month), "late",
                          report.review_comment[:120]))
    if previous not in own or own[previous].status == "draft":
        due = due_date(mentor.regency, previous)
        needs.append(Need(_("Send your PMO report for %(month)s to the office (due %(due)s)")
                          % {"month": _month_name(previous), "due": _day(due)}, _report_url(mentor.pk, previous),
                          "late" if today > due else "soon"))
    return needs


def _review_need(report: MonthlyReport, regency, today: date) -> Need:
    """A BA report waiting for the PMO, and who is late with it: the BA when it was sent after its due day;
    otherwise nobody (there is no review deadline), and the badge says how long it has waited."""
    text = _("Review the report of %(name)s for %(month)s") % {"name": report.mentor.full_name,
                                                               "month": _month_name(report.month)}
    url = _report_url(report.mentor_id, report.month)
    if report.submitted_at is None:
        return Need(text, url, "soon")
    sent = timezone.localdate(report.submitted_at)
    due = due_date(regency, report.month)
    waited = (today - sent).days
    detail = _("sent %(day)s") % {"day": _day(sent)}
    if sent > due:
        return Need(text, url, "late", detail, badge=ngettext(
            "BA sent it %(days)s day late", "BA sent it %(days)s days late", (sent - due).days)
            % {"days": (sent - due).days})
    return Need(text, url, "soon", detail, badge=_("sent today") if waited <= 0 else ngettext(
        "waiting for you %(days)s day", "waiting for you %(days)s days", waited) % {"days": waited})


def _office_reviews(regency_ids) -> list[Need]:
    """PMO reports (and BA reports without an active PMO) that wait for the office's review."""
    waiting = (MonthlyReport.objects.filter(status="submitted", mentor__regency_id__in=regency_ids,
                                            mentor__role=Mentor.Role.PMO)
               .select_related("mentor").order_by("submitted_at", "month")[:5])
    return [Need(_("Review the PMO report of %(name)s for %(month)s")
                 % {"name": report.mentor.full_name, "month": _month_name(report.month)},
                 _report_url(report.mentor_id, report.month), "soon",
                 _("sent %(day)s") % {"day": _day(report.submitted_at.date())} if report.submitted_at else "")
            for report in waiting]


def needs_of_office(user, access: Access, today: date, figures: Figures, overview: dict | None = None) -> list[Need]:
    """Reports waiting or late per PMO, villages without a BA, contracts ending, scheduled plans that could not take
    effect on their day (with why), drafts to publish. For many regencies (a superuser) the regencies with the most
    waiting work instead of each PMO. `overview`: what `office_overview` gave the page already."""
    regency_ids = access.office_regencies
    previous = month_start(month_start(today) - timedelta(days=1))
    needs = []
    if regency_ids is None or len(regency_ids) > 20:
        rows = (RegencyFigures.objects.filter(Q(reports_waiting__gt=0) | Q(reports_late__gt=0))
                .select_related("regency__office_settings")
                .order_by(-(F("reports_waiting") + F("reports_late")), "regency__code"))
        if regency_ids is not None:
            rows = rows.filter(regency_id__in=regency_ids)
        for row in rows[:5]:
            needs.append(Need(_("%(regency)s: %(waiting)s reports wait for review, %(late)s late")
                              % {"regency": row.regency.name, "waiting": row.reports_waiting,
                                 "late": row.reports_late},
                              f"{reverse('cooperatives:report_list')}?month={previous:%Y-%m}"
                              f"&regency={row.regency.code}", "late" if row.reports_late else "soon"))
    else:
        if access.admin_regency_ids:
            needs += _office_reviews(sorted(access.admin_regency_ids))
        needs += _reports_per_pmo(regency_ids, today)
    uncovered = figures.villages - figures.villages_covered
    if uncovered > 0:
        needs.append(Need(_("%(count)s villages have no BA in the plan in force") % {"count": uncovered},
                          reverse("territories:plan_list"), "late"))
    overview = office_overview(user, today=today) if overview is None else overview
    for mentor in overview["contracts_ending"][:5]:
        needs.append(Need(_("Contract of %(name)s (%(role)s) ends on %(day)s")
                          % {"name": mentor.full_name, "role": mentor.get_role_display(),
                             "day": _day(mentor.contract_end)}, mentor.get_absolute_url(), *_contract_urgency(
                              mentor.contract_end, today)))
    if overview["contracts_ending_count"] > 5:
        needs.append(Need(_("%(count)s contracts end in the next 30 days")
                          % {"count": overview["contracts_ending_count"]},
                          reverse("mentors:mentor_list"), "soon"))
    for refusal in plans_refused(regency_ids):
        needs.append(Need(_("“%(name)s” (%(regency)s) could not take effect: withdraw it, fix it and publish it again")
                          % {"name": refusal.plan.name, "regency": refusal.plan.regency.name},
                          refusal.plan.get_absolute_url(), "late", refusal.problems[:300],
                          badge=_("refused %(day)s") % {"day": refusal.day}))
    drafts = coverage.draft_plans(regency_ids)
    for plan in drafts.order_by("created_at")[:3]:
        needs.append(Need(_("Draft plan “%(name)s” (%(regency)s) waits to be published")
                          % {"name": plan.name, "regency": plan.regency.name}, plan.get_absolute_url()))
    if figures.plans_draft > 3:
        needs.append(Need(_("%(count)s draft plans in all") % {"count": figures.plans_draft},
                          reverse("territories:plan_list")))
    return needs


def _contract_urgency(end: date, today: date) -> tuple[str, str, str]:
    """(urgency, detail, badge) of a contract ending: within 7 days it is urgent and says in how many days."""
    left = (end - today).days
    if left > 7:
        return "soon", "", ""
    return "late", "", (_("ends today") if left == 0 else
                        ngettext("in %(count)d day", "in %(count)d days", left) % {"count": left})


def _reports_per_pmo(regency_ids, today: date) -> list[Need]:
    """For an office's few regencies: per PMO of the plan in force, the BA reports waiting for them and the
    reports of last month not in after the due day (two grouped queries)."""
    month = month_start(today)
    previous = month_start(month - timedelta(days=1))
    bas = Mentor.objects.filter(coverage.bas_in_force(regency_ids), is_active=True).annotate(
        pmo_id=coverage.pmo_of_ba("pk", "id"), pmo_name=coverage.pmo_of_ba("pk", "full_name"))
    waiting = {row["pmo_id"]: row for row in
               bas.filter(monthly_reports__status="submitted").order_by()
               .values("pmo_id", "pmo_name").annotate(n=Count("monthly_reports"))}
    # A returned report was sent: it waits for its BA again, it is not late.
    sent = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=previous,
                                        status__in=["submitted", "accepted", "returned"])
    late = {row["pmo_id"]: row for row in
            bas.alias(due_day=setting("report_due_day", "regency")).filter(~Exists(sent), due_day__lt=today.day)
            .order_by()
            .values("pmo_id", "pmo_name").annotate(n=Count("id"))}
    needs = []
    for pmo_id in sorted(set(waiting) | set(late), key=lambda pk: -(waiting.get(pk, {}).get("n", 0)
                                                                       + late.get(pk, {}).get("n", 0))):
        row = waiting.get(pmo_id) or late.get(pmo_id)
        name = row["pmo_name"] or _("no PMO")
        n_waiting, n_late = waiting.get(pmo_id, {}).get("n", 0), late.get(pmo_id, {}).get("n", 0)
        parts = []
        if n_waiting:
            parts.append(_("%(count)s waiting for review") % {"count": n_waiting})
        if n_late:
            parts.append(_("%(count)s not sent for %(month)s") % {"count": n_late, "month": _month_name(previous)})
        narrowed = f"&pmo={pmo_id}" if pmo_id else ""
        needs.append(Need(_("Reports of %(pmo)s's BAs: %(what)s") % {"pmo": name, "what": ", ".join(parts)},
                          reverse("cooperatives:report_list") + f"?month={previous:%Y-%m}{narrowed}",
                          "late" if n_late else "soon"))
    return needs[:8]


def _report_url(mentor_id: int, month: date) -> str:
    return reverse("cooperatives:report_detail", args=[mentor_id, f"{month:%Y-%m}"])


def _month_name(month: date) -> str:
    return date_format(month, "F Y")


def _day(day: date) -> str:
    return date_format(day, "j F Y")
