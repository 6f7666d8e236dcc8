"""Figures over many rows, kept per regency so that no page counts the whole country while it is asked."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import District, Regency


class RegencyFigures(models.Model):
    """The counts of one regency as of `computed_at`: regions, mentors, cooperatives by stage, recent visits
    and the month's reports. A province or the nation is the sum of its regencies' rows.

    Rows are refreshed when older than `settings.FIGURES_MAX_AGE` seconds, by the first page that needs
    them (others meanwhile read the rows as they are) or by `manage.py refresh_figures` from a timer.
    """

    regency = models.OneToOneField(Regency, on_delete=models.CASCADE, primary_key=True, related_name="figures")
    computed_at = models.DateTimeField(_("computed at"))
    month = models.DateField(_("report month"))
    districts = models.PositiveIntegerField(default=0)
    desa = models.PositiveIntegerField(default=0)
    kelurahan = models.PositiveIntegerField(default=0)
    pmo_active = models.PositiveIntegerField(default=0)
    ba_active = models.PositiveIntegerField(default=0)
    pmo_inactive = models.PositiveIntegerField(default=0)
    ba_inactive = models.PositiveIntegerField(default=0)
    # Cooperatives by stage (one column a stage, so that a province or the nation is one SUM).
    stage_musyawarah = models.PositiveIntegerField(default=0)
    stage_notary_deed = models.PositiveIntegerField(default=0)
    stage_legal_entity = models.PositiveIntegerField(default=0)
    stage_simkopdes = models.PositiveIntegerField(default=0)
    stage_business_plan = models.PositiveIntegerField(default=0)
    stage_land_secured = models.PositiveIntegerField(default=0)
    stage_outlets_built = models.PositiveIntegerField(default=0)
    stage_operating = models.PositiveIntegerField(default=0)
    visits_30_days = models.PositiveIntegerField(default=0)
    cooperatives_visited_30_days = models.PositiveIntegerField(default=0)
    visits_prev_30_days = models.PositiveIntegerField(default=0)
    cooperatives_visited_prev_30_days = models.PositiveIntegerField(default=0)
    # Coverage by the plan in force, recency of the last visit (per the regency's limits), open work.
    villages_covered = models.PositiveIntegerField(default=0)
    recency_green = models.PositiveIntegerField(default=0)
    recency_amber = models.PositiveIntegerField(default=0)
    recency_red = models.PositiveIntegerField(default=0)
    follow_ups_overdue = models.PositiveIntegerField(default=0)
    last_visit = models.DateField(null=True)
    plans_draft = models.PositiveIntegerField(default=0)
    # BA reports waiting for their reviewer (any month), and the previous month's not in after its due day.
    reports_waiting = models.PositiveIntegerField(default=0)
    reports_late = models.PositiveIntegerField(default=0)
    # The month's reports of active BAs by status.
    reports_draft = models.PositiveIntegerField(default=0)
    reports_submitted = models.PositiveIntegerField(default=0)
    reports_returned = models.PositiveIntegerField(default=0)
    reports_accepted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("regency figures")
        verbose_name_plural = _("regency figures")

    def __str__(self):
        return f"{self.regency_id} @ {self.computed_at:%Y-%m-%d %H:%M}"


class DistrictFigures(models.Model):
    """The dashboards' per-district row, refreshed with its regency's `RegencyFigures` (whose `computed_at` says
    how fresh it is); a refresh writes it only when its figures changed, at `computed_at`."""

    district = models.OneToOneField(District, on_delete=models.CASCADE, primary_key=True, related_name="figures")
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="district_figures")
    computed_at = models.DateTimeField()
    villages = models.PositiveIntegerField(default=0)
    villages_covered = models.PositiveIntegerField(default=0)
    bas = models.PositiveIntegerField(default=0)
    cooperatives = models.PositiveIntegerField(default=0)
    stage_operating = models.PositiveIntegerField(default=0)
    visits_30_days = models.PositiveIntegerField(default=0)
    cooperatives_visited_30_days = models.PositiveIntegerField(default=0)
    recency_green = models.PositiveIntegerField(default=0)
    recency_amber = models.PositiveIntegerField(default=0)
    recency_red = models.PositiveIntegerField(default=0)
    follow_ups_overdue = models.PositiveIntegerField(default=0)
    last_visit = models.DateField(null=True)

    def __str__(self):
        return f"{self.district_id} @ {self.computed_at:%Y-%m-%d %H:%M}"


class MonthlyFigures(models.Model):
    """One regency in one month: what happened in the month (visits, stage changes) and, for months the portal
    has seen end, the key figures as they stood at its last refresh in the month (for "change since last
    month"). Months before the portal counted have only the first kind (`recorded` False)."""

    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="monthly_figures")
    month = models.DateField()
    visits = models.PositiveIntegerField(default=0)
    stage_changes = models.PositiveIntegerField(default=0)
    cooperatives_visited = models.PositiveIntegerField(default=0)
    recorded = models.BooleanField(default=False)
    villages_covered = models.PositiveIntegerField(default=0)
    cooperatives = models.PositiveIntegerField(default=0)
    stage_operating = models.PositiveIntegerField(default=0)
    ba_active = models.PositiveIntegerField(default=0)
    pmo_active = models.PositiveIntegerField(default=0)
    visits_30_days = models.PositiveIntegerField(default=0)
    cooperatives_visited_30_days = models.PositiveIntegerField(default=0)
    reports_in = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regency", "month"], name="reporting_monthly_figures_once")]
        indexes = [models.Index(fields=["month"], name="reporting_monthly_month_idx")]

    def __str__(self):
        return f"{self.regency_id} {self.month:%Y-%m}"


class RegencyRecap(models.Model):
    """One regency's month-end recap of a month, as `reporting.recap.recap_store` computed it: the month's
    figures at its end, the reports owed for it, and a row per BA (the regency's drill-down). A closed month is
    computed once by the recap job and again when something dated in it changes (`stale` meanwhile); the open
    month's rows are refreshed by the same job for the province and national tables, which sum these rows."""

    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="recaps")
    month = models.DateField(_("month"))
    computed_at = models.DateTimeField(_("computed at"))
    stale = models.BooleanField(default=False)
    villages = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    cooperatives = models.PositiveIntegerField(default=0)
    ready = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    not_visited = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    # {stage: cooperatives at that stage at month end}, {readiness item code: cooperatives that have it}
    stages = models.JSONField(default=dict)
    readiness = models.JSONField(default=dict)
    # {"ba"|"pmo": {"expected", "sent", "accepted", "late_sent", "unsent"}}: reports not sent are late only once
    # the day is past `due_on`, which a page decides when it shows them.
    reports = models.JSONField(default=dict)
    due_on = models.DateField()
    # [{"mentor", "name", "territory", "villages", "visits", "cooperatives"}], by the BA's name
    ba_rows = models.JSONField(default=list)
    # {"land_cooperatives", "land_area", "land_titled", "units_built", "units_operating", "handed_over", "proposals",
    # "approved", "approved_amount", "disbursed", "disbursed_amount", "arrears"} (`reporting.recap.PROGRAMME`);
    # empty in a row kept before they were counted (shown "–" until the job computes it again).
    programme = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("regency recap")
        verbose_name_plural = _("regency recaps")
        constraints = [models.UniqueConstraint(fields=["regency", "month"], name="reporting_recap_once_per_month")]
        indexes = [models.Index(fields=["month", "regency"], name="reporting_recap_month_idx")]

    def __str__(self):
        return f"{self.regency_id} {self.month:%Y-%m}"
