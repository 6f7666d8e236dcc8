"""The administrative regions of Indonesia (Kepmendagri codes) and, later, the work territories."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.Model):
    """Fields every level of the Kemendagri hierarchy shares."""

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Located(models.Model):
    """An optional point (the centroid of the region's boundary)."""

    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None


class Province(Region):
    class Meta(Region.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class Regency(Region):
    class Kind(models.TextChoices):
        REGENCY = "kabupaten", _("regency (kabupaten)")
        CITY = "kota", _("city (kota)")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="regencies",
                                 verbose_name=_("province"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGENCY)
    # The workload the office aims for: villages per Business Assistant (the programme says 7–15).
    ba_target_min = models.PositiveSmallIntegerField(_("fewest villages per BA"), default=7)
    ba_target_max = models.PositiveSmallIntegerField(_("most villages per BA"), default=15)

    class Meta(Region.Meta):
        verbose_name = _("regency")
        verbose_name_plural = _("regencies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ba_target_min__gte=1, ba_target_max__gte=models.F("ba_target_min")),
                name="regency_ba_target_range_valid",
            ),
        ]

    def get_absolute_url(self):
        return reverse("territories:regency_detail", kwargs={"code": self.code})


class District(Region, Located):
    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="districts",
                                verbose_name=_("regency"))

    class Meta(Region.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def get_absolute_url(self):
        return reverse("territories:district_detail", kwargs={"code": self.code})


class Village(Region, Located):
    class Kind(models.TextChoices):
        # The first digit of the village part of the code tells the kind.
        KELURAHAN = "kelurahan", _("urban village (kelurahan)")
        DESA = "desa", _("village (desa)")
        DESA_ADAT = "desa_adat", _("customary village (desa adat)")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="villages",
                                 verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    class Meta(Region.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["kelurahan", "desa", "desa_adat"]), name="village_kind_known"
            ),
        ]

    def get_absolute_url(self):
        return reverse("territories:village_detail", kwargs={"code": self.code})

    @staticmethod
    def kind_for_code(code: str) -> str:
        """`32.02.01.1001` is a kelurahan, `…2xxx` a desa, `…3xxx` a desa adat."""
        first = code.rsplit(".", 1)[-1][:1]
        return {"1": Village.Kind.KELURAHAN, "3": Village.Kind.DESA_ADAT}.get(first, Village.Kind.DESA)


class Boundary(models.Model):
    """A boundary polygon (GeoJSON geometry) of a district or village, kept apart so lists never load it."""

    code = models.CharField(_("region code"), max_length=13, unique=True)
    geometry = models.JSONField(_("geometry"))
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        ordering = ["code"]

    def __str__(self):
        return self.code


class TerritoryPlan(models.Model):
    """A split of a regency's villages into work territories: draft → active → archived."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in force")
        ARCHIVED = "archived", _("archived")

    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="plans", verbose_name=_("regency"))
    name = models.CharField(_("name"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    decree_number = models.CharField(_("decree number"), max_length=100, blank=True)
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
        ]
        indexes = [models.Index(fields=["regency", "status"], name="plan_regency_status_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("territories:plan_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


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
