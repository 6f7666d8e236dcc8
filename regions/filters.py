import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import District, Province, Regency, Village


class SearchFilterSet(django_filters.FilterSet):
    """A free-text box that matches the name or the code."""

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class RegencyFilter(SearchFilterSet):
    class Meta:
        model = Regency
        fields = ["q", "province", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the provinces of the regencies the user may see.
        self.filters["province"].queryset = Province.objects.filter(
            id__in=self.queryset.values("province_id")
        ).order_by("code")


class DistrictFilter(SearchFilterSet):
    class Meta:
        model = District
        fields = ["q"]


class VillageFilter(SearchFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Village.Kind.choices, empty_label=_("All kinds"))

    class Meta:
        model = Village
        fields = ["q", "kind"]
