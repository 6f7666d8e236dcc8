import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentors.models import Mentor
from regions.models import District

from .models import Cooperative, Stage, UnitKind


class CooperativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=District.objects.none(),
                                                field_name="village__district", empty_label=_("All districts"))
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, empty_label=_("All stages"))
    unit = django_filters.ChoiceFilter(label=_("Business unit"), choices=UnitKind.choices, method="with_unit",
                                       empty_label=_("All units"))
    ba = django_filters.ModelChoiceFilter(label=_("Business Assistant"), queryset=Mentor.objects.none(),
                                          method="with_ba", empty_label=_("All BAs"))

    class Meta:
        model = Cooperative
        fields = ["q", "district", "stage", "unit", "ba"]

    def __init__(self, *args, districts, bas, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["district"].queryset = districts
        self.filters["ba"].queryset = bas

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(village__name__icontains=value)
                               | Q(village__code__startswith=value))

    def with_unit(self, queryset, name, value):
        return queryset.filter(units__kind=value).distinct() if value else queryset

    def with_ba(self, queryset, name, mentor):
        if mentor is None:
            return queryset
        return queryset.filter(village__ba_links__plan__status="active",
                               village__ba_links__ba_territory__mentor=mentor)
