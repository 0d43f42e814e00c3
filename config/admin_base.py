"""What every admin page of the registry shares.

- The site is open to every member (a membership is all it takes, agenda.backends) and to
  staff; rights are the memberships'.
- Writes go through the apps' services. A refusal (scope, rules, a stale version) is shown
  at the field it concerns, with everything the editor typed kept on the page.
- The change page lists the record's recorded changes (who, when, which fields, from what to
  what), from the same history entries as the API's `history/` endpoint. History pages are
  read-only: a revert would bypass the services, and simple-history's revert view saves
  after checking view permission only.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import (
    BadRequest,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from agenda.scope import join_names, may_change, read_only_reason, scope_for
from config.clock import reference_day_panel
from config.forms import ReferenceDayForm
from config.history import history_entries, readable_entries
from config.refusals import REFUSALS, refusal_errors, refusal_text, stale_text
from config.spreadsheets.writing import (
    EXPORTERS,
    csv_separator,
    export_file_name,
    gated_export,
    serialized_rows,
    sheet_response,
    tracked,
)

# Django's admin titles a page whose form has errors "Error: …" (the browser tab, and the first
# thing a screen reader reads); its Dutch catalogue has no translation for it (Django 5.2), so
# ours gives one.
DJANGO_WORDS_WITHOUT_DUTCH = [gettext_noop("Error:")]


class RegistryLoginForm(AdminAuthenticationForm):
    """Members log in without being staff: their membership is their admission."""

    def confirm_login_allowed(self, user):
        if not user.is_active or not (user.is_staff or scope_for(user).is_member):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class RegistryAdminSite(admin.AdminSite):
    site_header = _("MKB-samenwerkingsagenda")
    site_title = _("MKB-samenwerkingsagenda")
    index_title = _("Registry")
    login_form = RegistryLoginForm
    # The app list beside every page costs a laptop a third of its width.
    enable_nav_sidebar = False

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_staff or scope_for(user).is_member)

    def index(self, request, extra_context=None):
        """The landing page, on the reference day the user chose (`?as_of=`), else the
        installation's (config.clock)."""
        form = ReferenceDayForm(request.GET)
        reference = form.reference()
        extra_context = {
            **(extra_context or {}),
            "my_agenda": import_string(settings.ADMIN_LANDING_PANELS)(request, reference),
            "reference_panel": reference_day_panel(reference),
            "reference_day_errors": form.errors.get("as_of", []),
        }
        return super().index(request, extra_context)


def add_refusal_to_form(form, exc):
    """Put a service's refusal where the editor sees it: at the field it names, else on top
    of the form (with the field's name in front)."""
    for name, messages in refusal_errors(exc).items():
        name = getattr(form, "refusal_fields", {}).get(name, name)
        if name in form.fields:
            form.add_error(name, messages)
            continue
        label = _field_label(form, name)
        form.add_error(None, [f"{label}: {m}" if label else m for m in messages])


def _field_label(form, name):
    if not name or name == "__all__":
        return ""
    try:
        return str(form._meta.model._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # not a model field: a name of the service's own (e.g. budget_lines)
        return str(name).replace("_", " ").capitalize()


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the editor loaded. Saving over a newer version is a form error
    ("changed by X at T — reload"), with the editor's input kept on the page; the service
    checks again under the row lock, so a race in between is refused too. A refusal by the
    service on the first try comes back here (`service_refusal`) to be shown at its field."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    service_refusal = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        # (A form over a newer version has changed: its loaded version is not the current.)
        if self.instance.pk and loaded is not None and self.has_changed():
            current = type(self.instance)._default_manager.filter(pk=self.instance.pk).first()
            if current is not None and current.version != loaded:  # deleted: the service says
                raise ValidationError(stale_text(current), code="stale")
        if self.service_refusal is not None:
            add_refusal_to_form(self, self.service_refusal)
        return cleaned


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline names each column once, in its header; an input read on its own (by a
    screen reader) needs a name of its own: its column's label and its row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = _("new row") if index is None else _("row %(number)s") % {"number": index + 1}
        for name, field in form.fields.items():
            # The widget that draws the input: a link field's wrapper shares its attrs with
            # every other form's copy, the widget inside it has the form's own.
            widget = getattr(field.widget, "widget", field.widget)
            if not widget.is_hidden:
                label = capfirst(str(field.label or name))
                widget.attrs = {**widget.attrs, "aria-label": f"{label} ({row})"}


class RegistryTabularInline(admin.TabularInline):
    """The registry's inlines: inputs with names of their own, and no add, change or delete
    icons beside link fields for those who may not use them."""

    formset = LabelledInlineFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return without_related_icons(formfield, request)


class RegistryActionForm(ActionForm):
    """Django's bulk-action selector, named so that nobody takes it for an agenda action."""

    action = forms.ChoiceField(label=_("With the selected:"))


def table_date_column(model, name):
    """A date (or date and time) field of a list as tables show dates, 08-06-2016
    (SHORT_DATE_FORMAT), not as text does; anything else as it is."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if not isinstance(field, models.DateField):
        return name
    with_time = isinstance(field, models.DateTimeField)

    def column(obj):
        value = getattr(obj, name)
        if value is None:
            return "—"
        if with_time:
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return date_format(value, "SHORT_DATE_FORMAT")

    column.__name__ = name  # keeps the column's CSS class (column-<name>) and its sorting
    return admin.display(description=field.verbose_name, ordering=name)(column)


class TableDatesMixin:
    """Lists are tables: their dates read 08-06-2016, the one rule (config/formats)."""

    def get_list_display(self, request):
        return [table_date_column(self.model, name) for name in super().get_list_display(request)]


class CheckedInitialMixin:
    """An add form prefilled from the address (`?agreement=12`, as the admin's own links do):
    a reference no row can have (`?agreement=abc`, a number beyond 64 bits) is a 400 naming
    the parameter, not a server error when the form looks it up."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in initial.items():
            if not _reference_can_exist(self.model, name, value):
                raise BadRequest(
                    _("“%(name)s” in the address is not a valid value.") % {"name": name}
                )
        return initial


def _reference_can_exist(model, name, value):
    """Whether `value` (one or a list, as Django reads a `?name=`) could be the key of a row
    the relation `name` refers to; anything but a relation is the form's business."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    if not ((field.is_relation and field.concrete) or field.many_to_many):
        return True
    target = field.target_field
    try:
        for item in value if isinstance(value, list) else [value]:
            key = target.to_python(item)
            if isinstance(key, int) and not -(2**63) <= key < 2**63:
                return False
            if isinstance(key, str) and "\x00" in key:
                return False
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class RegistryAdmin(CheckedInitialMixin, TableDatesMixin, SimpleHistoryAdmin):
    action_form = RegistryActionForm
    change_form_template = "admin/registry/change_form.html"
    history_entries_shown = 15

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """Django's row checkbox, written directly: rendering a CheckboxInput through the
        form templates for each of 100 rows was a fifth of the action list's time."""
        label = format_html(_("Select “{}”"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["active_filters"] = active_filters(request, changelist)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            entries = history_entries(obj, reader=request.user)[: self.history_entries_shown]
            extra_context["recorded_changes"] = readable_entries(obj, entries)
            if not self.has_change_permission(request, obj):
                # A read-only page says why, and what the reader may do instead.
                extra_context["read_only_reason"] = read_only_reason(request.user, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Beside a link field, Django offers to add, change and delete the linked record.
        Only for ministry editors: the linked record (another party, a national agreement) is
        seldom one that others may change, and an icon that leads to a refusal misleads."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if (
            isinstance(widget, RelatedFieldWidgetWrapper)
            and not scope_for(request.user).edits_everything
        ):
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = False
        return formfield

    def _ensure_history_visible(self, request, object_id):
        """History of what the user may see; members also read the history of deleted
        records. Anything else (a draft for a non-member, a malformed id) is a 404."""
        if self.get_object(request, unquote(object_id)) is not None:
            return
        if not scope_for(request.user).is_member:
            raise Http404
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def history_view(self, request, object_id, extra_context=None):
        """Every recorded change, readable: who, when, which field from what to what."""
        self._ensure_history_visible(request, object_id)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:  # deleted: members read what was recorded of it
            history = self.model.history.filter(**{self.model._meta.pk.attname: unquote(object_id)})
            latest = history.order_by("-history_date").first()
            if latest is None:
                raise Http404
            obj = latest.instance
        page = Paginator(
            history_entries(obj, reader=request.user), self.history_list_per_page
        ).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of %(object)s") % {"object": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "page_obj": page,
            "entries": readable_entries(obj, list(page.object_list)),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/registry/object_history.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Old versions are not forms: their changes are listed on the history page."""
        if request.method != "GET":
            raise PermissionDenied
        self._ensure_history_visible(request, object_id)
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_history",
                args=[object_id],
            )
        )

    def revert_disabled(self, request, obj=None):
        return True


def without_related_icons(formfield, request):
    """Beside a link field, Django offers to add, change and delete the linked record: only
    for ministry editors. For others the linked record (another party, a national agreement)
    is seldom one they may change, and an icon that leads to a refusal misleads."""
    widget = getattr(formfield, "widget", None)
    if (
        isinstance(widget, RelatedFieldWidgetWrapper)
        and not scope_for(request.user).edits_everything
    ):
        widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
    return formfield


def active_filters(request, changelist):
    """The filters in use, each with the link that removes it (search included)."""
    chips = []
    for spec in changelist.filter_specs:
        chip = spec.chip() if hasattr(spec, "chip") else None
        if chip:
            title, value = chip
            remove = changelist.get_query_string(remove=[spec.parameter_name, "p"])
            chips.append({"title": title, "value": value, "remove_url": remove})
    if changelist.query:
        chips.append(
            {
                "title": _("search"),
                "value": changelist.query,
                "remove_url": changelist.get_query_string(remove=["q", "p"]),
            }
        )
    return chips


class ScopedAdminMixin:
    """Members see every record (read-only where out of scope); editors change and delete what
    `editable_by` allows. Writes go through the app's services (`save_model`, `delete_model`);
    a refusal re-renders the form with the input kept and the message at its field."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_change(request.user, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form
        return type(form.__name__, (form,), {"service_refusal": refusal})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as exc:
            # Refused by a service inside the view's transaction (rolled back): show the form
            # again, as submitted, with the refusal at its field. Django's own permission
            # checks (a plain PermissionDenied) stay a 403.
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            request._service_refusal = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as exc:
            self.message_user(request, refusal_text(exc), level="error")
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        """Bulk actions run in one transaction: a refusal of one row (say, a bulk delete of
        an agreement that has actions) leaves every row as it was, and says why."""
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except REFUSALS as exc:
            self.message_user(
                request,
                _("Nothing was changed: %(reason)s") % {"reason": refusal_text(exc)},
                level="error",
            )
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        """Bulk delete, one row at a time through the service."""
        for obj in queryset:
            self.delete_model(request, obj)

    def get_actions(self, request):
        """Django's bulk delete, but a selection holding a row the user may not change is
        refused before the confirmation page, naming those rows and why (Django's own page
        would speak of "permission to delete related objects" of a type)."""
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (checked_delete_selected, name, description)
        return actions


def checked_delete_selected(modeladmin, request, queryset):
    refused = [obj for obj in queryset if not may_change(request.user, obj)]
    if not refused:
        return delete_selected(modeladmin, request, queryset)
    shown = [f"“{obj}”" for obj in refused[:5]]
    if len(refused) > len(shown):
        records = _("%(names)s and %(n)s more") % {
            "names": ", ".join(shown),
            "n": len(refused) - len(shown),
        }
    else:
        records = join_names(shown)
    modeladmin.message_user(
        request,
        _("Nothing was deleted: you may not change %(records)s. %(reason)s")
        % {"records": records, "reason": read_only_reason(request.user, refused[0])},
        level="error",
    )
    return None


def _described(changelist):
    """The list's filters and search in words, as the filter panel shows them."""
    parts = []
    for spec in changelist.filter_specs:
        if not getattr(spec, "used_parameters", None):
            continue
        chosen = [str(c["display"]) for c in spec.choices(changelist) if c.get("selected")]
        shown = chosen or [str(v) for v in spec.used_parameters.values()]
        parts.append(f"{spec.title}: {', '.join(shown)}")
    if changelist.query:
        parts.append(_("search: “%(text)s”") % {"text": changelist.query})
    return "; ".join(parts)


class SpreadsheetExportAdminMixin:
    """Exports for people in Excel (config.spreadsheets.writing, the sheet dialect): buttons
    above the list export the whole filtered list (the list's filters, search and order,
    every page) as `acties-2026-11-29.xlsx` or `.csv`; the "Export" admin actions export the
    selected rows. The columns are the API's (`sheet_layout`), under headers in the user's
    language with labels beside the codes."""

    sheet_layout = None  # config.spreadsheets.writing.SheetLayout
    change_list_template = "admin/registry/change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export/<str:kind>/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, kind):
        if kind not in EXPORTERS:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        separator = csv_separator(request)
        # The list's own parameters only: the separator is the export's.
        request.GET = request.GET.copy()
        request.GET.pop("sep", None)
        changelist_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
            current_app=self.admin_site.name,
        )
        back = HttpResponseRedirect(f"{changelist_url}?{request.GET.urlencode()}")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return back
        queryset = changelist.get_queryset(request)
        return (
            self._export(
                request, queryset, kind, _described(changelist), separator, deferrable=True
            )
            or back
        )

    def _export(self, request, queryset, kind, described="", separator=None, *, deferrable=False):
        """The download, or None (with a message) when the list is longer than the limit:
        counted before any row is written, so a long list is refused, never cut off. A
        long list asked for by its URL is offered as a job (settings.EXPORT_GATE); an export
        made now holds one of the export slots."""
        count = queryset.count()
        title = capfirst(str(self.model._meta.verbose_name_plural))
        layout = self.sheet_layout
        rows = serialized_rows(
            layout.serializer_class, queryset, {"request": request}, row_builder=layout.row_builder
        )
        refusal, response = gated_export(
            request,
            count,
            lambda: sheet_response(
                layout,
                tracked(request, rows, count),
                kind,
                separator=separator or csv_separator(request),
                filename=export_file_name(self.model),
                title=title,
                described=described,
                user=request.user,
            ),
            kind=kind,
            offer=f"{title} ({kind.upper()})" if deferrable else None,
        )
        if refusal:
            self.message_user(request, refusal, level="error")
        return response

    @admin.action(description=_("Export the selected rows to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export the selected rows to Excel (XLSX)"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")
