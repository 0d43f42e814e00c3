import django_filters

from regions.choices import RegionKind
from regions.models import Region


class RegionFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=RegionKind.choices)

    class Meta:
        model = Region
        fields = ["kind"]
