from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from regions.models import Region


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "iso_code"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent", "groups"]
    list_select_related = ["parent"]
