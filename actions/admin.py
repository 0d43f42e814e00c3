from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from actions.admin_import import ActionImportAdminMixin
from actions.choices import (
    CLOSED_STATUSES,
    ActionStatus,
    allowed_moves,
    move_needs_note,
    statuses_moving_to,
)
from actions.filters import (
    ActionFilterSet,
    ActionStatusListFilter,
    AgreementCodeListFilter,
    OverdueListFilter,
    OwnerListFilter,
    StalledListFilter,
)
from actions.history import on_day
from actions.models import Action, ActionUpdate
from actions.querysets import WORK_ORDER, overdue_q, stalled_q
from actions.services import (
    EDITABLE_FIELDS,
    action_add_update,
    action_create,
    action_delete,
    action_update,
)
from actions.sheet import ACTION_SHEET
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
    RegistryTabularInline,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    VersionedAdminForm,
    table_date_column,
)
from config.refusals import REFUSALS, refusal_text
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


class StatusMoveField(forms.ChoiceField):
    """Offers the moves allowed from the action's status (ACTION_STATUS_MOVES). Any status is
    accepted: a move that became illegal meanwhile (someone moved the action first) is refused
    by the status service, with its reason, at this field."""

    def valid_value(self, value):
        return value in ActionStatus.values


def status_move_choices(status_from):
    """The drop-down for a move from `status_from`: stay, or one of the allowed moves (those
    that need a note say so)."""
    status_from = ActionStatus(status_from)
    stay = _("— stays “%(status)s”") % {"status": status_from.label}
    moves = [
        (
            status.value,
            _("%(status)s (with a note)") % {"status": status.label}
            if move_needs_note(status_from, status)
            else status.label,
        )
        for status in allowed_moves(status_from)
    ]
    return [("", stay), *moves]


class ActionAdminForm(VersionedAdminForm):
    """Status is not a free field: "New status" offers the moves allowed from the action's
    current status, and with a note goes to the status service; a refusal (the action moved
    meanwhile, a missing note) comes back from it as an error at these fields."""

    new_status = StatusMoveField(label=_("New status"), required=False)
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.status if self.instance.pk else ActionStatus.PLANNED
        self.fields["new_status"].choices = status_move_choices(current)


class ProgressUpdateForm(forms.Form):
    """A progress update by someone who may not change the action (a contributor): a new
    progress and/or a note, through the progress service."""

    progress = forms.IntegerField(
        label=_("Progress (%)"), min_value=0, max_value=100, required=False
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    loaded_version = forms.IntegerField(required=False)


class StatusActionForm(RegistryActionForm):
    note = forms.CharField(label=_("Note"), required=False)


class ActionUpdateInline(RegistryTabularInline):
    model = ActionUpdate
    extra = 0
    can_delete = False
    # A table: its moments as tables write them; the author by name (not a link to a user's
    # page that most readers may not open).
    fields = [
        table_date_column(ActionUpdate, "created_at"),
        "author_name",
        "status_from",
        "status_to",
        "progress",
        "note",
    ]
    readonly_fields = fields

    @admin.display(description=_("author"))
    def author_name(self, update):
        return update.author.get_username() if update.author else "—"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


def move_description(status_to):
    """“Move to “in progress” (from planned, at risk, done (with a note))”: the bulk action's
    name, with the statuses it applies to, from the move table."""
    sources = [
        _("%(status)s (with a note)") % {"status": status.label}
        if move_needs_note(status, status_to)
        else str(status.label)
        for status in statuses_moving_to(status_to)
    ]
    return _("Move to “%(to)s” (from %(sources)s)") % {
        "to": status_to.label,
        "sources": ", ".join(sources),
    }


def status_move_action(status_to):
    """The bulk action that moves the selected actions to `status_to`."""

    def move(modeladmin, request, queryset):
        modeladmin._move_selected(request, queryset, status_to)

    move.__name__ = f"move_to_{status_to.value}"
    description = lazy(move_description, str)(status_to)
    return admin.action(description=description, permissions=["change"])(move)


@admin.register(Action)
class ActionAdmin(
    ActionImportAdminMixin, SpreadsheetExportAdminMixin, ScopedAdminMixin, RegistryAdmin
):
    form = ActionAdminForm
    change_form_template = "admin/actions/action/change_form.html"
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
    # One status move per target status, from the move table; then the exports.
    actions = [
        *(status_move_action(status) for status in ActionStatus if statuses_moving_to(status)),
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

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_update_view),
                name="{}_{}_progress".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A contributor, who reads the action but may not change it, gets the form for a
        progress update on the same page."""
        extra_context = extra_context or {}
        action = self.get_object(request, unquote(object_id))
        if (
            action is not None
            and not self.has_change_permission(request, action)
            and Action.objects.updatable_by(request.user).contains(action)
        ):
            extra_context["progress_form"] = ProgressUpdateForm(
                initial={"progress": action.progress}
            )
            extra_context["progress_url"] = reverse(
                "admin:actions_action_progress", args=[action.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_update_view(self, request, object_id):
        """POST: a progress update through the progress service; back to the action with
        what was added, or with the reason it was refused."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        action = self.get_object(request, unquote(object_id))
        if action is None:
            raise Http404
        back = HttpResponseRedirect(reverse("admin:actions_action_change", args=[action.pk]))
        form = ProgressUpdateForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                self.message_user(request, " ".join(errors), messages.ERROR)
            return back
        try:
            action_add_update(
                action=action,
                user=request.user,
                progress=form.cleaned_data["progress"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["loaded_version"],
            )
        except (*REFUSALS, PermissionDenied) as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
            return back
        self.message_user(
            request,
            _("Your progress update to “%(action)s” was added.") % {"action": action.title},
            messages.SUCCESS,
        )
        return back

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
        """Read-only visitors see the record, not the (empty) inputs for a status move; a new
        action starts as planned, so its form has no status move either."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            write_only = {"new_status", "status_note"}
        elif self.has_change_permission(request, obj):
            return fieldsets
        else:
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

    def get_actions(self, request):
        """The status moves offered: to each status that some status on the list may move to
        (ACTION_STATUS_MOVES). A list filtered on statuses offers only their moves."""
        actions = super().get_actions(request)
        shown = set(request.GET.get("status", "").split(",")) & set(ActionStatus.values)
        for status in ActionStatus:
            sources = set(statuses_moving_to(status))
            if shown and not sources & shown:
                actions.pop(f"move_to_{status.value}", None)
        return actions

    def _move_selected(self, request, queryset, to):
        """Move each selected action through the status service; report per row (by its
        title, as the list shows it) what moved and what was refused, and why."""
        note = request.POST.get("note", "")
        label = ActionStatus(to).label
        moved, refused = [], []
        for action in queryset.order_by("pk"):
            title = f"“{action.title}”"
            if action.status == to:
                refused.append(
                    _("%(action)s is “%(to)s” already.") % {"action": title, "to": label}
                )
                continue
            try:
                action_add_update(action=action, status=to, user=request.user, note=note)
                moved.append(title)
            except (*REFUSALS, PermissionDenied) as exc:
                refused.append(f"{title}: {refusal_text(exc)}")
        if moved:
            self.message_user(
                request,
                _("Moved to “%(to)s” (%(n)s): %(list)s")
                % {"to": label, "n": len(moved), "list": ", ".join(moved)},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, _("Not moved: %(line)s") % {"line": line}, messages.ERROR)


OPEN_STATUSES = [s for s in ActionStatus.values if s not in CLOSED_STATUSES]


def my_agenda(request, reference):
    """The landing page's panels on the reference day (config.clock). An editor (or viewer) of
    a province or ROM sees their parties' actions and what applies to their province(s); the
    ministry, and anyone without a party of their own, sees what applies per agenda region.
    Each count links to the list filtered with the API's parameters, so the numbers are the
    list's: the admin's list for today, the review list on that day for an earlier one."""
    scope = scope_for(request.user)
    if reference.is_today:
        visible = Action.objects.visible_to(request.user)
    else:
        visible = on_day(Action, reference.day, request.user)
    party_ids = scope.editor_party_ids or scope.party_ids
    panels = []
    if party_ids and not scope.edits_everything:
        for party in Party.objects.filter(pk__in=party_ids).order_by("name"):
            title = _("Actions of %(party)s") % {"party": party.name}
            panels.append(
                agenda_panel(title, {"owner": party.code}, visible.filter(owner=party), reference)
            )
        areas = Region.objects.filter(
            kind=RegionKind.PROVINCE, pk__in=Region.objects.filter(parties__in=party_ids)
        ).order_by("name")
    else:
        areas = Region.objects.none()
    if not areas:
        areas = Region.objects.filter(kind=RegionKind.AGENDA_REGION).order_by("name")
    for region in areas:
        title = _("Applies to %(region)s") % {"region": region.name}
        applies = visible.filter(pk__in=Action.objects.applies_to(region).values("pk"))
        panels.append(agenda_panel(title, {"applies_to": region.code}, applies, reference))
    return panels


def agenda_panel(title, params, actions, reference):
    counts = actions.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=overdue_q(reference.day)),
        at_risk=Count("id", filter=Q(status=ActionStatus.AT_RISK)),
        stalled=Count(
            "id",
            filter=stalled_q(
                settings.STALLED_AFTER_DAYS, reference.moment, on_day=not reference.is_today
            ),
        ),
    )
    rows = [
        ("open", _("open"), {"status": ",".join(OPEN_STATUSES)}),
        ("overdue", _("overdue"), {"overdue": "true"}),
        ("at_risk", _("at risk"), {"status": ActionStatus.AT_RISK}),
        ("stalled", _("stalled"), {"stalled": "true"}),
    ]
    if reference.is_today:
        target, day = reverse("admin:actions_action_changelist"), {}
    else:
        target = reverse("reviews:actions")
        day = {"as_of": reference.as_of} if reference.as_of else {}
    return {
        "title": title,
        "rows": [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": f"{target}?{urlencode({**params, **extra, **day})}",
            }
            for key, label, extra in rows
        ],
    }
