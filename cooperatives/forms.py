from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentors.forms import RegencyChoiceForm
from mentors.services import phone_normalize

from .models import Cooperative, UnitKind, Visit

STANDARD_UNITS = [(k, label) for k, label in UnitKind.choices if k != UnitKind.OTHER]


class CooperativeForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput)
    stage_reached_on = forms.DateField(
        label=_("Stage reached on"), required=False, help_text=_("Only when the stage changes; default today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    units = forms.MultipleChoiceField(label=_("Business units"), choices=STANDARD_UNITS, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    other_units = forms.CharField(label=_("Other business units"), required=False,
                                  help_text=_("Separated by commas, e.g. LPG 3 kg agency, fertiliser"))

    class Meta:
        model = Cooperative
        fields = ["name", "stage", "legal_entity_number", "legal_entity_date", "member_count", "chair_name",
                  "chair_phone", "manager_name", "manager_phone", "address", "notes"]
        widgets = {
            "legal_entity_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "chair_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "manager_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "member_count": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.updated_at.isoformat()
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


class VisitForm(forms.Form):
    cooperative = forms.ModelChoiceField(queryset=None, label=_("Cooperative"), required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Visit.Mode.choices, widget=forms.RadioSelect,
                             initial=Visit.Mode.ON_SITE)
    focus_areas = forms.MultipleChoiceField(label=_("Focus areas"), choices=Visit.Focus.choices,
                                            widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, cooperatives=None, **kwargs):
        super().__init__(*args, **kwargs)
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


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment for the BA"), widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)


class CooperativeImportForm(RegencyChoiceForm):
    file = forms.FileField(label=_("Spreadsheet"), help_text=_(
        "Excel (.xlsx) or CSV, at most 2 MB, one row per village. Columns: kode desa, nama koperasi, tahap, "
        "nomor badan hukum, tanggal badan hukum, jumlah anggota, ketua, telepon ketua, manajer, telepon manajer, "
        "alamat, unit usaha, catatan."), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


