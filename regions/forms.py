from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from toolkit.phones import phone_normalize


class RegencyChoiceForm(forms.Form):
    """A form whose regency is chosen among the user's; with only one, the choice is hidden."""

    regency = forms.ModelChoiceField(queryset=None, label=_("Regency"), empty_label=None)

    def __init__(self, *args, regencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regency"].queryset = regencies
        if len(regencies) == 1:
            self.fields["regency"].widget = forms.HiddenInput()
            self.fields["regency"].initial = regencies[0].pk


class PhoneField(forms.CharField):
    """An Indonesian phone number, cleaned to +62…. A spreadsheet that dropped the leading 0 of 0812… is
    forgiven."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0812-3456-7890"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return phone_normalize("0" + value if value[:1] == "8" else value)


SHEET_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


class SheetDateField(forms.DateField):
    """A date as offices type it in a spreadsheet; the error repeats what was typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", SHEET_DATE_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(_("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)."),
                                        code="invalid", params={"value": value}) from error


class SheetEmailField(forms.CharField):
    """An e-mail address in a spreadsheet (lower case); the error repeats what was typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).lower()
        if value:
            try:
                validate_email(value)
            except forms.ValidationError as error:
                raise forms.ValidationError(_("“%(email)s” is not a valid e-mail address"), code="invalid",
                                            params={"email": value}) from error
        return value
