import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.db import models
from django.forms import formset_factory
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from regions.forms import PhoneField, RegencyChoiceForm, SheetDateField
from toolkit.memo import process_memo
from toolkit.phones import phone_normalize
from toolkit.versions import content_version

from .models import (
    MAX_MEMBERS,
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    LandPlot,
    MemberCount,
    MicrositeStatus,
    SimkopdesStatus,
    Stage,
    UnitKind,
    UnitStatus,
    Visit,
)

STANDARD_UNITS = [(k, label) for k, label in UnitKind.choices if k != UnitKind.OTHER]


class CooperativeForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)  # none sent: refused as stale
    stage_reached_on = forms.DateField(
        label=_("Stage reached on"), required=False, help_text=_("Only when the stage changes; default today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    units = forms.MultipleChoiceField(label=_("Business units"), choices=STANDARD_UNITS, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    other_units = forms.CharField(label=_("Other business units"), required=False,
                                  help_text=_("Separated by commas, e.g. LPG 3 kg agency, fertiliser"))

    stage_reason = forms.CharField(label=_("Why the stage moves back or skips a stage"), required=False,
                                   max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("Only when the stage moves back or skips a stage; kept in the stage "
                                               "timeline."))

    class Meta:
        model = Cooperative
        fields = ["name", "stage", "notary_deed_number", "notary_deed_date", "notary_name", "legal_entity_number",
                  "legal_entity_date", "member_count", "chair_name",
                  "chair_phone", "manager_name", "manager_phone", "address", "notes",
                  "nik_number", "nik_date", "npwp", "npwp_date", "nib", "nib_date", "bank_name",
                  "bank_account_number", "bank_account_name", "bank_account_date", "proposal_date",
                  "simkopdes_status", "simkopdes_updated_on", "microsite_status"]
        widgets = {
            **{name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for name in (
                "legal_entity_date", "nik_date", "npwp_date", "nib_date", "bank_account_date", "proposal_date",
                "simkopdes_updated_on", "notary_deed_date")},
            **{name: forms.TextInput(attrs={"inputmode": "numeric"}) for name in (
                "nik_number", "npwp", "nib", "bank_account_number")},
            "bank_name": forms.TextInput(attrs={"list": "banks"}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "chair_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "manager_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "member_count": forms.NumberInput(attrs={"min": 0, "max": MAX_MEMBERS}),
        }

    # Shown in this order, in these groups, on the form.
    GROUPS = [
        (_("Profile"), ["name", "stage", "stage_reached_on", "stage_reason", "notary_deed_number",
                        "notary_deed_date", "notary_name", "legal_entity_number",
                        "legal_entity_date", "member_count", "chair_name", "chair_phone", "manager_name",
                        "manager_phone", "address", "units", "other_units", "notes"]),
        (_("Financing readiness"), ["nik_number", "nik_date", "npwp", "npwp_date", "nib", "nib_date", "bank_name",
                                    "bank_account_number", "bank_account_name", "bank_account_date",
                                    "proposal_date"]),
        (_("SIMKOPDES and microsite"), ["simkopdes_status", "simkopdes_updated_on", "microsite_status"]),
    ]

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = content_version(self.instance)
        units = list(self.instance.units.all())
        self.fields["units"].initial = [u.kind for u in units if u.kind != UnitKind.OTHER]
        self.fields["other_units"].initial = ", ".join(u.name for u in units if u.kind == UnitKind.OTHER)

    chair_phone = forms.CharField(label=_("chair's phone"), max_length=30, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "tel"}))
    manager_phone = forms.CharField(label=_("manager's phone"), max_length=30, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel"}))

    def clean_chair_phone(self):
        return phone_normalize(self.cleaned_data["chair_phone"])

    def clean_manager_phone(self):
        return phone_normalize(self.cleaned_data["manager_phone"])

    def clean_stage_reached_on(self):
        day = self.cleaned_data["stage_reached_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the phone's camera or gallery): a list of uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _dates(*names):
    return {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for name in names}


class UnitForm(forms.ModelForm):
    class Meta:
        model = BusinessUnit
        fields = ["kind", "name", "status", "construction_started_on", "opened_on", "notes"]
        widgets = _dates("construction_started_on", "opened_on")


class FinancingForm(forms.ModelForm):
    class Meta:
        model = FinancingProposal
        fields = ["deliberation_date", "deliberation_minutes", "approval_number", "approval_date",
                  "repayment_support", "lender", "operational_spending", "capital_spending", "tenor_months",
                  "grace_months", "status", "submitted_on", "decided_on", "approved_amount", "disbursed_on",
                  "disbursed_amount", "notes"]
        widgets = {**_dates("submitted_on", "decided_on", "disbursed_on", "deliberation_date", "approval_date"),
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Lender

        # The closed list: the lenders offered, and the one this proposal already names even if no longer offered.
        lenders = Lender.objects.filter(active=True)
        if self.instance.lender_id:
            lenders = Lender.objects.filter(models.Q(active=True) | models.Q(pk=self.instance.lender_id))
        self.fields["lender"].queryset = lenders
        self.fields["lender"].required = True


class InstalmentPaymentForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount paid (Rp)"), min_value=1)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class LandForm(forms.ModelForm):
    class Meta:
        model = LandPlot
        fields = ["latitude", "longitude", "area_m2", "ownership", "status", "title", "title_number",
                  "disaster_prone", "under_power_lines", "programme_status", "build_progress", "handed_over_on",
                  "recorded_on", "notes"]
        widgets = {**_dates("recorded_on", "handed_over_on"), "latitude": forms.NumberInput(attrs={"step": "0.000001"}),
                   "longitude": forms.NumberInput(attrs={"step": "0.000001"})}
        help_texts = {"latitude": _("e.g. -6.987654 (from the phone's map)"), "longitude": _("e.g. 106.543210")}


class BoardForm(forms.ModelForm):
    phone = PhoneField(label=_("phone"))

    class Meta:
        model = BoardMember
        fields = ["role", "name", "phone", "term_start", "term_end"]
        widgets = _dates("term_start", "term_end")


class MemberCountForm(forms.ModelForm):
    class Meta:
        model = MemberCount
        fields = ["counted_on", "count"]
        widgets = {**_dates("counted_on"), "count": forms.NumberInput(attrs={"min": 0, "max": MAX_MEMBERS})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.is_bound:
            self.initial["counted_on"] = timezone.localdate()


class VisitForm(forms.Form):
    cooperative = forms.ModelChoiceField(queryset=None, label=_("Cooperative"), required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Visit.Mode.choices, widget=forms.RadioSelect,
                             initial=Visit.Mode.ON_SITE)
    focus_areas = forms.MultipleChoiceField(label=_("Focus areas"), choices=Visit.Focus.choices,
                                            widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"},
                                                                                    format="%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False,
                            help_text=_("e.g. Kantor Desa, gerai sembako"))
    participants = forms.CharField(label=_("Participants"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("who took part, e.g. Ketua, Bendahara, 12 anggota"))
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                   widget=forms.HiddenInput)
    files = MultipleFileField(label=_("Photos and documents"), required=False)
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    member_count = forms.IntegerField(label=_("Members counted at the visit"), required=False, min_value=0,
                                      max_value=MAX_MEMBERS, help_text=_("Leave empty if not counted."),
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, cooperatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4().hex)
        self.fields["files"].help_text = _(
            "Photos (JPEG, PNG, WebP) or PDF documents, at most %(count)d files of %(size)d MB each.") % {
            "count": settings.VISIT_FILES_MAX, "size": settings.VISIT_FILE_MAX_MB}
        self.fields["files"].widget.attrs["data-most"] = settings.VISIT_FILES_MAX  # the field app checks it first
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        if cooperatives is None:
            del self.fields["cooperative"]
        else:
            field = self.fields["cooperative"]
            field.queryset = cooperatives.select_related("village__district")
            field.required = True
            field.label_from_instance = lambda c: f"{c.village.name} · {c.village.district.name}"

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be dated in the future."))
        return day


class FollowUpForm(forms.Form):
    action = forms.CharField(label=_("What is to be done"), max_length=300, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") and not cleaned.get("due_date"):
            self.add_error("due_date", _("Give the follow-up a due date."))
        if cleaned.get("due_date") and not cleaned.get("action"):
            self.add_error("action", _("Describe the follow-up."))
        return cleaned


FollowUpFormSet = formset_factory(FollowUpForm, extra=2, max_num=5)


class ReportForm(forms.Form):
    obstacles = forms.CharField(label=_("Obstacles"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    next_month_plan = forms.CharField(label=_("Plan for next month"), widget=forms.Textarea(attrs={"rows": 4}),
                                      required=False)

    def __init__(self, *args, pmo: bool = False, open_reports: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if pmo:  # the PMO's own part of their report
            self.fields["obstacles"].label = _("Analysis of the BAs' month")
            self.fields["next_month_plan"].label = _("Plan and follow-up for next month")
        if pmo and open_reports:  # some of the team's reports are not accepted: a reason to send anyway
            self.fields["send_reason"] = forms.CharField(
                label=_("Reason to send with these reports open"), required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Needed only while some of your Business Assistants' reports are not accepted; the "
                            "regency office reads it with your report."))


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, returning: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.returning = returning

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if self.returning and not comment:
            raise forms.ValidationError(_("Say what must be improved when you return a report."))
        return comment


class CooperativeImportForm(RegencyChoiceForm):
    file = forms.FileField(label=_("Spreadsheet"), help_text=_(
        "Excel (.xlsx) or CSV, at most 2 MB, one row per village (the registry's Excel export is an example that "
        "imports back). Columns: kode desa, nama koperasi, tahap, nomor badan hukum, tanggal badan hukum, jumlah "
        "anggota, ketua, telepon ketua, manajer, telepon manajer, alamat, unit usaha, catatan; from the stage "
        "“lahan tersedia” on, the land plot: luas lahan (m2), lintang lahan, bujur lahan, status hak lahan and, "
        "if not today, tanggal lahan dicatat."), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))




# --- one row of the registry spreadsheet ----------------------------------------------------------

OTHER_WORDS = {"lainnya", "lain-lain", "other", "others"}
UNIT_STATUS_SUFFIX = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
STAGE_WORDS = {
    "musyawarah": Stage.MUSYAWARAH, "musdesus": Stage.MUSYAWARAH, "musyawarah desa": Stage.MUSYAWARAH,
    "akta notaris": Stage.NOTARY_DEED, "akta": Stage.NOTARY_DEED, "notary deed": Stage.NOTARY_DEED,
    "badan hukum": Stage.LEGAL_ENTITY, "sk ahu": Stage.LEGAL_ENTITY, "legal entity": Stage.LEGAL_ENTITY,
    "simkopdes": Stage.SIMKOPDES, "akun simkopdes": Stage.SIMKOPDES,
    "rencana bisnis": Stage.BUSINESS_PLAN, "business plan": Stage.BUSINESS_PLAN,
    "lahan": Stage.LAND_SECURED, "lahan tersedia": Stage.LAND_SECURED, "land secured": Stage.LAND_SECURED,
    "gerai dibangun": Stage.OUTLETS_BUILT, "gerai": Stage.OUTLETS_BUILT, "outlets built": Stage.OUTLETS_BUILT,
    "gerai selesai dibangun": Stage.OUTLETS_BUILT, "musyawarah kelurahan": Stage.MUSYAWARAH,
    "beroperasi": Stage.OPERATING, "operasional": Stage.OPERATING, "operating": Stage.OPERATING,
}
UNIT_WORDS = {
    "kantor": UnitKind.OFFICE, "kantor koperasi": UnitKind.OFFICE, "office": UnitKind.OFFICE,
    "sembako": UnitKind.SEMBAKO, "gerai sembako": UnitKind.SEMBAKO,
    "simpan pinjam": UnitKind.SAVINGS_LOANS, "usp": UnitKind.SAVINGS_LOANS,
    "klinik": UnitKind.CLINIC, "klinik desa": UnitKind.CLINIC,
    "apotek": UnitKind.PHARMACY, "apotek desa": UnitKind.PHARMACY,
    "gudang": UnitKind.WAREHOUSE, "cold storage": UnitKind.WAREHOUSE, "pergudangan": UnitKind.WAREHOUSE,
    "logistik": UnitKind.LOGISTICS,
}


def clean_other_units(names) -> list[str]:
    """“Other” business units as stored: trimmed, at most 100 characters, one per name whatever its case."""
    result = {}
    for name in names:
        name = " ".join(name.split())[:100]
        if name and name.casefold() not in OTHER_WORDS:
            result.setdefault(name.casefold(), name)
    return sorted(result.values(), key=str.casefold)


@process_memo
def _words(choices, extra: tuple) -> dict[str, str]:
    """Every way a sheet may name a choice: its code, its label in Indonesian and English, and common words."""
    words = {key.casefold(): value for key, value in extra}
    for code, label in choices.choices:
        words[code.casefold()] = code
        for language in ("id", "en"):
            with translation.override(language):
                words[str(label).casefold()] = code
    return words


LAND_COLUMNS = ("land_area_m2", "land_latitude", "land_longitude", "land_title", "land_recorded_on")


class CooperativeRowForm(forms.Form):
    """One row of the office's sheet (the village code is matched by the import itself). A blank name or stage
    leaves the record's own."""

    name = forms.CharField(label=_("name"), max_length=200, required=False)
    stage = forms.CharField(label=_("stage"), required=False)
    notary_deed_number = forms.CharField(label=_("notary deed number"), max_length=50, required=False)
    notary_deed_date = SheetDateField(label=_("notary deed date"))
    notary_name = forms.CharField(label=_("notary"), max_length=150, required=False)
    legal_entity_number = forms.CharField(label=_("legal entity number (SK AHU)"), max_length=100, required=False)
    legal_entity_date = SheetDateField(label=_("legal entity date"))
    member_count = forms.CharField(label=_("members"), required=False)
    chair_name = forms.CharField(label=_("chair"), max_length=150, required=False)
    chair_phone = PhoneField(label=_("chair's phone"))
    manager_name = forms.CharField(label=_("manager"), max_length=150, required=False)
    manager_phone = PhoneField(label=_("manager's phone"))
    address = forms.CharField(label=_("address"), required=False)
    units = forms.CharField(label=_("Business units"), required=False)
    notes = forms.CharField(label=_("notes"), required=False)
    nik_number = forms.CharField(label=_("Nomor Induk Koperasi (NIK Koperasi)"), max_length=30, required=False)
    nik_date = SheetDateField(label=_("NIK Koperasi date"))
    npwp = forms.CharField(label=_("NPWP"), max_length=30, required=False)
    npwp_date = SheetDateField(label=_("NPWP date"))
    nib = forms.CharField(label=_("NIB"), max_length=30, required=False)
    nib_date = SheetDateField(label=_("NIB date"))
    bank_name = forms.CharField(label=_("bank"), max_length=60, required=False)
    bank_account_number = forms.CharField(label=_("account number"), max_length=30, required=False)
    bank_account_name = forms.CharField(label=_("account name"), max_length=200, required=False)
    bank_account_date = SheetDateField(label=_("account opened on"))
    proposal_date = SheetDateField(label=_("business proposal ready on"))
    simkopdes_status = forms.CharField(label=_("SIMKOPDES account"), required=False)
    simkopdes_updated_on = SheetDateField(label=_("last updated in SIMKOPDES"))
    microsite_status = forms.CharField(label=_("microsite"), required=False)
    stage_reason = forms.CharField(label=_("Why the stage moves back"), max_length=1000, required=False)
    # The cooperative's land plot (its latest one), for a stage from "land secured" on: area, point and title;
    # checked by the same rules as the land form (`integrity.land_problems`) by the import.
    land_area_m2 = forms.CharField(label=_("land area (m²)"), required=False)
    land_latitude = forms.CharField(label=_("land latitude"), required=False)
    land_longitude = forms.CharField(label=_("land longitude"), required=False)
    land_title = forms.CharField(label=_("land title"), required=False)
    land_recorded_on = SheetDateField(label=_("land recorded on"))

    def clean_land_area_m2(self):
        text = self.cleaned_data["land_area_m2"].replace(".", "").replace(",", "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise forms.ValidationError(_("“%(value)s” is not an area in whole square metres")
                                        % {"value": self.cleaned_data["land_area_m2"]})
        return int(text)

    def _coordinate(self, name):
        text = self.cleaned_data[name].strip().replace(",", ".")
        if not text:
            return None
        try:
            return Decimal(text).quantize(Decimal("0.000001"))
        except InvalidOperation:
            raise forms.ValidationError(_("“%(value)s” is not a coordinate in degrees, e.g. -6.987654")
                                        % {"value": self.cleaned_data[name]}) from None

    def clean_land_latitude(self):
        return self._coordinate("land_latitude")

    def clean_land_longitude(self):
        return self._coordinate("land_longitude")

    def clean_land_title(self):
        return self._choice("land_title", LandPlot.Title, None)

    def _choice(self, name, choices, default):
        text = self.cleaned_data[name]
        if not text:
            return default
        value = _words(choices, ()).get(text.casefold())
        if value is None:
            raise forms.ValidationError(_("unknown value “%(value)s”") % {"value": text})
        return value

    def clean_simkopdes_status(self):
        return self._choice("simkopdes_status", SimkopdesStatus, SimkopdesStatus.NONE)

    def clean_microsite_status(self):
        return self._choice("microsite_status", MicrositeStatus, MicrositeStatus.NONE)

    def clean_stage(self):
        text = self.cleaned_data["stage"]
        if not text:
            return None
        stage = _words(Stage, tuple(STAGE_WORDS.items())).get(text.casefold())
        if stage is None:
            raise forms.ValidationError(_("unknown stage “%(stage)s”") % {"stage": text})
        return stage

    def clean_member_count(self):
        text = self.cleaned_data["member_count"]
        if not text:
            return None
        if not text.isdigit():
            raise forms.ValidationError(_("member count “%(value)s” must be a whole number of 0 or more")
                                        % {"value": text})
        return int(text)

    def clean_units(self):
        """“Sembako (beroperasi), Klinik desa, Agen LPG 3 kg (direncanakan)”: kinds, other units' names and the
        statuses given in brackets ({(kind, name): status})."""
        kinds, others, statuses = [], [], {}
        words = _words(UnitKind, tuple(UNIT_WORDS.items()))
        status_words = _words(UnitStatus, ())
        for part in [p.strip() for p in self.cleaned_data["units"].replace(";", ",").split(",") if p.strip()]:
            status = None
            bracket = UNIT_STATUS_SUFFIX.match(part)
            if bracket and bracket.group(2).strip().casefold() in status_words:
                part, status = bracket.group(1).strip(), status_words[bracket.group(2).strip().casefold()]
            kind = words.get(part.casefold())
            if kind and kind != UnitKind.OTHER:
                kinds.append(kind)
                key = (kind, "")
            else:
                others.append(part)
                key = (UnitKind.OTHER, clean_other_units([part])[0]) if clean_other_units([part]) else None
            if status and key:
                statuses[key] = status
        return sorted(set(kinds)), clean_other_units(others), statuses

    def clean(self):
        cleaned = super().clean()
        for name in ("name", "stage"):  # blank: keep the record's own
            if name in cleaned and not cleaned[name]:
                del cleaned[name]
        land = {name: cleaned.pop(name) for name in LAND_COLUMNS if name in cleaned}
        if any(value not in (None, "") for value in land.values()):
            missing = [str(self.base_fields[name].label) for name in ("land_area_m2", "land_latitude",
                                                                      "land_longitude")
                       if land.get(name) is None and name not in self.errors]
            if missing:
                raise forms.ValidationError(_("a land plot needs its area and its point: missing %(columns)s")
                                            % {"columns": ", ".join(missing)})
            cleaned["land"] = land
        if cleaned.get("legal_entity_number") and "legal_entity_date" in self.fields \
                and not cleaned.get("legal_entity_date") and "legal_entity_date" not in self.errors:
            raise forms.ValidationError(_("a legal entity number needs its date"))
        return cleaned


class HandoverStartForm(forms.Form):
    """The first step of a handover: who leaves, their last day, and to whom their villages go."""

    TO_NEIGHBOURS, TO_SUCCESSOR = "neighbours", "successor"

    leaver = forms.ModelChoiceField(label=_("Leaving mentor"), queryset=None)
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               help_text=_("The plan change takes effect the next day."))
    to = forms.ChoiceField(label=_("Hand the villages to"), widget=forms.RadioSelect, initial=TO_NEIGHBOURS, choices=[
        (TO_NEIGHBOURS, _("the neighbouring BAs under the same PMO (a proposal without the leaver)")),
        (TO_SUCCESSOR, _("a named successor (for a PMO: the PMO whose team takes the BAs)"))])
    successor = forms.ModelChoiceField(label=_("Successor"), queryset=None, required=False)
    becomes_pmo_of = forms.ChoiceField(
        label=_("The leaving BA becomes the PMO of"), required=False,
        help_text=_("Only for a BA who becomes a PMO: they take over this PMO territory, its districts and its BAs "
                    "(its PMO until now leaves it); their role changes to PMO when the handover is published."))

    def __init__(self, *args, mentors, pmo_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["becomes_pmo_of"].choices = [("", _("nobody: the BA leaves"))] + list(pmo_choices)
        self.fields["leaver"].queryset = mentors
        self.fields["successor"].queryset = mentors
        label = lambda m: f"{m.full_name} ({m.get_role_display()})"  # noqa: E731
        self.fields["leaver"].label_from_instance = label
        self.fields["successor"].label_from_instance = label

    def clean(self):
        data = super().clean()
        leaver, successor, to = data.get("leaver"), data.get("successor"), data.get("to")
        if to == self.TO_SUCCESSOR and successor is None:
            self.add_error("successor", _("Choose the successor, or hand the villages to the neighbours."))
        if to == self.TO_NEIGHBOURS:
            data["successor"] = None
            if leaver is not None and leaver.role != "ba":
                self.add_error("to", _("A PMO's BAs go to another PMO's team: name that PMO as the successor."))
        if leaver is not None and data.get("successor") is not None and (
                data["successor"].pk == leaver.pk or data["successor"].role != leaver.role):
            self.add_error("successor", _("The successor is another mentor of the same role as the leaver."))
        if leaver is not None and data.get("becomes_pmo_of") and leaver.role != "ba":
            self.add_error("becomes_pmo_of", _("Only a BA becomes a PMO through a handover."))
        return data


# --- reconciliation with the national registry ----------------------------------------------------------------


class ReconciliationMappingForm(forms.Form):
    """Which column heading of the export holds each field: one text box per field (blank: not compared)."""

    def __init__(self, *args, fields: dict, initial_columns: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, _default) in fields.items():
            self.fields[name] = forms.CharField(label=label, max_length=100, required=False,
                                                initial=initial_columns.get(name, ""))
        self.key_fields = ("village_code", "legal_entity_number", "nik_number", "simkopdes_id")

    def clean(self):
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in self.key_fields):
            raise forms.ValidationError(_("Name at least the column of the village code, the SK AHU number or the "
                                          "NIK Koperasi: rows are matched by them."))
        seen = {}
        for name, heading in list(data.items()):
            key = " ".join((heading or "").lower().replace("_", " ").split())
            if not key:
                continue
            if key in seen:
                self.add_error(name, _("The column “%(heading)s” is already chosen for “%(field)s”.")
                               % {"heading": heading, "field": self.fields[seen[key]].label})
            seen.setdefault(key, name)
        return data


class ReconciliationUploadForm(forms.Form):
    file = forms.FileField(label=_("Export of the national registry"), help_text=_(
        "Excel (.xlsx) or CSV, at most 2 MB, with the columns chosen above in its first row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
