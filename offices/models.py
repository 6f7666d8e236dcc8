"""A regency office's settings. A regency without its row works with the defaults: read them through
`OfficeSettings.of` (one regency) or `setting` (a column of a query over many)."""

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from regions.models import Regency


class OfficeSettings(models.Model):
    regency = models.OneToOneField(Regency, on_delete=models.CASCADE, primary_key=True,
                                   related_name="office_settings", verbose_name=_("regency"))
    # The workload the office aims for: villages per Business Assistant (the programme says 7–15).
    ba_target_min = models.PositiveSmallIntegerField(_("fewest villages per BA"), default=7)
    ba_target_max = models.PositiveSmallIntegerField(_("most villages per BA"), default=15)
    # A BA territory wider than this (km between its furthest villages) is flagged on the draft checks.
    ba_span_max_km = models.PositiveSmallIntegerField(_("widest BA territory (km)"), default=30)
    # How long a cooperative may go without a visit before the dashboards mark it amber, then red.
    recency_amber_days = models.PositiveSmallIntegerField(_("days without a visit before amber"), default=30)
    recency_red_days = models.PositiveSmallIntegerField(_("days without a visit before red"), default=60)
    # A month's reports are due on this day of the following month.
    report_due_day = models.PositiveSmallIntegerField(_("reports due on day"), default=5)
    # A visit's evidence is flagged for the reviewer when its photo (or the phone) was further than this from the
    # village's point, or when the visit was recorded more than this many days after it took place.
    evidence_distance_km = models.PositiveSmallIntegerField(_("photo further from the village than (km)"), default=5)
    evidence_late_days = models.PositiveSmallIntegerField(_("visit recorded later than (days after it)"), default=7)

    class Meta:
        verbose_name = _("office settings")
        verbose_name_plural = _("office settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ba_target_min__gte=1, ba_target_max__gte=models.F("ba_target_min")),
                name="office_ba_target_range_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(recency_amber_days__gte=1, recency_red_days__gt=models.F("recency_amber_days")),
                name="office_recency_limits_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(report_due_day__gte=1, report_due_day__lte=28), name="office_report_due_day_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(evidence_distance_km__gte=1, evidence_late_days__gte=1),
                name="office_evidence_limits_valid",
            ),
        ]

    def __str__(self):
        return str(self.regency)

    @classmethod
    def of(cls, regency: Regency) -> "OfficeSettings":
        """The regency's settings; the defaults (unsaved) when its office never set any."""
        try:
            return regency.office_settings
        except cls.DoesNotExist:
            regency.office_settings = cls(regency=regency)  # kept on the regency: asked again, no query
            return regency.office_settings

    @property
    def ba_target(self) -> tuple[int, int]:
        """Fewest and most villages per Business Assistant."""
        return self.ba_target_min, self.ba_target_max


def setting(name: str, regency: str = "") -> Coalesce:
    """One setting as a query expression over regencies (`regency` is the path to the regency from the queried
    model, e.g. "regency" or "mentor__regency"; empty for a query of regencies): the stored value, else the
    default."""
    path = f"{regency}__office_settings__{name}" if regency else f"office_settings__{name}"
    return Coalesce(path, OfficeSettings._meta.get_field(name).default, output_field=models.PositiveSmallIntegerField())
