from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from actions.api.serializers import ActionSerializer
from actions.choices import ActionStatus
from actions.filters import (
    ActionFilterSet,
    ActionStatusListFilter,
    AgreementCodeListFilter,
    OverdueListFilter,
    OwnerListFilter,
)
from actions.models import Action, ActionUpdate
from actions.services import (
    EDITABLE_FIELDS,
    action_add_update,
    action_create,
    action_delete,
    action_update,
)
from agenda.filters import (
    AppliesToListFilter,
    RegionListFilter,
    ThemeListFilter,
    UpdatedSinceListFilter,
)
from agenda.models import Party
from agenda.scope import scope_for
from config.admin_base import (
    RegistryAdmin,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    VersionedAdminForm,
    refusal_text,
)
from config.concurrency import StaleVersionError
from regions.models import Region

STATUS_COLOURS = {
    ActionStatus.PLANNED: "#6c757d",
    ActionStatus.IN_PROGRESS: "#1f6feb",
    ActionStatus.AT_RISK: "#d97706",
    ActionStatus.DONE: "#1a7f37",
    ActionStatus.CANCELLED: "#8b949e",
}


def status_label(status):
    status = ActionStatus(status)
    return format_html(
        '<span class="status-label status-{}" style="background:{};color:#fff;'
        'padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        status.value,
        STATUS_COLOURS[status],
        status.label,
    )


class ActionAdminForm(VersionedAdminForm):
    """Status is not a free field: "New status" and a note go to the status service; an
    illegal move or a missing note comes back from it as an error at these fields."""

    new_status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *ActionStatus.choices], required=False
    )
    status_note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required for at risk, cancelled and reopening."),
    )
    # The service's names for these inputs, so that its refusals land at them.
    refusal_fields = {"status": "new_status", "note": "status_note"}

    class Meta:
        model = Action
        fields = [*EDITABLE_FIELDS, "contributors"]


class StatusActionForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False)


class ActionUpdateInline(admin.TabularInline):
    model = ActionUpdate
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "status_from", "status_to", "progress", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Action)
class ActionAdmin(SpreadsheetExportAdminMixin, ScopedAdminMixin, RegistryAdmin):
    form = ActionAdminForm
    action_form = StatusActionForm
    list_display = [
        "__str__",
        "agreement",
        "title",
        "owner",
        "status_badge",
        "progress_bar",
        "due_date",
        "overdue_flag",
    ]
    filterset_class = ActionFilterSet
    list_filter = [
        AppliesToListFilter,
        ActionStatusListFilter,
        OverdueListFilter,
        ThemeListFilter,
        OwnerListFilter,
        RegionListFilter,
        AgreementCodeListFilter,
        UpdatedSinceListFilter,
    ]
    search_fields = ["code", "title", "description", "agreement__code"]
    autocomplete_fields = ["agreement", "owner", "contributors", "region"]
    list_select_related = ["agreement", "owner"]
    readonly_fields = ["current_status", "completed_on", "version"]
    date_hierarchy = "due_date"
    # Served by the due_date index; sorting by the agreement's code would sort every row.
    ordering = ["due_date", "id"]
    # One count per page, not a second scan of the whole table for the unfiltered total.
    show_full_result_count = False
    inlines = [ActionUpdateInline]
    actions = [
        "move_to_in_progress",
        "move_to_at_risk",
        "move_to_done",
        "export_csv",
        "export_xlsx",
    ]
    export_serializer_class = ActionSerializer
    fieldsets = [
        (None, {"fields": ["agreement", "code", "title", "description", "owner", "contributors"]}),
        (_("Where and when"), {"fields": ["region", "start_date", "due_date", "completed_on"]}),
        (
            _("Status"),
            {"fields": ["current_status", "new_status", "status_note", "progress", "result"]},
        ),
        (_("Source"), {"fields": ["source", "version", "loaded_version"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """A provincial editor picks owners among their own parties and regions inside their
        working area (plus what the action already has)."""
        form = super().get_form(request, obj, change=change, **kwargs)
        scope = scope_for(request.user)
        if not scope.edits_everything:
            if "owner" in form.base_fields:
                owners = Q(pk__in=scope.editor_party_ids)
                if obj is not None:
                    owners |= Q(pk=obj.owner_id)
                form.base_fields["owner"].queryset = Party.objects.filter(owners)
            if "region" in form.base_fields:
                regions = Q(pk__in=scope.working_area())
                if obj is not None and obj.region_id:
                    regions |= Q(pk=obj.region_id)
                form.base_fields["region"].queryset = Region.objects.filter(regions)
        return form

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, action):
        return status_label(action.status)

    @admin.display(description=_("status"))
    def current_status(self, action):
        return status_label(action.status) if action.pk else status_label(ActionStatus.PLANNED)

    @admin.display(description=_("progress"), ordering="progress")
    def progress_bar(self, action):
        return format_html(
            '<div title="{0}%" style="width:80px;background:#e5e7eb;border-radius:4px">'
            '<div style="width:{0}%;background:#1f6feb;height:8px;border-radius:4px"></div>'
            "</div>",
            action.progress,
        )

    @admin.display(description=_("overdue"))
    def overdue_flag(self, action):
        if not action.is_overdue:
            return ""
        return format_html(
            '<strong class="overdue" style="color:#ba2121">{}</strong>', _("overdue")
        )

    def get_fieldsets(self, request, obj=None):
        """Read-only visitors see the record, not the (empty) inputs for a status move."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        write_only = {"new_status", "status_note", "loaded_version"}
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in write_only]})
            for name, opts in fieldsets
        ]

    def save_model(self, request, obj, form, change):
        data = {n: form.cleaned_data[n] for n in EDITABLE_FIELDS if n in form.cleaned_data}
        contributors = form.cleaned_data.get("contributors", [])
        status = form.cleaned_data.get("new_status") or None
        if change:
            saved = action_update(
                action=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
                contributors=contributors,
                status=status,
                note=form.cleaned_data.get("status_note", ""),
                **data,
            )
        else:
            saved = action_create(
                user=request.user, contributors=contributors, status=status, **data
            )
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        # Contributors were saved by the service; only the (read-only) inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        action_delete(action=obj, user=request.user)

    def _move_selected(self, request, queryset, to):
        """Move each selected action through the status service; report per row what moved
        and what was refused, and why."""
        note = request.POST.get("note", "")
        moved, refused = [], []
        for action in queryset.order_by("pk"):
            try:
                action_add_update(action=action, status=to, user=request.user, note=note)
                moved.append(str(action))
            except (ValidationError, PermissionDenied, StaleVersionError) as exc:
                refused.append(f"{action}: {refusal_text(exc)}")
        label = ActionStatus(to).label
        if moved:
            self.message_user(
                request,
                _("Moved to “%(to)s” (%(n)s): %(list)s")
                % {"to": label, "n": len(moved), "list": ", ".join(moved)},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, _("Not moved: %(line)s") % {"line": line}, messages.ERROR)

    @admin.action(description=_("Move to “in progress”"), permissions=["change"])
    def move_to_in_progress(self, request, queryset):
        self._move_selected(request, queryset, ActionStatus.IN_PROGRESS)

    @admin.action(description=_("Move to “at risk” (with a note)"), permissions=["change"])
    def move_to_at_risk(self, request, queryset):
        self._move_selected(request, queryset, ActionStatus.AT_RISK)

    @admin.action(description=_("Move to “done”"), permissions=["change"])
    def move_to_done(self, request, queryset):
        self._move_selected(request, queryset, ActionStatus.DONE)
