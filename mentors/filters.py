import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Mentor


class MentorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Mentor.Role.choices, empty_label=_("All roles"))
    is_active = django_filters.ChoiceFilter(
        label=_("Status"), choices=[("true", _("active")), ("false", _("inactive"))], empty_label=_("All"),
        method="active",
    )
    regency = django_filters.ModelChoiceFilter(label=_("Regency"), queryset=None, empty_label=_("All regencies"))
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=None, empty_label=_("All districts"),
                                                method="in_district")

    class Meta:
        model = Mentor
        fields = ["q", "role", "is_active", "regency", "district"]

    def __init__(self, *args, regencies, **kwargs):
        super().__init__(*args, **kwargs)
        if len(regencies) > 1:
            self.filters["regency"].queryset = regencies
            del self.filters["district"]  # a district list is only useful inside one regency
        else:
            del self.filters["regency"]
            district_model = Mentor._meta.get_field("regency").related_model._meta.get_field("districts").related_model
            self.filters["district"].queryset = district_model.objects.filter(regency__in=regencies).order_by("name")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        digits = "".join(ch for ch in value if ch.isdigit())
        match = Q(full_name__icontains=value) | Q(email__icontains=value)
        if len(digits) >= 4:
            match |= Q(phone__contains=digits.lstrip("0"))
        return queryset.filter(match)

    def in_district(self, queryset, name, district):
        """Mentors working in the district under the plan in force: its BAs and its PMO."""
        if district is None:
            return queryset
        bas = Mentor.objects.filter(ba_territories__plan__status="active",
                                    ba_territories__village_links__village__district=district)
        pmos = Mentor.objects.filter(pmo_territories__plan__status="active",
                                     pmo_territories__district_links__district=district)
        return queryset.filter(Q(pk__in=bas.values("pk")) | Q(pk__in=pmos.values("pk")))

    def active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "true"))
