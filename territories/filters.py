import django_filters
from django.utils.translation import gettext_lazy as _

from mentors.filters import MentorFilter
from regions.models import District

from .selectors import mentors_in_district


class RosterFilter(MentorFilter):
    """The roster's filters, with "works in this district" under the plan in force (inside one regency)."""

    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=District.objects.none(),
                                                empty_label=_("All districts"), method="in_district")

    class Meta(MentorFilter.Meta):
        fields = [*MentorFilter.Meta.fields, "district"]

    def __init__(self, *args, regencies, **kwargs):
        super().__init__(*args, regencies=regencies, **kwargs)
        if len(regencies) > 1:
            del self.filters["district"]  # a district list is only useful inside one regency
        else:
            self.filters["district"].queryset = District.objects.filter(regency__in=regencies).order_by("name")

    def in_district(self, queryset, name, district):
        if district is None:
            return queryset
        return queryset.filter(pk__in=mentors_in_district(district).values("pk"))
