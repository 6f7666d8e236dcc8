from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from regions.forms import PhoneField, RegencyChoiceForm, SheetDateField, SheetEmailField
from toolkit.phones import phone_normalize
from toolkit.versions import content_version

from .models import Membership, Mentor, User


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MentorForm(forms.ModelForm):
    """Create or edit a mentor. `version` carries the version the editor saw (`toolkit.versions`: no lost updates)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Mentor
        fields = ["regency", "full_name", "role", "phone", "email", "contract_start", "contract_end", "notes"]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0812-3456-7890"}),
        }

    def __init__(self, *args, regencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regency"].queryset = regencies
        self.fields["regency"].empty_label = None
        if self.instance.pk:
            del self.fields["regency"]
            self.fields["version"].initial = content_version(self.instance)  # none sent: refused as stale
        elif len(regencies) == 1:
            self.fields["regency"].widget = forms.HiddenInput()
            self.fields["regency"].initial = regencies[0].pk

    def clean_phone(self):
        return phone_normalize(self.cleaned_data["phone"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        regency = cleaned.get("regency") or getattr(self.instance, "regency", None)
        email = cleaned.get("email")
        if regency and email:
            clash = Mentor.objects.filter(regency=regency, email=email).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("email", _("Another mentor of this regency already uses this e-mail address."))
        return cleaned


class OfficeAccountForm(forms.Form):
    """A new office account of a regency (the regency is the page's)."""

    email = forms.EmailField(label=capfirst(_("e-mail address")), max_length=254,
                             help_text=_("They sign in with this address. If it already has an account (for example "
                                         "a mentor's), the office role is added to that account."))
    full_name = forms.CharField(label=capfirst(_("full name")), max_length=150)
    role = forms.ChoiceField(label=capfirst(_("role")), choices=Membership.Role.choices, initial=Membership.Role.STAFF,
                             help_text=_("Administrators manage mentors, office accounts, territory plans and imports; "
                                         "office staff see the whole regency and keep cooperative records."))

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()


class MentorImportForm(RegencyChoiceForm):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("Excel (.xlsx) or CSV, at most 2 MB. Columns: nama, peran, telepon, email, mulai kontrak, "
                    "akhir kontrak, catatan."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


ROLE_WORDS = {
    "ba": Mentor.Role.BA, "business assistant": Mentor.Role.BA, "business assistant (ba)": Mentor.Role.BA,
    "pmo": Mentor.Role.PMO, "project management office": Mentor.Role.PMO, "project management officer": Mentor.Role.PMO,
}


class MentorRowForm(forms.Form):
    """One row of the roster spreadsheet."""

    full_name = forms.CharField(label=_("name"), max_length=150, error_messages={"required": _("name is empty")})
    role = forms.CharField(label=_("role"))
    phone = PhoneField(label=_("phone"))
    email = SheetEmailField(label=_("e-mail address"))
    contract_start = SheetDateField(label=_("contract start"))
    contract_end = SheetDateField(label=_("contract end"))
    notes = forms.CharField(label=_("notes"), required=False)

    def clean_role(self):
        written = self.cleaned_data["role"]
        role = ROLE_WORDS.get(written.strip().lower())
        if role is None:
            raise forms.ValidationError(_("unknown role “%(role)s” (use BA or PMO)") % {"role": written})
        return role

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("contract_start"), cleaned.get("contract_end")
        if start and end and end < start:
            raise forms.ValidationError(_("the contract ends before it starts"))
        return cleaned


class ContractRenewForm(forms.Form):
    """Renew the chosen mentors' contracts to one new end date (the page lists the mentors an admin may renew)."""

    mentors = forms.ModelMultipleChoiceField(
        queryset=Mentor.objects.none(), label=_("Mentors"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one mentor."),
                        "invalid_choice": _("One of the selected mentors cannot be renewed here. Nothing was "
                                            "changed.")})
    contract_end = forms.DateField(label=_("New contract end"),
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentors"].queryset = mentors
