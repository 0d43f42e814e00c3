from rest_framework import viewsets

from config.api.viewsets import RegistryViewSetMixin
from regions.api.serializers import RegionSerializer
from regions.filters import RegionFilterSet
from regions.models import Region


class RegionViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The region tree: country, CBS landsdelen, agenda regions, provinces, places."""

    queryset = Region.objects.select_related("parent").prefetch_related("groups")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/\x00]{1,40}"
