"""What every admin page of the registry shares.

- The change page lists the record's recorded changes (who, when, which fields, from what to
  what), from the same history entries as the API's `history/` endpoint.
- History pages are read-only: a revert would bypass the services (status moves, versions,
  scope), and simple-history's revert view saves after checking view permission only.
- Scoped admins ask `visible_to` / `editable_by`, exactly as the API does. Refusals by the
  services become error messages; the admin view's transaction rolls back, nothing is written.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from agenda.querysets import scope_for
from config.concurrency import StaleVersionError
from config.exports import EXPORTERS, header_for, serialized_rows
from config.history import history_entries


def refusal_text(exc):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{f}: {' '.join(e)}" for f, e in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def stale_text(instance):
    last = instance.history.select_related("history_user").first()
    if last is None:
        return str(StaleVersionError(instance))
    return _("Changed by %(user)s at %(when)s — reload the page; nothing was saved.") % {
        "user": last.history_user or "?",
        "when": timezone.localtime(last.history_date).strftime("%d-%m-%Y %H:%M"),
    }


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the editor loaded. Saving over a newer version is a form error
    ("changed by X at T — reload"), with the editor's input kept on the page; the service
    checks again under the row lock, so a race in between is refused too."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None:
            current = type(self.instance).objects.get(pk=self.instance.pk)
            if current.version != loaded:
                raise ValidationError(stale_text(current), code="stale")
        return cleaned


class RegistryAdmin(SimpleHistoryAdmin):
    change_form_template = "admin/registry/change_form.html"
    history_entries_shown = 15

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["recorded_changes"] = history_entries(obj)[: self.history_entries_shown]
        return super().change_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ScopedAdminMixin:
    """Members see every record (read-only where out of scope); editors change and delete what
    `editable_by` allows. Writes go through the app's services (`save_model`, `delete_model`)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def is_editable(self, request, obj):
        return type(obj).objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.is_editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.is_editable(request, obj))

    def _refusals_as_messages(self, view, request, object_id, *args):
        try:
            return view(request, object_id, *args)
        except StaleVersionError as exc:
            messages.error(request, stale_text(exc.instance))
        except PermissionDenied as exc:
            # Refused before any write (not in scope at all): a plain 403, as Django does.
            # Refused by the service because the result would leave the scope: a message.
            obj = self.get_object(request, object_id) if object_id else None
            if obj is None or not self.is_editable(request, obj):
                raise
            messages.error(request, refusal_text(exc))
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusals_as_messages(
            super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._refusals_as_messages(super().delete_view, request, object_id, extra_context)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Bulk delete, one row at a time through the service: all or nothing."""
        for obj in queryset:
            self.delete_model(request, obj)


class MinistryEditsAdmin(RegistryAdmin):
    """Reference data, memberships, reviews and goals: every member reads them, ministry
    editors (and superusers) change them."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and edits_everything(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and edits_everything(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and edits_everything(request)


class SpreadsheetExportAdminMixin:
    """ "Export to CSV / Excel" admin actions: the selected rows (or all, with "select all"),
    with the same columns as the API's export (`export_serializer_class`)."""

    export_serializer_class = None

    def _export(self, request, queryset, kind):
        header = header_for(self.export_serializer_class())
        rows = serialized_rows(self.export_serializer_class, queryset, {"request": request})
        return EXPORTERS[kind](header, rows, self.model._meta.model_name)

    @admin.action(description=_("Export to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export to Excel (XLSX)"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")


class ChangedSinceFilter(admin.SimpleListFilter):
    """Changed on or after a day: recent periods, and each review held (herijking)."""

    title = _("changed since")
    parameter_name = "changed_since"

    def lookups(self, request, model_admin):
        from agenda.models import Review

        today = timezone.localdate()
        choices = [
            (today.isoformat(), _("today")),
            ((today - datetime.timedelta(days=7)).isoformat(), _("last 7 days")),
            ((today - datetime.timedelta(days=30)).isoformat(), _("last 30 days")),
        ]
        for review in Review.objects.filter(status="held").order_by("-date")[:5]:
            choices.append(
                (review.date.isoformat(), _("review of %(date)s") % {"date": review.date})
            )
        return choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            day = datetime.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return queryset.filter(updated_at__gte=start)


def edits_everything(request):
    return scope_for(request.user).edits_everything
