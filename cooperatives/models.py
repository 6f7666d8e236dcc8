"""The registry of Koperasi Desa/Kelurahan Merah Putih (with its financing readiness, proposals, outlets, land,
board and members over time), mentoring visits, follow-ups and monthly reports."""

import re
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from toolkit.models import OutgoingMail
from toolkit.phones import phone_display


class Stage(models.TextChoices):
    """How far a cooperative has come, in the order the programme goes."""

    MUSYAWARAH = "musyawarah", _("village deliberation held")
    NOTARY_DEED = "notary_deed", _("notary deed")
    LEGAL_ENTITY = "legal_entity", _("legal entity (SK AHU)")
    SIMKOPDES = "simkopdes", _("SIMKOPDES account")
    BUSINESS_PLAN = "business_plan", _("business plan")
    LAND_SECURED = "land_secured", _("land secured")
    OUTLETS_BUILT = "outlets_built", _("outlets finished building")
    OPERATING = "operating", _("operating")

    @classmethod
    def order(cls, value: str) -> int:
        return cls.values.index(value)

    @classmethod
    def label_for(cls, value: str, village_kind: str = "") -> str:
        """The stage's name for this village: a kelurahan holds a *musyawarah kelurahan*, not a *musyawarah desa*."""
        if value == cls.MUSYAWARAH and village_kind == "kelurahan":
            return str(_("urban village deliberation held"))
        return str(cls(value).label)


class UnitKind(models.TextChoices):
    OFFICE = "office", _("cooperative office")
    SEMBAKO = "sembako", _("groceries (sembako)")
    SAVINGS_LOANS = "savings_loans", _("savings and loans")
    CLINIC = "clinic", _("village clinic")
    PHARMACY = "pharmacy", _("village pharmacy")
    WAREHOUSE = "warehouse", _("warehouse / cold storage")
    LOGISTICS = "logistics", _("logistics")
    OTHER = "other", _("other")


UNIT_KIND_LABELS = dict(UnitKind.choices)


class SimkopdesStatus(models.TextChoices):
    NONE = "none", _("no account")
    REGISTERED = "registered", _("registered")
    ACTIVE = "active", _("active")


class MicrositeStatus(models.TextChoices):
    NONE = "none", _("none")
    DRAFT = "draft", _("being prepared")
    PUBLISHED = "published", _("published")


class UnitStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    BUILDING = "building", _("under construction")
    BUILT = "built", _("built")
    OPERATING = "operating", _("operating")


# Plausible bounds: a village cooperative's members, and the earliest date of a cooperative's papers (the
# cooperatives law of 1992).
MAX_MEMBERS = 100_000
EARLIEST_PAPERS = date(1992, 1, 1)
SK_AHU_PATTERN = re.compile(r"^AHU-\d{4,7}\.AH\.\d{2}\.\d{2}\.TAHUN \d{4}$")


def sk_ahu_normalize(value: str) -> str:
    """An SK AHU number as stored: trimmed, single spaces, upper case (“AHU-0001234.AH.01.29.TAHUN 2025”)."""
    return " ".join((value or "").split()).upper()


class Cooperative(models.Model):
    village = models.OneToOneField("regions.Village", on_delete=models.PROTECT, related_name="cooperative",
                                   verbose_name=_("village"))
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.MUSYAWARAH)
    legal_entity_number = models.CharField(_("legal entity number (SK AHU)"), max_length=100, blank=True)
    legal_entity_date = models.DateField(_("legal entity date"), null=True, blank=True)
    # Stage 2: the notary's deed of establishment (akta pendirian), before the SK AHU.
    notary_deed_number = models.CharField(_("notary deed number"), max_length=50, blank=True)
    notary_deed_date = models.DateField(_("notary deed date"), null=True, blank=True)
    notary_name = models.CharField(_("notary"), max_length=150, blank=True)
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    chair_name = models.CharField(_("chair"), max_length=150, blank=True)
    chair_phone = models.CharField(_("chair's phone"), max_length=16, blank=True)
    manager_name = models.CharField(_("manager"), max_length=150, blank=True)
    manager_phone = models.CharField(_("manager's phone"), max_length=16, blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Financing readiness (PMK 49/2025): what a state bank asks for before a loan, each with its date.
    nik_number = models.CharField(_("Nomor Induk Koperasi (NIK Koperasi)"), max_length=20, blank=True)
    nik_date = models.DateField(_("NIK Koperasi date"), null=True, blank=True)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True, help_text=_("15 or 16 digits"))
    npwp_date = models.DateField(_("NPWP date"), null=True, blank=True)
    nib = models.CharField(_("NIB"), max_length=13, blank=True, help_text=_("13 digits"))
    nib_date = models.DateField(_("NIB date"), null=True, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=20, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True,
                                         help_text=_("the cooperative's own name"))
    bank_account_date = models.DateField(_("account opened on"), null=True, blank=True)
    proposal_date = models.DateField(_("business proposal ready on"), null=True, blank=True)
    # SIMKOPDES and the microsite, apart from the stage.
    simkopdes_status = models.CharField(_("SIMKOPDES account"), max_length=10, choices=SimkopdesStatus.choices,
                                        default=SimkopdesStatus.NONE)
    simkopdes_updated_on = models.DateField(_("last updated in SIMKOPDES"), null=True, blank=True)
    microsite_status = models.CharField(_("microsite"), max_length=10, choices=MicrositeStatus.choices,
                                        default=MicrositeStatus.NONE)
    # The cooperative's own identifier in the national registry, kept once an office accepts it from an export
    # (reconciliation.py): later exports are matched by it first.
    simkopdes_id = models.CharField(_("SIMKOPDES ID"), max_length=50, blank=True)
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
            # One legal entity, one cooperative: an SK AHU number is unique across the country.
            models.UniqueConstraint(fields=["legal_entity_number"], condition=~models.Q(legal_entity_number=""),
                                    name="cooperative_sk_ahu_unique", violation_error_message=_(
                                        "Another cooperative already has this SK AHU number.")),
            models.UniqueConstraint(fields=["simkopdes_id"], condition=~models.Q(simkopdes_id=""),
                                    name="cooperative_simkopdes_id_unique", violation_error_message=_(
                                        "Another cooperative already has this SIMKOPDES ID.")),
            models.CheckConstraint(condition=models.Q(member_count__lte=MAX_MEMBERS),
                                   name="cooperative_member_count_plausible", violation_error_message=_(
                                       "This member count is not plausible for a village cooperative.")),
        ]
        indexes = [
            models.Index(fields=["stage"], name="cooperative_stage_idx"),
            # The read API's incremental pulls (`updated_since`) page through this index.
            models.Index(fields=["updated_at", "id"], name="cooperative_updated_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cooperatives:cooperative_detail", kwargs={"pk": self.pk})

    def clean(self):
        """The record's own rules (see `integrity.py` for the rules that read its units and its past)."""
        super().clean()
        from .integrity import cooperative_problems

        errors = cooperative_problems(self)
        if errors:
            raise ValidationError(errors)

    @property
    def readiness(self):
        """The financing readiness checklist (`integrity.readiness`)."""
        from .integrity import readiness

        return readiness(self)

    @staticmethod
    def default_name(village) -> str:
        kind = "Kelurahan" if village.kind == "kelurahan" else "Desa"
        return f"Koperasi {kind} Merah Putih {village.name}"

    @property
    def stage_label(self) -> str:
        return Stage.label_for(self.stage, self.village.kind)

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
    status = models.CharField(_("status"), max_length=10, choices=UnitStatus.choices, default=UnitStatus.PLANNED)
    construction_started_on = models.DateField(_("construction started on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "kind", "name"], name="unit_once_per_cooperative"),
        ]

    def __str__(self):
        # The label looked up directly: get_kind_display() hashes every choice on each call (a registry page
        # names a few hundred units).
        return self.name if self.kind == UnitKind.OTHER and self.name else str(UNIT_KIND_LABELS.get(self.kind,
                                                                                                 self.kind))

    def clean(self):
        super().clean()
        from .integrity import unit_problems

        errors = unit_problems(self)
        if errors:
            raise ValidationError(errors)


class StageChange(models.Model):
    """A step on the cooperative's way, with when it was reached and who recorded it."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    reached_on = models.DateField(_("reached on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True,
                              help_text=_("required when the stage moves back or skips a stage"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-reached_on", "-id"]

    def __str__(self):
        return f"{self.cooperative} → {self.get_stage_display()}"


PROGRAMME_LENDERS = ["BRI", "BNI", "Bank Mandiri", "BTN", "BSI"]


class Lender(models.Model):
    """A bank that lends to the cooperatives under PMK 49/2025: the state banks (Himbara: BRI, BNI, Mandiri, BTN)
    and, for the outlets, BSI. A closed list the administrators keep in the admin; an inactive lender stays on
    the proposals that name it but is no longer offered."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("lender")
        verbose_name_plural = _("lenders")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FinancingProposal(models.Model):
    """A loan proposal to a state bank (PMK 49/2025): the village head's (or regent's) approval based on the
    deliberation, the proposal, the bank's decision, the disbursement, then the grace period and instalments."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("financing status", "proposed")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        DISBURSED = "disbursed", _("disbursed")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="financing",
                                    verbose_name=_("cooperative"))
    lender = models.ForeignKey(Lender, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("bank"))
    operational_spending = models.PositiveBigIntegerField(_("operational spending asked (Rp)"), default=0)
    capital_spending = models.PositiveBigIntegerField(_("capital spending asked (Rp)"), default=0)
    tenor_months = models.PositiveSmallIntegerField(_("tenor (months)"))
    grace_months = models.PositiveSmallIntegerField(_("grace period (months)"), null=True, blank=True)
    # The precondition (PMK 49/2025): the village head's (KDMP) or regent's / mayor's (KKMP) approval, given on
    # the village's (or kelurahan's) deliberation, with the support of Dana Desa / DAU / DBH for repayment.
    deliberation_date = models.DateField(_("deliberation held on"), null=True, blank=True)
    deliberation_minutes = models.CharField(_("deliberation minutes (number)"), max_length=100, blank=True)
    approval_number = models.CharField(_("approval letter number"), max_length=100, blank=True)
    approval_date = models.DateField(_("approved by the village head or regent on"), null=True, blank=True)
    repayment_support = models.BooleanField(_("Dana Desa / DAU / DBH support for repayment agreed"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    submitted_on = models.DateField(_("proposed on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    approved_amount = models.PositiveBigIntegerField(_("approved (Rp)"), null=True, blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_amount = models.PositiveBigIntegerField(_("disbursed (Rp)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("financing proposal")
        verbose_name_plural = _("financing proposals")
        ordering = ["-submitted_on", "-id"]

    def __str__(self):
        return f"{self.lender or '–'} · {self.submitted_on}"

    @property
    def asked(self) -> int:
        return (self.operational_spending or 0) + (self.capital_spending or 0)

    def clean(self):
        super().clean()
        from .integrity import financing_problems

        others = []
        if self.cooperative_id:
            others = list(FinancingProposal.objects.filter(cooperative_id=self.cooperative_id).exclude(pk=self.pk))
        errors = financing_problems(self, others=others, cooperative=self.cooperative if self.cooperative_id
                                    else None)
        if errors:
            raise ValidationError(errors)


class Instalment(models.Model):
    """One monthly instalment of a disbursed loan (after its grace period), and what was paid of it. Unpaid past
    its due day it is in arrears: what lets the Ministry of Finance intercept the Dana Desa / DAU / DBH."""

    proposal = models.ForeignKey(FinancingProposal, on_delete=models.CASCADE, related_name="instalments",
                                 verbose_name=_("financing proposal"))
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.PositiveBigIntegerField(_("amount due (Rp)"))
    paid_amount = models.PositiveBigIntegerField(_("paid (Rp)"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="instalment_once_per_proposal"),
            models.CheckConstraint(condition=models.Q(paid_amount__lte=models.F("amount")),
                                   name="instalment_paid_at_most_due"),
        ]
        indexes = [models.Index(fields=["due_on"], name="instalment_due_idx")]

    def __str__(self):
        return f"{self.number} · {self.due_on}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid_amount

    def in_arrears(self, day: date) -> bool:
        return self.due_on < day and self.outstanding > 0


class LandPlot(models.Model):
    """A plot of land for the cooperative's outlet and warehouse, with the criteria the Ministry of Home Affairs
    (Kemendagri) sets for it (a clear title, about 1,000 m², not disaster-prone, ready to build) and its place in
    the national outlet programme (Inpres 17/2025)."""

    class Title(models.TextChoices):
        CERTIFICATE = "certificate", _("land certificate")
        ASSET_RECORD = "asset_record", _("recorded public asset")
        IN_PROCESS = "in_process", _("title being arranged")
        NONE = "none", _("no clear title")

    class Programme(models.TextChoices):
        NOT_ENTERED = "not_entered", _("not entered")
        ENTERED = "entered", _("entered in the outlet programme")
        VERIFIED = "verified", _("verified on site")
        BUILDING = "building", _("building under way")
        HANDED_OVER = "handed_over", _("building handed over")

    class Ownership(models.TextChoices):
        VILLAGE = "village", _("village asset")
        GOVERNMENT = "government", _("regional government land")
        STATE = "state", _("state land")
        GRANT = "grant", _("granted (hibah)")
        LEASE = "lease", _("leased")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        VERIFIED = "verified", _("verified")
        SECURED = "secured", _("secured")
        IN_USE = "in_use", _("in use")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="land",
                                    verbose_name=_("cooperative"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    area_m2 = models.PositiveIntegerField(_("area (m²)"))
    ownership = models.CharField(_("ownership"), max_length=12, choices=Ownership.choices, default=Ownership.VILLAGE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    title = models.CharField(_("title"), max_length=12, choices=Title.choices, default=Title.IN_PROCESS)
    title_number = models.CharField(_("title number"), max_length=100, blank=True)
    disaster_prone = models.BooleanField(_("disaster-prone area"), null=True, blank=True)
    under_power_lines = models.BooleanField(_("under high-voltage lines (SUTET)"), null=True, blank=True)
    programme_status = models.CharField(_("outlet programme"), max_length=12, choices=Programme.choices,
                                        default=Programme.NOT_ENTERED)
    build_progress = models.PositiveSmallIntegerField(_("building progress (%)"), null=True, blank=True)
    handed_over_on = models.DateField(_("building handed over on"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_on = models.DateField(_("recorded on"), default=date.today)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("land plot")
        verbose_name_plural = _("land plots")
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(latitude__gte=-11, latitude__lte=6, longitude__gte=94,
                                                      longitude__lte=142), name="land_in_indonesia"),
        ]

    def __str__(self):
        return f"{self.area_m2} m² · {self.get_status_display()}"

    @property
    def below_minimum(self) -> bool:
        from django.conf import settings

        return self.area_m2 < settings.LAND_MIN_AREA_M2

    def clean(self):
        super().clean()
        from .integrity import land_problems

        errors = land_problems(self, village=self.cooperative.village if self.cooperative_id else None)
        if errors:
            raise ValidationError(errors)


class BoardMember(models.Model):
    """A member of the board (pengurus) or the supervisors (pengawas), with the term served; past terms are kept."""

    class Body(models.TextChoices):
        PENGURUS = "pengurus", _("board (pengurus)")
        PENGAWAS = "pengawas", _("supervisors (pengawas)")

    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        VICE_CHAIR = "vice_chair", _("vice chair")
        SECRETARY = "secretary", _("secretary")
        TREASURER = "treasurer", _("treasurer")
        MEMBER = "member", _("member")
        SUPERVISOR_CHAIR = "supervisor_chair", _("chair of the supervisors")
        SUPERVISOR = "supervisor", _("supervisor")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="board",
                                    verbose_name=_("cooperative"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("board member")
        verbose_name_plural = _("board members")
        ordering = ["role", "-term_start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(term_end__isnull=True)
                                   | models.Q(term_end__gte=models.F("term_start")), name="board_term_in_order"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.name}"

    @property
    def body(self) -> str:
        return (self.Body.PENGAWAS if self.role in (self.Role.SUPERVISOR_CHAIR, self.Role.SUPERVISOR)
                else self.Body.PENGURUS)

    @property
    def phone_display(self):
        return phone_display(self.phone)

    def serving_on(self, day: date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)

    def clean(self):
        super().clean()
        from .integrity import board_problems

        others = []
        if self.cooperative_id:
            others = list(BoardMember.objects.filter(cooperative_id=self.cooperative_id).exclude(pk=self.pk))
        errors = board_problems(self, others=others)
        if errors:
            raise ValidationError(errors)


class MemberCount(models.Model):
    """The number of members on a day (at a visit or any time): the trend, and the month-end figure reports use."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="member_counts",
                                    verbose_name=_("cooperative"))
    counted_on = models.DateField(_("counted on"))
    count = models.PositiveIntegerField(_("members"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member count")
        verbose_name_plural = _("member counts")
        ordering = ["-counted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "counted_on"], name="one_member_count_per_day"),
            models.CheckConstraint(condition=models.Q(count__lte=MAX_MEMBERS), name="member_count_plausible"),
        ]

    def __str__(self):
        return f"{self.count} · {self.counted_on}"

    def clean(self):
        super().clean()
        from .integrity import member_count_problems

        errors = member_count_problems(self)
        if errors:
            raise ValidationError(errors)


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
        OUTLETS = "outlets", _("outlet preparation and operations")
        LICENSING = "licensing", _("licensing and administration")
        PARTNERSHIPS = "partnerships", _("partnerships")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="visits",
                                    verbose_name=_("cooperative"))
    mentor = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("mentor"))
    date = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ON_SITE)
    focus_areas = models.JSONField(_("focus areas"), default=list)
    summary = models.TextField(_("summary"))
    time = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True, help_text=_("e.g. Kantor Desa, gerai"))
    participants = models.TextField(_("participants"), blank=True,
                                    help_text=_("who took part, e.g. Ketua, Bendahara, 12 anggota"))
    # The form's one-time token: a form posted twice (a double tap, a retry on a bad connection) records one visit.
    # It is its author's: the same token from someone else is another visit (`visit_submission_once_per_author`).
    # NULL (not "") for a visit recorded without a form, which the constraint then leaves out.
    submission = models.CharField(max_length=40, null=True, blank=True, editable=False)  # noqa: DJ001
    # The phone's location when the visit was recorded on the spot (optional).
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
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
            models.Index(fields=["updated_at", "id"], name="visit_updated_idx"),  # the read API's pulls
        ]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "submission"], name="visit_submission_once_per_author",
                                    condition=models.Q(submission__isnull=False)),
        ]

    def __str__(self):
        return f"{self.cooperative} · {self.date}"

    def get_absolute_url(self):
        return f"{self.cooperative.get_absolute_url()}#visit-{self.pk}"

    def focus_labels(self) -> list[str]:
        labels = dict(self.Focus.choices)
        return [str(labels.get(code, code)) for code in self.focus_areas]


def visit_file_path(instance, filename: str) -> str:
    """Stored under an unguessable name, by regency: `visits/32.02/<random>.jpg`. Files are never served
    from their path, only through a view that checks the viewer's scope."""
    regency = instance.visit.cooperative.village.code[:5]
    suffix = ".jpg" if instance.kind == VisitFile.Kind.PHOTO else ".pdf"
    return f"visits/{regency}/{uuid.uuid4().hex}{suffix}"


class VisitFile(models.Model):
    """Evidence of a visit: a photo (re-encoded, with a thumbnail, its EXIF time and place kept as fields) or a
    PDF document."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        DOCUMENT = "document", _("document")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="files", verbose_name=_("visit"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=visit_file_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=visit_file_path, max_length=200, blank=True)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit file")
        verbose_name_plural = _("visit files")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class FollowUp(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    # The visit's cooperative, kept here (set on save from the visit, which never changes cooperative) so that a
    # place's follow-ups are read from their own index, not by probing the follow-ups of each of its visits.
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", editable=False,
                                    db_index=False)  # followup_cooperative_due_idx begins with it
    action = models.CharField(_("follow-up action"), max_length=300)
    due_date = models.DateField(_("due date"))
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done", "due_date", "id"]
        # Open follow-ups of given visits (dashboards, "needs you now"): a small index instead of a scan of all.
        indexes = [models.Index(fields=["visit", "due_date"], condition=models.Q(done=False), name="followup_open_idx"),
                   models.Index(fields=["updated_at", "id"], name="followup_updated_idx"),  # the read API's pulls
                   # A place's follow-ups due before a day and whether done then (the month-end recap's overdue
                   # count), answered from the index alone.
                   models.Index(fields=["cooperative", "due_date", "done", "done_at"],
                                name="followup_cooperative_due_idx")]

    def __str__(self):
        return self.action

    def save(self, *args, **kwargs):
        if self.cooperative_id is None and self.visit_id is not None:
            self.cooperative_id = Visit.objects.filter(pk=self.visit_id).values_list("cooperative_id", flat=True)[0]
        super().save(*args, **kwargs)


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
    # Lateness is a fact of the first sending, kept as it was decided then: a report sent after its due day stays
    # late after it is returned and sent again, and a later change of the regency's due day rewrites nothing.
    first_submitted_at = models.DateTimeField(_("first sent at"), null=True, blank=True)
    due_on = models.DateField(_("due on when sent"), null=True, blank=True)
    sent_late = models.BooleanField(_("sent late"), default=False)
    # A PMO report sent while some of the team's reports were still waiting for review or missing: why.
    send_reason = models.TextField(_("reason to send with the team's reports open"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    # The cooperatives as they stood when the report was submitted (stage at month end, members at month end,
    # readiness, units, visited or not), kept so that the report does not change afterwards.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)

    history = HistoricalRecords(excluded_fields=["snapshot"])

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "mentor__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "month"], name="one_report_per_mentor_and_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="report_month_is_first_day"),
        ]
        # A month's reports of a whole province or the country by status (report lists, figures) from the index
        # alone, instead of a scan of every month's reports (95,759 nationally).
        indexes = [models.Index(fields=["month", "status", "mentor"], name="report_month_status_idx")]

    def __str__(self):
        return f"{self.mentor} · {self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("cooperatives:report_detail", kwargs={"mentor_pk": self.mentor_id,
                                                             "month": f"{self.month:%Y-%m}"})


class ReportNotice(models.Model):
    """A reminder or late notice of a mentor's report of a month, with the e-mail that carries it: the daily job
    (cooperatives/tasks.py) queues each once, however often it runs, and again only when its e-mail failed. It
    counts as sent once its e-mail is; without one (nobody to tell, or sent before the outbox) it counts as sent."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        LATE = "late", _("late")

    mentor = models.ForeignKey("mentors.Mentor", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("mentor"))
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    mail = models.ForeignKey("toolkit.OutgoingMail", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("e-mail"))

    class Meta:
        verbose_name = _("report notice")
        verbose_name_plural = _("report notices")
        constraints = [models.UniqueConstraint(fields=["mentor", "month", "kind"], name="one_notice_per_report")]

    def __str__(self):
        return f"{self.mentor_id} · {self.month:%Y-%m} · {self.kind}"

    @property
    def mail_status(self) -> str:
        """`waiting`, `sent` or `failed` (OutgoingMail.Status): the e-mail's, or sent without one."""
        return self.mail.status if self.mail_id else OutgoingMail.Status.SENT


class Handover(models.Model):
    """A serah terima: a mentor leaves (resignation, contract not renewed, moved) and the office hands their villages
    over through a plan change that takes effect the day after their last day. It is drafted with the plan (a draft
    of `territories`) and becomes history when that plan is published: then each of the leaver's cooperatives gets
    a `HandoverItem` naming who holds it from that day, with the office's note, the open follow-ups that went
    with it and the leaver's unsent report of the month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("handed over")

    regency = models.ForeignKey("regions.Regency", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("regency"))
    leaver = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, related_name="handovers_given",
                               verbose_name=_("leaving mentor"))
    successor = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("named successor"))
    last_day = models.DateField(_("last day"))
    plan = models.ForeignKey("territories.TerritoryPlan", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("plan change"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The leaver's report of the month of the last day when it was not sent by then: it stays the leaver's (their
    # visits are in it), marked handed over, and the successors are told in "Needs you now".
    report = models.ForeignKey("MonthlyReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("unsent report"))
    report_month = models.DateField(_("month of the unsent report"), null=True, blank=True)
    # A BA who becomes a PMO: the PMO territory (by its name in the plan) they take over, districts and BAs, when
    # the handover is published; their role changes then.
    becomes_pmo_of = models.CharField(_("becomes the PMO of"), max_length=100, blank=True)
    # A named successor who would hold more villages than the office's maximum: why the office allowed it.
    exception_reason = models.TextField(_("reason for the exception"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("handed over by"))
    published_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.leaver} · {self.last_day}"

    @property
    def effective_from(self) -> date:
        return date.fromordinal(self.last_day.toordinal() + 1)


class HandoverItem(models.Model):
    """One cooperative of a handover: who held it, who holds it from the handover's day, what went with it and the
    note for the successor (shown on the cooperative page and in the successor's "Needs you now")."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("handover"))
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="handovers",
                                    verbose_name=_("cooperative"))
    successor = models.ForeignKey("mentors.Mentor", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="handovers_received", verbose_name=_("successor"))
    note = models.TextField(_("handover note"), blank=True)
    open_follow_ups = models.PositiveIntegerField(_("open follow-ups handed over"), default=0)

    class Meta:
        verbose_name = _("handed-over cooperative")
        verbose_name_plural = _("handed-over cooperatives")
        ordering = ["cooperative__village__code"]
        constraints = [models.UniqueConstraint(fields=["handover", "cooperative"],
                                               name="one_handover_item_per_cooperative")]

    def __str__(self):
        return f"{self.cooperative} → {self.successor or '–'}"


class ReconciliationSource(models.TextChoices):
    """A national registry the offices compare the portal with."""

    SIMKOPDES = "simkopdes", "SIMKOPDES"


class ReconciliationMapping(models.Model):
    """Which column of a source's export holds which field, chosen once per regency and source and remembered:
    {field: the column's heading as the export writes it}. Fields without a heading are not compared."""

    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("regency"))
    source = models.CharField(_("source"), max_length=20, choices=ReconciliationSource.choices,
                              default=ReconciliationSource.SIMKOPDES)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [models.UniqueConstraint(fields=["regency", "source"], name="one_mapping_per_regency_source")]

    def __str__(self):
        return f"{self.regency_id} · {self.source}"


class ReconciliationRun(models.Model):
    """One uploaded export compared with the regency's records, once, at upload: its rows are what differs, what
    only the portal has and what only the export has. Accepting a difference writes the record (with the run named
    in its history) and marks the field accepted on the row."""

    regency = models.ForeignKey("regions.Regency", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("regency"))
    source = models.CharField(_("source"), max_length=20, choices=ReconciliationSource.choices,
                              default=ReconciliationSource.SIMKOPDES)
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    columns = models.JSONField(_("columns"), default=dict)  # the mapping as it was used
    export_rows = models.PositiveIntegerField(_("rows in the export"), default=0)
    same_count = models.PositiveIntegerField(_("matched, no difference"), default=0)
    differ_count = models.PositiveIntegerField(_("matched with differences"), default=0)
    portal_only_count = models.PositiveIntegerField(_("only in the portal"), default=0)
    export_only_count = models.PositiveIntegerField(_("only in the export"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["regency", "-uploaded_at"], name="reconciliation_regency_idx")]

    def __str__(self):
        return f"{self.get_source_display()} · {self.file_name}"

    def get_absolute_url(self):
        return reverse("cooperatives:reconciliation_detail", kwargs={"pk": self.pk})

    @property
    def change_reason(self) -> str:
        """What the record's history says of a change accepted from this run (at most 100 characters)."""
        return f"{self.get_source_display()} #{self.pk}: {self.file_name}"[:100]


class ReconciliationRow(models.Model):
    """A row of a run's lists. `differences`: [{field, portal, export, problem}] with the values as stored (dates
    as YYYY-MM-DD); `accepted`: the fields written from it; `refused`: {field: the rule's message}."""

    class Kind(models.TextChoices):
        DIFFERS = "differs", _("matched with differences")
        PORTAL_ONLY = "portal_only", _("only in the portal")
        EXPORT_ONLY = "export_only", _("only in the export")

    class MatchedBy(models.TextChoices):
        NONE = "", "–"
        SIMKOPDES_ID = "simkopdes_id", _("SIMKOPDES ID")
        VILLAGE_CODE = "village_code", _("village code")
        SK_AHU = "sk_ahu", _("SK AHU number")
        NIK = "nik", _("NIK Koperasi")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    village_code = models.CharField(max_length=20, blank=True)  # the portal's, else the export's: the lists' order
    name = models.CharField(max_length=200, blank=True)
    row_number = models.PositiveIntegerField(null=True, blank=True)  # in the export
    matched_by = models.CharField(max_length=12, choices=MatchedBy.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    values = models.JSONField(default=dict, blank=True)  # an export-only row's cells, by field
    differences = models.JSONField(default=list, blank=True)
    accepted = models.JSONField(default=list, blank=True)
    refused = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["village_code", "row_number", "id"]
        indexes = [models.Index(fields=["run", "kind", "village_code"], name="reconciliation_row_list_idx")]

    def __str__(self):
        return f"{self.run_id} · {self.kind} · {self.village_code}"
