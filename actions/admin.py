from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from actions.admin_import import ActionImportAdminMixin
from actions.choices import CLOSED_STATUSES, ActionStatus
from actions.filters import (
    ActionFilterSet,
    ActionStatusListFilter,
    AgreementCodeListFilter,
    OverdueListFilter,
    OwnerListFilter,
    StalledListFilter,
)
from actions.importing import ACTION_SHEET
from actions.models import Action, ActionUpdate
from actions.querysets import WORK_ORDER, overdue_q
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
    RegistryActionForm,
    RegistryAdmin,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    VersionedAdminForm,
    refusal_text,
)
from config.concurrency import StaleVersionError
from regions.choices import RegionKind
from regions.models import Region


def status_label(status):
    status = ActionStatus(status)
    return format_html('<span class="status-label status-{}">{}</span>', status.value, status.label)


def progress_cell(progress):
    """The bar and the number: the number is what a screen reader and a printout keep."""
    return format_html(
        '<span class="progress-cell"><progress max="100" value="{0}" aria-hidden="true">'
        '</progress><span class="progress-number">{0}%</span></span>',
        progress,
    )


def cut(text, css_class="cut-title"):
    """A long text cut to the column, whole in the tooltip."""
    return format_html('<span class="cut {}" title="{}">{}</span>', css_class, text, text)


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


class StatusActionForm(RegistryActionForm):
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
class ActionAdmin(
    ActionImportAdminMixin, SpreadsheetExportAdminMixin, ScopedAdminMixin, RegistryAdmin
):
    form = ActionAdminForm
    change_list_template = "admin/actions/action/change_list.html"
    action_form = StatusActionForm
    # What people come for, in a width a 1366 px laptop shows without scrolling sideways.
    list_display = [
        "title_link",
        "agreement_code",
        "owner_name",
        "status_badge",
        "progress_bar",
        "due_date",
        "overdue_flag",
    ]
    list_display_links = ["title_link"]
    filterset_class = ActionFilterSet
    list_filter = [
        AppliesToListFilter,
        ActionStatusListFilter,
        OverdueListFilter,
        StalledListFilter,
        ThemeListFilter,
        OwnerListFilter,
        RegionListFilter,
        AgreementCodeListFilter,
        UpdatedSinceListFilter,
    ]
    search_fields = ["code", "title", "description", "agreement__code"]
    autocomplete_fields = ["agreement", "owner", "contributors", "region"]
    list_select_related = ["agreement", "owner"]
    readonly_fields = ["current_status", "completed_on"]
    # Open work first (overdue at the top, as the earliest due), then the closed ones.
    ordering = WORK_ORDER
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
    sheet_layout = ACTION_SHEET
    # What an editor changes most comes first; the version travels hidden.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    ("owner", "agreement"),
                    ("current_status", "new_status"),
                    "status_note",
                    ("progress", "due_date"),
                ]
            },
        ),
        (_("Description and result"), {"fields": ["description", "result"]}),
        (
            _("Parties, region and dates"),
            {"fields": ["contributors", "region", ("start_date", "completed_on"), "code"]},
        ),
        (_("Source"), {"fields": ["source", "loaded_version"]}),
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

    @admin.display(description=_("title"), ordering="title")
    def title_link(self, action):
        return cut(action.title)

    @admin.display(description=_("agreement"), ordering="agreement__code")
    def agreement_code(self, action):
        return format_html(
            '<span class="cut cut-code" title="{} – {}">{}</span>',
            action.agreement.code,
            action.agreement.title,
            action.agreement.code,
        )

    @admin.display(description=_("owner"), ordering="owner__name")
    def owner_name(self, action):
        return cut(action.owner.name, "cut-name")

    def get_export_queryset(self, request, queryset):
        return queryset.select_related("agreement__theme", "owner", "region").prefetch_related(
            Prefetch("contributors", Party.objects.order_by("code"))
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, action):
        return status_label(action.status)

    @admin.display(description=_("status"))
    def current_status(self, action):
        return status_label(action.status) if action.pk else status_label(ActionStatus.PLANNED)

    @admin.display(description=_("progress"), ordering="progress")
    def progress_bar(self, action):
        return progress_cell(action.progress)

    @admin.display(description=_("overdue"))
    def overdue_flag(self, action):
        if not action.is_overdue:
            return ""
        return format_html('<strong class="overdue">{}</strong>', _("overdue"))

    def get_fieldsets(self, request, obj=None):
        """Read-only visitors see the record, not the (empty) inputs for a status move."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        write_only = {"new_status", "status_note", "loaded_version"}

        def keep(fields):
            kept = []
            for field in fields:
                if isinstance(field, tuple):
                    field = tuple(f for f in field if f not in write_only)
                    if field:
                        kept.append(field if len(field) > 1 else field[0])
                elif field not in write_only:
                    kept.append(field)
            return kept

        return [(name, {**opts, "fields": keep(opts["fields"])}) for name, opts in fieldsets]

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

    def response_add(self, request, obj, post_url_continue=None):
        """Added from an agreement's page ("Add an action"): back to the agreement, unless
        the editor asked for another form."""
        asked_more = "_addanother" in request.POST or "_continue" in request.POST
        if request.GET.get("return") == "agreement" and not asked_more:
            self.message_user(request, _("The action “%(action)s” was added.") % {"action": obj})
            return HttpResponseRedirect(
                reverse("admin:agenda_agreement_change", args=[obj.agreement_id])
            )
        return super().response_add(request, obj, post_url_continue)

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


OPEN_STATUSES = [s for s in ActionStatus.values if s not in CLOSED_STATUSES]


def my_agenda(request):
    """The landing page's panels. An editor (or viewer) of a province or ROM sees their
    parties' actions and what applies to their province(s); the ministry, and anyone without
    a party of their own, sees what applies per agenda region. Each count links to the list
    filtered with the API's parameters, so the numbers are the list's."""
    scope = scope_for(request.user)
    visible = Action.objects.visible_to(request.user)
    party_ids = scope.editor_party_ids or scope.party_ids
    panels = []
    if party_ids and not scope.edits_everything:
        for party in Party.objects.filter(pk__in=party_ids).order_by("name"):
            title = _("Actions of %(party)s") % {"party": party.name}
            panels.append(agenda_panel(title, {"owner": party.code}, visible.filter(owner=party)))
        areas = Region.objects.filter(
            kind=RegionKind.PROVINCE, pk__in=Region.objects.filter(parties__in=party_ids)
        ).order_by("name")
    else:
        areas = Region.objects.none()
    if not areas:
        areas = Region.objects.filter(kind=RegionKind.AGENDA_REGION).order_by("name")
    for region in areas:
        title = _("Applies to %(region)s") % {"region": region.name}
        panels.append(agenda_panel(title, {"applies_to": region.code}, visible.applies_to(region)))
    return panels


def agenda_panel(title, params, actions):
    stalled = Action.objects.stalled().values("pk")
    counts = actions.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q()),
        at_risk=Count("pk", filter=Q(status=ActionStatus.AT_RISK)),
        stalled=Count("pk", filter=Q(pk__in=stalled)),
    )
    rows = [
        ("open", _("open"), {"status": ",".join(OPEN_STATUSES)}),
        ("overdue", _("overdue"), {"overdue": "true"}),
        ("at_risk", _("at risk"), {"status": ActionStatus.AT_RISK}),
        ("stalled", _("stalled"), {"stalled": "true"}),
    ]
    changelist = reverse("admin:actions_action_changelist")
    return {
        "title": title,
        "rows": [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": f"{changelist}?{urlencode({**params, **extra})}",
            }
            for key, label, extra in rows
        ],
    }


admin.site.my_agenda = my_agenda
