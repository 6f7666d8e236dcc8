import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Mentor


class MentorFilter(django_filters.FilterSet):
    """The roster's filters that need no plan; the app that knows plans adds "works in this district"."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Mentor.Role.choices, empty_label=_("All roles"))
    is_active = django_filters.ChoiceFilter(
        label=_("Status"), choices=[("true", _("active")), ("false", _("inactive"))], empty_label=_("All"),
        method="active",
    )
    regency = django_filters.ModelChoiceFilter(label=_("Regency"), queryset=None, empty_label=_("All regencies"))

    class Meta:
        model = Mentor
        fields = ["q", "role", "is_active", "regency"]

    def __init__(self, *args, regencies, **kwargs):
        super().__init__(*args, **kwargs)
        if len(regencies) > 1:
            self.filters["regency"].queryset = regencies
        else:
            del self.filters["regency"]

    @property
    def export_needs_regency(self) -> bool:
        """A workbook is made per regency: someone who sees several chooses one first."""
        return "regency" in self.filters and not str(self.data.get("regency", "")).strip()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        digits = "".join(ch for ch in value if ch.isdigit())
        match = Q(full_name__icontains=value) | Q(email__icontains=value)
        if len(digits) >= 4:
            match |= Q(phone__contains=digits.lstrip("0"))
        return queryset.filter(match)

    def active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "true"))
