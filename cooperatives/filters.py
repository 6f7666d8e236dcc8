from datetime import timedelta

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from mentors.models import Mentor
from regions.models import District, Regency, Village
from territories import coverage

from .integrity import READINESS, ready_query
from .models import Cooperative, SimkopdesStatus, Stage, UnitKind

# A search's matching villages up to this many are passed to the cooperatives' statement as a list (see `search`).
SEARCH_VILLAGE_LIST = 500


class CooperativeFilter(django_filters.FilterSet):
    """The registry's filters. Someone who sees several regencies chooses one first: only then are its
    districts and BAs offered (the whole country has about 7,300 districts and 8,000 BAs)."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    regency = django_filters.ModelChoiceFilter(label=_("Regency"), queryset=Regency.objects.none(),
                                               field_name="village__district__regency", empty_label=_("All regencies"))
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=District.objects.none(),
                                                field_name="village__district", empty_label=_("All districts"))
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, empty_label=_("All stages"))
    unit = django_filters.ChoiceFilter(label=_("Business unit"), choices=UnitKind.choices, method="with_unit",
                                       empty_label=_("All units"))
    ba = django_filters.ModelChoiceFilter(label=_("Business Assistant"), queryset=Mentor.objects.none(),
                                          method="with_ba", empty_label=_("All BAs"))
    readiness = django_filters.ChoiceFilter(
        label=_("Financing readiness"), method="with_readiness", empty_label=_("Any readiness"),
        choices=[("ready", _("ready for financing"))] + [
            (f"missing_{item.code}", format_lazy("{} {}", _("missing:"), item.label)) for item in READINESS])
    simkopdes = django_filters.ChoiceFilter(
        label=_("SIMKOPDES"), method="with_simkopdes", empty_label=_("Any SIMKOPDES state"),
        choices=[("stale", format_lazy(_("not updated for {days} days"), days=settings.SIMKOPDES_STALE_DAYS)),
                 ("none", _("no account"))])

    class Meta:
        model = Cooperative
        fields = ["q", "regency", "district", "stage", "unit", "ba", "readiness", "simkopdes"]

    def __init__(self, *args, regencies, districts, bas, **kwargs):
        super().__init__(*args, **kwargs)
        regencies = list(regencies)
        if len(regencies) == 1:
            del self.filters["regency"]
            chosen = regencies[0]
        else:
            self.filters["regency"].queryset = Regency.objects.filter(pk__in=[r.pk for r in regencies]).order_by(
                "name")
            picked = str(self.data.get("regency", ""))
            chosen = next((r for r in regencies if str(r.pk) == picked), None)
        if chosen is None:
            del self.filters["district"]
            del self.filters["ba"]
        else:
            self.filters["district"].queryset = districts.filter(regency=chosen)
            self.filters["ba"].queryset = bas.filter(regency=chosen)

    @property
    def export_needs_regency(self) -> bool:
        """A workbook is made per regency: someone who sees several chooses one first."""
        return "regency" in self.filters and not str(self.data.get("regency", "")).strip()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The villages first, by their own name index. A few of them go in as a list, so that PostgreSQL answers
        # "name contains, or village in" from the two indexes together (1 ms on national data); as a subquery it
        # read all 83,762 cooperatives (125 ms). Many (a short word) stay a subquery: a list would be long.
        villages = Village.objects.filter(Q(name__icontains=value) | Q(code__startswith=value)).values_list("id",
                                                                                                         flat=True)
        few = list(villages[:SEARCH_VILLAGE_LIST + 1])
        return queryset.filter(Q(name__icontains=value)
                               | Q(village_id__in=few if len(few) <= SEARCH_VILLAGE_LIST else villages))

    def with_unit(self, queryset, name, value):
        return queryset.filter(units__kind=value).distinct() if value else queryset

    def with_ba(self, queryset, name, mentor):
        if mentor is None:
            return queryset
        return queryset.filter(coverage.villages_of_ba(mentor, "village"))

    def with_readiness(self, queryset, name, value):
        if value == "ready":
            return queryset.filter(ready_query())
        item = next((i for i in READINESS if f"missing_{i.code}" == value), None)
        return queryset.exclude(item.query) if item else queryset

    def with_simkopdes(self, queryset, name, value):
        if value == "stale":
            # Never updated, or not for the last N days.
            cutoff = timezone.localdate() - timedelta(days=settings.SIMKOPDES_STALE_DAYS)
            return queryset.filter(Q(simkopdes_updated_on__isnull=True) | Q(simkopdes_updated_on__lt=cutoff))
        if value == "none":
            return queryset.filter(simkopdes_status=SimkopdesStatus.NONE)
        return queryset
