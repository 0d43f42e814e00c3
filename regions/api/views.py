from rest_framework import viewsets

from regions.api.serializers import RegionSerializer
from regions.filters import RegionFilterSet
from regions.models import Region


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.select_related("parent").prefetch_related("groups")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
