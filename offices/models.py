"""A regency office's settings. A regency without its row works with the defaults: read them through
`OfficeSettings.of` (one regency) or `setting` (a column of a query over many)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from regions.models import Regency

# What a document number's pattern may hold: the office's sequence of the year (required), the year, the month as
# two digits and as a Roman numeral (as many regional registers write it, e.g. "500.3/17/DKUKM/XII/2026").
NUMBER_PLACEHOLDERS = ("seq", "year", "month", "month_roman")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def validate_number_pattern(value: str) -> None:
    names = PLACEHOLDER.findall(value)
    unknown = sorted({name for name in names if name not in NUMBER_PLACEHOLDERS})
    if unknown:
        raise ValidationError(_("Unknown part in the pattern: %(parts)s. Use {seq}, {year}, {month} or "
                                "{month_roman}.") % {"parts": ", ".join(f"{{{name}}}" for name in unknown)})
    if names.count("seq") != 1:
        raise ValidationError(_("The pattern needs the sequence number {seq} once, e.g. 500.3/{seq}/DKUKM/{year}."))
    if "year" not in names:
        raise ValidationError(_("The pattern needs the year {year}: the sequence starts again each year."))
    if "{" in PLACEHOLDER.sub("", value) or "}" in PLACEHOLDER.sub("", value):
        raise ValidationError(_("A brace in the pattern is not closed."))


def validate_nip(value: str) -> None:
    """A civil servant's NIP: 18 digits, the birth date (YYYYMMDD), the month of appointment (YYYYMM), the sex
    (1 or 2) and a serial number."""
    if not re.fullmatch(r"\d{18}", value):
        raise ValidationError(_("An NIP has 18 digits (spaces are left out), e.g. 19700101 199503 1 001."))
    born_month, born_day, appointed_month = int(value[4:6]), int(value[6:8]), int(value[12:14])
    if not (1 <= born_month <= 12 and 1 <= born_day <= 31 and 1 <= appointed_month <= 12 and value[14] in "12"):
        raise ValidationError(_("This is not an NIP: its first 8 digits are a birth date, the next 6 the year and "
                                "month of appointment, then 1 or 2."))


def logo_path(instance, filename):
    return f"offices/{instance.regency_id}/{filename}"


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
    # What the documents the office prints and signs say of it (the letterhead, the signature block, the number).
    # Empty until the office fills them in: a print page then names what is missing instead of guessing.
    office_name = models.CharField(_("official name of the office"), max_length=200, blank=True, help_text=_(
        "As on the office's letterhead, e.g. Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi."))
    head_name = models.CharField(_("name of the head of the office"), max_length=120, blank=True,
                                 help_text=_("As it is signed, with degrees."))
    head_title = models.CharField(_("position (jabatan)"), max_length=200, blank=True,
                                  help_text=_(
        "The full position as signed, e.g. Kepala Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi "
        "(with Plt. before it when acting)."))
    head_rank = models.CharField(_("rank (pangkat/golongan)"), max_length=80, blank=True,
                                 help_text=_("Optional, e.g. Pembina Utama Muda (IV/c)."))
    head_nip = models.CharField(_("NIP of the head"), max_length=18, blank=True, validators=[validate_nip])
    sign_town = models.CharField(_("town where documents are signed"), max_length=80, blank=True, help_text=_(
        "The town of the office, not the regency's name, e.g. Pelabuhanratu for Kabupaten Sukabumi."))
    logo = models.FileField(_("logo"), upload_to=logo_path, max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    phone = models.CharField(_("telephone"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.CharField(_("website"), max_length=120, blank=True)
    number_pattern = models.CharField(_("document number pattern"), max_length=80, blank=True,
                                      validators=[validate_number_pattern], help_text=_(
        "{seq} is the office's next number of the year; {year}, {month} and {month_roman} are filled in as well, "
        "e.g. 500.3/{seq}/DKUKM/{year}."))

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
    def nip_spaced(self) -> str:
        """The NIP as it is printed: birth date, appointment, sex, serial ("19700101 199503 1 001")."""
        nip = self.head_nip
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == 18 else nip

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


class DocumentSequence(models.Model):
    """The last number an office gave a document in a year: the next one is allocated under this row's lock."""

    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="document_sequences")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regency", "year"], name="document_sequence_once_a_year")]

    def __str__(self):
        return f"{self.regency} {self.year}: {self.last}"


class IssuedNumber(models.Model):
    """The register of the numbers an office gave or that were typed in its pattern: which document, when and by
    whom. Nothing is ever deleted."""

    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="issued_numbers",
                                verbose_name=_("regency"))
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=120)
    document = models.CharField(_("document"), max_length=250)
    issued_on = models.DateField(_("dated"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    # A number typed by hand (the office's own agenda gave it) that fits the office's pattern is entered too, so
    # that the register never gives its sequence again.
    typed = models.BooleanField(_("typed by hand"), default=False)

    class Meta:
        verbose_name = _("issued number")
        verbose_name_plural = _("issued numbers")
        ordering = ["regency", "-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["regency", "year", "sequence"], name="issued_number_sequence_once"),
            models.UniqueConstraint(fields=["regency", "number"], name="issued_number_once"),
        ]

    def __str__(self):
        return self.number
