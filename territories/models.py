"""Work territories: the split of a regency's villages into PMO and BA territories (territory plans)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import District, Regency, Village


class TerritoryPlan(models.Model):
    """A split of a regency's villages into work territories: draft → active → archived. A draft published with a
    later effective date is `scheduled` until that day's job makes it the plan in force (or it is withdrawn)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        ACTIVE = "active", _("in force")
        ARCHIVED = "archived", _("archived")

    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="plans", verbose_name=_("regency"))
    name = models.CharField(_("name"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    decree_number = models.CharField(_("decree number"), max_length=100, blank=True)
    # The decree whose annex the plan is: the day it was signed and what it is about (TENTANG), as printed on the
    # annex's heading. The number is entered, or given from the office's register when the annex is printed.
    decree_date = models.DateField(_("decree date"), null=True, blank=True)
    decree_subject = models.CharField(_("decree subject (tentang)"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("based on")
    )
    # Every edit of a draft increments the version; an edit made on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("territory plan")
        verbose_name_plural = _("territory plans")
        ordering = ["-effective_from", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency"], condition=models.Q(status="active"), name="plan_one_active_per_regency"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_from__isnull=False, effective_to__gte=models.F("effective_from")),
                name="plan_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(effective_from__isnull=False),
                name="plan_active_has_effective_date",
            ),
            models.UniqueConstraint(
                fields=["regency"], condition=models.Q(status="scheduled"), name="plan_one_scheduled_per_regency"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(effective_from__isnull=False),
                name="plan_scheduled_has_effective_date",
            ),
        ]
        indexes = [models.Index(fields=["regency", "status"], name="plan_regency_status_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("territories:plan_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.SCHEDULED


class PmoTerritory(models.Model):
    """The districts one PMO supervises in a plan."""

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="pmo_territories",
                             verbose_name=_("plan"))
    name = models.CharField(_("name"), max_length=100)
    mentor = models.ForeignKey(
        "mentors.Mentor", on_delete=models.PROTECT, null=True, blank=True, related_name="pmo_territories",
        verbose_name=_("PMO"),
    )

    class Meta:
        verbose_name = _("PMO territory")
        verbose_name_plural = _("PMO territories")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="pmo_territory_name_unique_in_plan")]

    def __str__(self):
        return self.name


class BaTerritory(models.Model):
    """The villages one Business Assistant mentors in a plan, inside the districts of a PMO territory."""

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="ba_territories",
                             verbose_name=_("plan"))
    pmo_territory = models.ForeignKey(
        PmoTerritory, on_delete=models.SET_NULL, null=True, blank=True, related_name="ba_territories",
        verbose_name=_("PMO territory"),
    )
    name = models.CharField(_("name"), max_length=100)
    mentor = models.ForeignKey(
        "mentors.Mentor", on_delete=models.PROTECT, null=True, blank=True, related_name="ba_territories",
        verbose_name=_("Business Assistant"),
    )
    # How many villages the territory holds, kept by every service that puts villages in or takes them out
    # (`services._recount_villages`): "which BAs must report for a month" and a PMO's team read it instead of
    # counting the village links of every plan in force (83,762 nationally) on each request.
    villages_held = models.PositiveIntegerField(_("villages held"), default=0, editable=False)

    class Meta:
        verbose_name = _("BA territory")
        verbose_name_plural = _("BA territories")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="ba_territory_name_unique_in_plan")]

    def __str__(self):
        return self.name


class PmoDistrict(models.Model):
    """A district in a PMO territory. `plan` is repeated so the database can keep a district in one per plan."""

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="+")
    pmo_territory = models.ForeignKey(PmoTerritory, on_delete=models.CASCADE, related_name="district_links")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="pmo_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "district"], name="district_in_one_pmo_territory")]

    def __str__(self):
        return f"{self.pmo_territory_id} ∋ {self.district_id}"


class BaVillage(models.Model):
    """A village in a BA territory. `plan` is repeated so the database can keep a village in one per plan."""

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="+")
    ba_territory = models.ForeignKey(BaTerritory, on_delete=models.CASCADE, related_name="village_links")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="ba_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "village"], name="village_in_one_ba_territory")]

    def __str__(self):
        return f"{self.ba_territory_id} ∋ {self.village_id}"


class PlanChange(models.Model):
    """The audit log of the regency's plans: who did what, when (moves, assignments, proposals, publishing).

    The message is kept untranslated with its parameters and translated when shown; the entry outlives a
    discarded draft.
    """

    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="plan_changes")
    plan = models.ForeignKey(TerritoryPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes",
                             verbose_name=_("plan"))
    plan_name = models.CharField(_("plan"), max_length=150)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    message = models.CharField(_("what"), max_length=200)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        from django.utils.translation import gettext

        try:
            return gettext(self.message) % self.params
        except (KeyError, TypeError, ValueError):
            return self.message


class VillageGraph(models.Model):
    """Which of a regency's villages neighbour which (see `geography.py`), stored so that a plan's checks read it
    instead of building it. `fingerprint` digests what it was built from (the villages' points as planned, the
    boundaries' count and latest import): a read that finds another fingerprint builds the graph again and
    stores it, whichever import or edit changed a point or a boundary."""

    regency = models.OneToOneField(Regency, on_delete=models.CASCADE, related_name="+", verbose_name=_("regency"))
    fingerprint = models.CharField(max_length=64)
    # Pairs [a, b] of village ids with a <= b, one per neighbouring pair.
    edges = models.JSONField(default=list)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("village graph")
        verbose_name_plural = _("village graphs")

    def __str__(self):
        return f"{self.regency_id}: {len(self.edges)}"
