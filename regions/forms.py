from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from toolkit.phones import phone_normalize

from .models import Regency


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


class RegencyLimitsForm(forms.ModelForm):
    """What an office sets for its regency: when a cooperative without a visit turns amber and red on the
    dashboards, the day of the following month a month's reports are due, and how wide a BA territory may be
    before the draft checks flag it."""

    class Meta:
        model = Regency
        fields = ["recency_amber_days", "recency_red_days", "report_due_day", "ba_span_max_km"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.min_value = 1
            field.widget.attrs.update(min=1, max={"report_due_day": 28, "ba_span_max_km": 500}.get(name, 366))

    def clean(self):
        cleaned = super().clean()
        amber, red = cleaned.get("recency_amber_days"), cleaned.get("recency_red_days")
        if amber is not None and red is not None and red <= amber:
            self.add_error("recency_red_days", _("Red must come after amber: give more days than for amber."))
        due = cleaned.get("report_due_day")
        if due is not None and not 1 <= due <= 28:
            self.add_error("report_due_day", _("Choose a day from 1 to 28, which every month has."))
        span = cleaned.get("ba_span_max_km")
        if span is not None and not 1 <= span <= 500:
            self.add_error("ba_span_max_km", _("Choose a distance from 1 to 500 km."))
        return cleaned
