from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from agenda.filters import UpdatedSinceListFilter
from agenda.scope import scope_for
from config.admin_base import RegistryAdmin
from regions.filters import RegionFilterSet, RegionKindListFilter
from regions.models import Region


@admin.register(Region)
class RegionAdmin(RegistryAdmin):
    """Reference data: shown as a tree (breadcrumbs), changed by the ministry only."""

    list_display = ["code", "name", "kind", "breadcrumbs", "also_part_of"]
    filterset_class = RegionFilterSet
    list_filter = [RegionKindListFilter, UpdatedSinceListFilter]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent", "groups"]
    list_select_related = ["parent__parent__parent"]
    ordering = ["kind", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_search_results(self, request, queryset, search_term):
        """Autocomplete for an action's region or an agreement's regions offers a
        provincial editor their working area only."""
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        scope = scope_for(request.user)
        if request.GET.get("field_name") in ("region", "regions") and not scope.edits_everything:
            queryset = queryset.filter(pk__in=scope.working_area())
        return queryset, distinct

    @admin.display(description=_("in"))
    def breadcrumbs(self, region):
        chain, parent = [], region.parent
        while parent is not None:
            chain.append(parent.name)
            parent = parent.parent
        return " › ".join(reversed(chain)) or "—"

    @admin.display(description=_("also part of"))
    def also_part_of(self, region):
        return format_html_join(", ", "{}", ((g.name,) for g in region.groups.all())) or "—"
