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
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from cooperatives.models import Cooperative, MonthlyReport, Stage, Visit
from mentors.models import Mentor
from regions.models import District, Regency, Village

from .models import FiguresRefresh, RegencyFigures

STAGES = Stage.values
STATUSES = ["draft", "submitted", "returned", "accepted"]
COUNTS = ["districts", "desa", "kelurahan", "pmo_active", "ba_active", "pmo_inactive", "ba_inactive",
          "visits_30_days", "cooperatives_visited_30_days",
          *(f"stage_{stage}" for stage in STAGES), *(f"reports_{status}" for status in STATUSES)]
CLAIM_SECONDS = 30


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
    def stages(self) -> dict[str, int]:
        return {stage: self.counts.get(f"stage_{stage}", 0) for stage in STAGES}

    @property
    def reports(self) -> dict[str, int]:
        return {status: self.counts.get(f"reports_{status}", 0) for status in STATUSES}


def _grouped(queryset, regency_path: str, *keys: str, **aggregates) -> dict:
    """{(regency_id, *keys): {aggregate: value}} from one GROUP BY statement."""
    rows = queryset.order_by().values(regency_path, *keys).annotate(**aggregates)
    return {(row[regency_path], *(row[k] for k in keys)): row for row in rows}


def figures_refresh(*, regency_ids=None, today: date | None = None) -> int:
    """Recompute the figures of these regencies (all when None) with one GROUP BY per kind of figure."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    since = today - timedelta(days=30)
    regencies = Regency.objects.all() if regency_ids is None else Regency.objects.filter(pk__in=regency_ids)
    ids = list(regencies.values_list("pk", flat=True))
    scope = (lambda path: Q()) if regency_ids is None else (lambda path: Q(**{f"{path}__in": ids}))

    districts = _grouped(District.objects.filter(scope("regency_id")), "regency_id", n=Count("id"))
    villages = _grouped(Village.objects.filter(scope("district__regency_id")), "district__regency_id", "kind",
                        n=Count("id"))
    mentors = _grouped(Mentor.objects.filter(scope("regency_id")), "regency_id", "role", "is_active", n=Count("id"))
    stages = _grouped(Cooperative.objects.filter(scope("village__district__regency_id")),
                      "village__district__regency_id", "stage", n=Count("id"))
    visits = _grouped(Visit.objects.filter(scope("cooperative__village__district__regency_id"), date__gte=since,
                                           date__lte=today),
                      "cooperative__village__district__regency_id", n=Count("id"),
                      cooperatives=Count("cooperative_id", distinct=True))
    reports = _grouped(MonthlyReport.objects.filter(scope("mentor__regency_id"), month=month,
                                                    mentor__is_active=True),
                       "mentor__regency_id", "status", n=Count("id"))
    now = timezone.now()
    rows = []
    for regency_id in ids:
        def total(table, *key, regency_id=regency_id):
            return table.get((regency_id, *key), {}).get("n", 0)

        rows.append(RegencyFigures(
            regency_id=regency_id, computed_at=now, month=month,
            districts=total(districts),
            desa=total(villages, "desa") + total(villages, "desa_adat"), kelurahan=total(villages, "kelurahan"),
            pmo_active=total(mentors, "pmo", True), ba_active=total(mentors, "ba", True),
            pmo_inactive=total(mentors, "pmo", False), ba_inactive=total(mentors, "ba", False),
            visits_30_days=total(visits),
            cooperatives_visited_30_days=visits.get((regency_id,), {}).get("cooperatives", 0),
            **{f"stage_{stage}": total(stages, stage) for stage in STAGES},
            **{f"reports_{status}": total(reports, status) for status in STATUSES},
        ))
    RegencyFigures.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["regency"], batch_size=1000,
        update_fields=["computed_at", "month", *COUNTS],
    )
    return len(rows)


def _claim() -> bool:
    """Take the refresh for CLAIM_SECONDS unless another request holds it (any worker, any node)."""
    now = timezone.now()
    with transaction.atomic():
        if FiguresRefresh.objects.filter(pk=1, claimed_until__lt=now).update(
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS)):
            return True
        # The first refresh ever (the migration creates the row; an emptied database has none).
        _, created = FiguresRefresh.objects.get_or_create(
            pk=1, defaults={"claimed_until": now + timedelta(seconds=CLAIM_SECONDS)})
        return created


def _release() -> None:
    FiguresRefresh.objects.filter(pk=1).update(claimed_until=timezone.now() - timedelta(seconds=1))


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


def figures_for(regency_ids=None) -> Figures:
    """The summed figures of these regencies (every regency when None), no older than FIGURES_MAX_AGE
    unless another request is refreshing them right now."""
    today = timezone.localdate()
    month = today.replace(day=1)
    summary = _summary(regency_ids)
    wanted = Regency.objects.count() if regency_ids is None else len(set(regency_ids))
    too_old = timezone.now() - timedelta(seconds=settings.FIGURES_MAX_AGE)
    stale = summary["rows"] and (summary["oldest"] < too_old or summary["first_month"] != month
                                 or summary["last_month"] != month)
    if summary["rows"] < wanted:  # never computed: compute now, whoever else is at it
        figures_refresh(regency_ids=regency_ids, today=today)
        summary = _summary(regency_ids)
    elif stale and _claim():
        try:
            figures_refresh(regency_ids=regency_ids, today=today)
        finally:
            _release()
        summary = _summary(regency_ids)
    return Figures(regencies=summary["rows"], per_regency=summary.get("per_regency"),
                   computed_at=summary["oldest"], month=summary["last_month"],
                   counts={name: summary[name] or 0 for name in COUNTS})


def regency_rows(figures: Figures, regency_ids=None, *, limit: int = 12) -> list[dict]:
    """The first regencies of the scope with their districts and villages: from the rows `figures` already read
    for an office's few regencies, else from the table (within the same scope)."""
    if figures.per_regency is not None:
        return figures.per_regency[:limit]
    rows = _scope(regency_ids).order_by("regency__code").values_list(
        "regency__code", "regency__name", "districts", "desa", "kelurahan")[:limit]
    return [{"code": code, "name": name, "districts": districts, "villages": desa + kelurahan}
            for code, name, districts, desa, kelurahan in rows]
