from django.utils.translation import gettext_lazy as _

from config.filters import (
    ChoiceListFilter,
    CodeListFilter,
    FilterSetListFilter,
    RegistryFilterSet,
    by_code,
)
from regions.choices import RegionKind
from regions.models import Region


class RegionFilterSet(RegistryFilterSet):
    code = by_code()
    kind = ChoiceListFilter(
        choices=RegionKind.choices,
        label=_("kind"),
        help_text="Kinds, comma-separated (`province,cluster`).",
    )
    parent = CodeListFilter(
        field_name="parent",
        queryset=Region.objects.all(),
        label=_("parent"),
        help_text="Direct children of these regions (codes, comma-separated).",
    )
    within = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_within",
        label=_("within"),
        help_text="These regions and every region inside them, following the CBS tree and "
        "the agenda groupings (`within=AG-ZUID` includes Zeeland).",
    )

    class Meta:
        model = Region
        fields = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=Region.objects.within(*value).values("pk"))


class RegionKindListFilter(FilterSetListFilter):
    title, parameter_name = _("kind"), "kind"

    def lookups(self, request, model_admin):
        return RegionKind.choices
