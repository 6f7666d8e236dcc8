"""The registry of Koperasi Desa/Kelurahan Merah Putih, mentoring visits, follow-ups and monthly reports."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.phones import phone_display


class Stage(models.TextChoices):
    """How far a cooperative has come, in the order the programme goes."""

    MUSYAWARAH = "musyawarah", _("village deliberation held")
    NOTARY_DEED = "notary_deed", _("notary deed")
    LEGAL_ENTITY = "legal_entity", _("legal entity (SK AHU)")
    SIMKOPDES = "simkopdes", _("SIMKOPDES account")
    BUSINESS_PLAN = "business_plan", _("business plan")
    LAND_SECURED = "land_secured", _("land secured")
    OUTLETS_BUILT = "outlets_built", _("outlets built")
    OPERATING = "operating", _("operating")

    @classmethod
    def order(cls, value: str) -> int:
        return cls.values.index(value)


class UnitKind(models.TextChoices):
    OFFICE = "office", _("cooperative office")
    SEMBAKO = "sembako", _("groceries (sembako)")
    SAVINGS_LOANS = "savings_loans", _("savings and loans")
    CLINIC = "clinic", _("village clinic")
    PHARMACY = "pharmacy", _("village pharmacy")
    WAREHOUSE = "warehouse", _("warehouse / cold storage")
    LOGISTICS = "logistics", _("logistics")
    OTHER = "other", _("other")


class Cooperative(models.Model):
    village = models.OneToOneField("regions.Village", on_delete=models.PROTECT, related_name="cooperative",
                                   verbose_name=_("village"))
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.MUSYAWARAH)
    legal_entity_number = models.CharField(_("legal entity number (SK AHU)"), max_length=100, blank=True)
    legal_entity_date = models.DateField(_("legal entity date"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    chair_name = models.CharField(_("chair"), max_length=150, blank=True)
    chair_phone = models.CharField(_("chair's phone"), max_length=16, blank=True)
    manager_name = models.CharField(_("manager"), max_length=150, blank=True)
    manager_phone = models.CharField(_("manager's phone"), max_length=16, blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["village__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_entity_number="") | models.Q(legal_entity_date__isnull=False),
                name="cooperative_legal_number_has_date",
            ),
        ]
        indexes = [models.Index(fields=["stage"], name="cooperative_stage_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cooperatives:cooperative_detail", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        if self.legal_entity_number and not self.legal_entity_date:
            raise ValidationError({"legal_entity_date": _("A legal entity number needs its date.")})

    @staticmethod
    def default_name(village) -> str:
        kind = "Kelurahan" if village.kind == "kelurahan" else "Desa"
        return f"Koperasi {kind} Merah Putih {village.name}"

    @property
    def stage_number(self) -> int:
        return Stage.order(self.stage) + 1

    @property
    def chair_phone_display(self):
        return phone_display(self.chair_phone)

    @property
    def manager_phone_display(self):
        return phone_display(self.manager_phone)


class BusinessUnit(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="units")
    kind = models.CharField(_("business unit"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("for “other” units"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "kind", "name"], name="unit_once_per_cooperative"),
        ]

    def __str__(self):
        return self.name if self.kind == UnitKind.OTHER and self.name else self.get_kind_display()


class StageChange(models.Model):
    """A step on the cooperative's way, with when it was reached and who recorded it."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    reached_on = models.DateField(_("reached on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-reached_on", "-id"]

    def __str__(self):
        return f"{self.cooperative} → {self.get_stage_display()}"


class Visit(models.Model):
    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("on site")
        PHONE = "phone", _("phone")
        ONLINE = "online", _("online")

    class Focus(models.TextChoices):
        INSTITUTIONS = "institutions", _("institutions")
        MANAGEMENT = "management", _("business management")
        CAPITAL = "capital", _("access to capital")
        MARKETS = "markets", _("access to markets")
        POTENTIAL = "potential", _("identifying local potential")
        TRAINING = "training", _("managerial training")
        BUSINESS_PLAN = "business_plan", _("business plan")
        SIMKOPDES = "simkopdes", _("SIMKOPDES data entry")
        FINANCING = "financing", _("financing proposal")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="visits",
                                    verbose_name=_("cooperative"))
    mentor = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("mentor"))
    date = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ON_SITE)
    focus_areas = models.JSONField(_("focus areas"), default=list)
    summary = models.TextField(_("summary"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("mentoring visit")
        verbose_name_plural = _("mentoring visits")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["mentor", "date"], name="visit_mentor_date_idx"),
            # A cooperative's last visit (registry, dashboards, recency) is the first entry of this index.
            models.Index(fields=["cooperative", "-date"], name="visit_cooperative_date_idx"),
        ]

    def __str__(self):
        return f"{self.cooperative} · {self.date}"

    def get_absolute_url(self):
        return f"{self.cooperative.get_absolute_url()}#visit-{self.pk}"

    def focus_labels(self) -> list[str]:
        labels = dict(self.Focus.choices)
        return [str(labels.get(code, code)) for code in self.focus_areas]


class FollowUp(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(_("follow-up action"), max_length=300)
    due_date = models.DateField(_("due date"))
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done", "due_date", "id"]
        # Open follow-ups of given visits (dashboards, "needs you now"): a small index instead of a scan of all.
        indexes = [models.Index(fields=["visit", "due_date"], condition=models.Q(done=False), name="followup_open_idx")]

    def __str__(self):
        return self.action


class MonthlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")

    mentor = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, related_name="monthly_reports",
                               verbose_name=_("Business Assistant"))
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    obstacles = models.TextField(_("obstacles"), blank=True)
    next_month_plan = models.TextField(_("plan for next month"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "mentor__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "month"], name="one_report_per_mentor_and_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="report_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.mentor} · {self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("cooperatives:report_detail", kwargs={"mentor_pk": self.mentor_id,
                                                             "month": f"{self.month:%Y-%m}"})
