import django_filters

from config.filters import ChoiceListFilter, CodeListFilter
from regions.choices import RegionKind
from regions.models import Region


class RegionFilterSet(django_filters.FilterSet):
    kind = ChoiceListFilter(
        choices=RegionKind.choices, help_text="Kinds, comma-separated (`province,cluster`)."
    )
    parent = CodeListFilter(
        field_name="parent",
        queryset=Region.objects.all(),
        help_text="Direct children of these regions (codes, comma-separated).",
    )
    within = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_within",
        help_text="These regions and every region inside them, following the CBS tree and "
        "the agenda groupings (`within=AG-ZUID` includes Zeeland).",
    )

    class Meta:
        model = Region
        fields = ["kind", "parent", "within"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=Region.objects.within(*value).values("pk"))
