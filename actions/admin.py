from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from actions.choices import ActionStatus
from actions.models import Action, ActionUpdate
from actions.services import EDITABLE_FIELDS, action_create, action_delete, action_update
from config.admin_scope import ScopedAdminMixin


class ActionAdminForm(forms.ModelForm):
    """Status is not a free field: a new status and a note go to the status service. The
    version the editor loaded travels with the form, so a concurrent change is refused."""

    new_status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *ActionStatus.choices], required=False
    )
    status_note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields = [*EDITABLE_FIELDS, "contributors"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version


class ActionUpdateInline(admin.TabularInline):
    model = ActionUpdate
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "status_from", "status_to", "progress", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = ActionAdminForm
    list_display = ["__str__", "agreement", "owner", "status", "progress", "due_date"]
    list_filter = ["status", "agreement__theme", "owner__kind"]
    search_fields = ["code", "title", "description", "agreement__code"]
    autocomplete_fields = ["agreement", "owner", "contributors", "region"]
    list_select_related = ["agreement", "owner"]
    readonly_fields = ["status", "completed_on", "version"]
    date_hierarchy = "due_date"
    inlines = [ActionUpdateInline]

    def save_model(self, request, obj, form, change):
        data = {n: form.cleaned_data[n] for n in EDITABLE_FIELDS if n in form.cleaned_data}
        contributors = form.cleaned_data.get("contributors", [])
        if change:
            saved = action_update(
                action=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
                contributors=contributors,
                status=form.cleaned_data.get("new_status") or None,
                note=form.cleaned_data.get("status_note", ""),
                **data,
            )
        else:
            saved = action_create(user=request.user, contributors=contributors, **data)
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        # Contributors were saved by the service; only the (read-only) inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        action_delete(action=obj, user=request.user)
