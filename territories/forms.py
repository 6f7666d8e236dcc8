import hashlib
from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

from mentors.models import Mentor
from regions.forms import RegencyChoiceForm
from regions.models import District, Village
from regions.timezones import regency_today

from .models import BaTerritory, PmoTerritory, TerritoryPlan


class VersionedForm(forms.Form):
    """Every draft edit carries the version the admin saw; the service refuses a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def clean_version(self) -> int:
        return self.cleaned_data["version"] or 0  # none sent: refused as stale (a plan starts at version 1)


class PlanCreateForm(RegencyChoiceForm):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("For example: Pembagian wilayah kerja Januari 2027"))
    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect, initial="clone", choices=[
        ("clone", _("a copy of the plan in force")), ("empty", _("an empty plan")),
    ])


class TerritoryForm(VersionedForm):
    kind = forms.ChoiceField(choices=[("pmo", "PMO"), ("ba", "BA")])
    name = forms.CharField(label=_("Name"), max_length=100)
    mentor = forms.ModelChoiceField(queryset=None, required=False, label=_("Mentor"))
    pmo_territory = forms.ModelChoiceField(queryset=None, required=False, label=_("PMO territory"))

    def __init__(self, *args, plan: TerritoryPlan, **kwargs):
        super().__init__(*args, **kwargs)
        role = Mentor.Role.PMO if self.data.get("kind") == "pmo" else Mentor.Role.BA
        self.fields["mentor"].queryset = Mentor.objects.filter(regency=plan.regency, role=role)
        self.fields["pmo_territory"].queryset = PmoTerritory.objects.filter(plan=plan)


class MoveVillagesForm(VersionedForm):
    villages = forms.ModelMultipleChoiceField(queryset=None, required=False)
    district = forms.ModelChoiceField(queryset=None, required=False)
    to = forms.ModelChoiceField(queryset=None, required=False, label=_("To BA territory"))

    def __init__(self, *args, plan: TerritoryPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = Village.objects.filter(district__regency=plan.regency)
        self.fields["district"].queryset = District.objects.filter(regency=plan.regency)
        self.fields["to"].queryset = BaTerritory.objects.filter(plan=plan)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("villages") and not cleaned.get("district"):
            raise forms.ValidationError(_("Select at least one village, or a district."))
        return cleaned

    def village_ids(self) -> list[int]:
        if self.cleaned_data.get("villages"):
            return [village.pk for village in self.cleaned_data["villages"]]
        return list(Village.objects.filter(district=self.cleaned_data["district"]).values_list("id", flat=True))


class MoveDistrictsForm(VersionedForm):
    districts = forms.ModelMultipleChoiceField(queryset=None)
    to = forms.ModelChoiceField(queryset=None, required=False, label=_("To PMO territory"))

    def __init__(self, *args, plan: TerritoryPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = District.objects.filter(regency=plan.regency)
        self.fields["to"].queryset = PmoTerritory.objects.filter(plan=plan)


class ProposeForm(VersionedForm):
    mode = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect, initial="keep", choices=[
        ("keep", _("the current split, changed as little as possible")),
        ("fresh", _("nothing: a new split of the whole regency")),
    ])
    ba_mentors = forms.ModelMultipleChoiceField(queryset=None, label=_("Business Assistants"),
                                                widget=forms.CheckboxSelectMultiple)
    pmo_mentors = forms.ModelMultipleChoiceField(queryset=None, label=_("PMOs"), required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, plan: TerritoryPlan, **kwargs):
        super().__init__(*args, **kwargs)
        today = regency_today(plan.regency)
        # A mentor whose contract has ended is not offered; one ending within 30 days is marked.
        mentors = (Mentor.objects.filter(regency=plan.regency, is_active=True)
                   .filter(Q(contract_end__isnull=True) | Q(contract_end__gte=today)).order_by("full_name", "id"))
        self.fields["ba_mentors"].queryset = mentors.filter(role=Mentor.Role.BA)
        self.fields["pmo_mentors"].queryset = mentors.filter(role=Mentor.Role.PMO)
        soon = today + timedelta(days=30)
        for name in ("ba_mentors", "pmo_mentors"):
            self.fields[name].label_from_instance = lambda mentor, soon=soon: (
                _("%(name)s (contract ends %(day)s)") % {"name": mentor.full_name,
                                                         "day": date_format(mentor.contract_end, "j M Y")}
                if mentor.contract_end and mentor.contract_end <= soon else mentor.full_name)
        self.fields["version"].initial = plan.version
        if not self.is_bound:
            self.initial["mode"] = "keep"
            self.initial["ba_mentors"] = list(self.fields["ba_mentors"].queryset)
            self.initial["pmo_mentors"] = list(self.fields["pmo_mentors"].queryset)

    def token(self) -> str:
        """What was chosen, to apply only the proposal that was previewed."""
        data = self.cleaned_data
        chosen = (data["version"], data["mode"], sorted(m.pk for m in data["ba_mentors"]),
                  sorted(m.pk for m in data["pmo_mentors"]))
        return hashlib.sha256(repr(chosen).encode()).hexdigest()[:20]


class PublishForm(VersionedForm):
    effective_from = forms.DateField(label=_("In force from"),
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text=_("A later day schedules the plan: it takes effect at the start of "
                                                 "that day, and the plan in force stays until then."))
    decree_number = forms.CharField(label=_("Decree number (SK)"), max_length=100, required=False)
    reviewed_active = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(
        label=_("I have checked the summary above: publish this plan."),
        error_messages={"required": _("Tick the box to confirm that you checked the summary.")})

    def __init__(self, *args, plan: TerritoryPlan, active: TerritoryPlan | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = plan.version
        self.fields["reviewed_active"].initial = active.pk if active else None
        # The date is chosen, never assumed: publishing is a decision with a decree behind it.


class DecreeForm(VersionedForm):
    """The decree whose annex the plan is, as its heading prints it: number (typed, or the office's next one),
    date and subject (TENTANG)."""

    decree_number = forms.CharField(label=_("Decree number"), max_length=100, required=False, help_text=_(
        "Leave it empty and tick the box below to give the office's next number from its register. A number typed "
        "in the office's pattern is entered in the register; a draft takes its number once it is published."))
    issue = forms.BooleanField(label=_("Give the office's next number"), required=False)
    decree_date = forms.DateField(label=_("Decree date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                  format="%Y-%m-%d"))
    decree_subject = forms.CharField(label=_("About (TENTANG)"), max_length=300,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plan: TerritoryPlan, subject: str, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = plan.version
        self.fields["decree_number"].initial = plan.decree_number
        self.fields["decree_date"].initial = plan.decree_date or today
        self.fields["decree_subject"].initial = plan.decree_subject or subject

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("issue") and (cleaned.get("decree_number") or "").strip():
            self.add_error("issue", _("Either type the number or let the office give one, not both."))
        return cleaned


class PlanImportForm(VersionedForm):
    file = forms.FileField(
        label=_("Workbook"),
        help_text=_("The plan's Excel export, edited offline (.xlsx or .csv, at most 2 MB)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
