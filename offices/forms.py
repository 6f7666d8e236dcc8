from django import forms
from django.utils.translation import gettext_lazy as _

from .documents import default_office_name
from .letterhead import logo_prepare
from .models import OfficeSettings

HIGHEST = {"ba_target_min": 100, "ba_target_max": 100, "ba_span_max_km": 500, "report_due_day": 28,
           "evidence_distance_km": 100, "evidence_late_days": 60}
KEPT_WHEN_EMPTY = ["evidence_distance_km", "evidence_late_days"]  # left empty: the saved value stays


class OfficeSettingsForm(forms.ModelForm):
    """What an office sets for its regency: how many villages a Business Assistant should hold, how wide a BA
    territory may be before the draft checks flag it, when a cooperative without a visit turns amber and red on
    the dashboards, the day of the following month a month's reports are due, and when a visit's evidence is flagged
    for its reviewer (a photo far from the village, a visit recorded long after it)."""

    class Meta:
        model = OfficeSettings
        fields = ["ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days", "recency_red_days",
                  "report_due_day", "evidence_distance_km", "evidence_late_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.min_value = 1
            field.widget.attrs.update(min=1, max=HIGHEST.get(name, 366))
        for name in KEPT_WHEN_EMPTY:  # a form from before these settings (an open tab) still saves the others
            self.fields[name].required = False

    def _kept(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_evidence_distance_km(self):
        return self._kept("evidence_distance_km")

    def clean_evidence_late_days(self):
        return self._kept("evidence_late_days")

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("ba_target_min"), cleaned.get("ba_target_max")
        if low is not None and not 1 <= low <= 100:
            self.add_error("ba_target_min", _("Choose a number of villages from 1 to 100."))
        elif low is not None and high is not None and high < low:
            self.add_error("ba_target_max", _("The most villages per BA cannot be fewer than the fewest."))
        if high is not None and not 1 <= high <= 100:
            self.add_error("ba_target_max", _("Choose a number of villages from 1 to 100."))
        amber, red = cleaned.get("recency_amber_days"), cleaned.get("recency_red_days")
        if amber is not None and red is not None and red <= amber:
            self.add_error("recency_red_days", _("Red must come after amber: give more days than for amber."))
        due = cleaned.get("report_due_day")
        if due is not None and not 1 <= due <= 28:
            self.add_error("report_due_day", _("Choose a day from 1 to 28, which every month has."))
        span = cleaned.get("ba_span_max_km")
        if span is not None and not 1 <= span <= 500:
            self.add_error("ba_span_max_km", _("Choose a distance from 1 to 500 km."))
        distance = cleaned.get("evidence_distance_km")
        if distance is not None and not 1 <= distance <= 100:
            self.add_error("evidence_distance_km", _("Choose a distance from 1 to 100 km."))
        late = cleaned.get("evidence_late_days")
        if late is not None and not 1 <= late <= 60:
            self.add_error("evidence_late_days", _("Choose a number of days from 1 to 60."))
        return cleaned


class OfficeDocumentsForm(forms.ModelForm):
    """What the documents the office prints and signs say of it: the letterhead (name, logo, address and contacts),
    the head who signs (name, position, rank, NIP), the town where documents are signed and the numbering pattern.
    The name and position are proposed from the regency's name until the office saves its own."""

    logo_upload = forms.FileField(label=_("Logo"), required=False, help_text=_(
        "A PNG, JPEG or WebP picture of at most 2 MB, e.g. the regency's coat of arms; it is stored re-encoded."))
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)
    head_nip = forms.CharField(label=_("NIP of the head"), max_length=40, help_text=_(
        "18 digits; spaces are left out."))

    class Meta:
        model = OfficeSettings
        fields = ["office_name", "address", "phone", "email", "website", "head_name", "head_title", "head_rank",
                  "head_nip", "sign_town", "number_pattern"]

    REQUIRED = ["office_name", "address", "head_name", "head_title", "head_nip", "sign_town"]

    def __init__(self, *args, regency, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED:
            self.fields[name].required = True
        if not self.instance.office_name:
            self.initial["office_name"] = default_office_name(regency)
        if not self.instance.head_title:  # "Kepala Dinas Koperasi, … Kabupaten Sukabumi"
            name = self.instance.office_name or self.initial["office_name"]
            self.initial["head_title"] = f"Kepala {name}"
        self.fields["head_nip"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["logo_upload"].widget.attrs["accept"] = "image/png,image/jpeg,image/webp,image/gif"

    def clean_head_nip(self):
        return "".join((self.cleaned_data.get("head_nip") or "").split())  # "19700101 199503 1 001" is accepted

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        return logo_prepare(upload) if upload else None
