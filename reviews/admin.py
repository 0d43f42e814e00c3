from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agenda.scope import scope_for
from config.admin_base import CheckedInitialMixin, TableDatesMixin
from reviews.models import ReminderLog, SavedView


@admin.register(SavedView)
class SavedViewAdmin(CheckedInitialMixin, TableDatesMixin, admin.ModelAdmin):
    """Members see their own saved filters and the shared ones, and change only their own;
    superusers all of them."""

    list_display = ["name", "list", "owner", "shared", "open_link", "updated_at"]
    list_filter = ["list", "shared"]
    search_fields = ["name", "query"]
    fields = ["name", "list", "query", "shared"]

    @admin.display(description=_("link"))
    def open_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.list_url(), _("open"))

    def _is_member(self, request):
        return request.user.is_superuser or scope_for(request.user).is_member

    def has_module_permission(self, request):
        return self._is_member(request)

    def has_view_permission(self, request, obj=None):
        if not self._is_member(request):
            return False
        return (
            obj is None
            or request.user.is_superuser
            or obj.owner_id == request.user.pk
            or obj.shared
        )

    def has_add_permission(self, request):
        return self._is_member(request)

    def has_change_permission(self, request, obj=None):
        if not self._is_member(request):
            return False
        return obj is None or request.user.is_superuser or obj.owner_id == request.user.pk

    has_delete_permission = has_change_permission

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("owner")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(owner=request.user) | Q(shared=True))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReminderLog)
class ReminderLogAdmin(CheckedInitialMixin, TableDatesMixin, admin.ModelAdmin):
    """What `send_reminders` mailed: read-only, for superusers."""

    list_display = ["day", "party", "overdue", "stalled", "sent_at"]
    list_filter = ["day"]
    search_fields = ["party__code", "party__name", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
