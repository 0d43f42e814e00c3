from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from actions.querysets import overdue_q
from agenda.api.serializers import AgreementSerializer
from agenda.choices import AgreementScope
from agenda.filters import filter_themes
from agenda.models import (
    Agreement,
    AgreementParty,
    BudgetLine,
    Goal,
    GoalMeasurement,
    Membership,
    Party,
    Review,
    ReviewDecision,
    Theme,
)
from agenda.querysets import scope_for
from agenda.services import EDITABLE_FIELDS, agreement_create, agreement_delete, agreement_update
from config.admin_base import (
    ChangedSinceFilter,
    MinistryEditsAdmin,
    RegistryAdmin,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    VersionedAdminForm,
)
from regions.admin import AgendaRegionFilter, LinkedRegionFilter
from regions.models import Region

admin.site.site_header = _("MKB-samenwerkingsagenda")
admin.site.site_title = _("MKB-samenwerkingsagenda")
admin.site.index_title = _("Registry")


class ThemeFilter(admin.SimpleListFilter):
    """A main theme includes its sub-themes (the same rule as the API's `theme` filter)."""

    title = _("theme")
    parameter_name = "theme"
    theme_path = "theme"

    def lookups(self, request, model_admin):
        themes = Theme.objects.select_related("parent").order_by("code")
        mains = [t for t in themes if t.parent_id is None]
        choices = []
        for main in mains:
            choices.append((main.code, main.name))
            choices += [(t.code, f"– {t.name}") for t in themes if t.parent_id == main.pk]
        return choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        theme = Theme.objects.filter(code=self.value()).first()
        return filter_themes(queryset, self.theme_path, [theme]) if theme else queryset.none()


class PartyFilter(admin.SimpleListFilter):
    title = _("party")
    parameter_name = "party"

    def lookups(self, request, model_admin):
        return [(p.code, p.name) for p in Party.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(party_links__party__code=self.value()).distinct()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["party", "user"]


@admin.register(Party)
class PartyAdmin(MinistryEditsAdmin):
    ordering = ["code"]  # explicit: the member count's GROUP BY drops the default ordering
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["code", "name", "abbreviation", "kind", "member_count"]
    list_filter = ["kind", ChangedSinceFilter]
    search_fields = ["code", "name", "abbreviation"]
    autocomplete_fields = ["regions"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, party):
        return party.member_total

    def get_search_results(self, request, queryset, search_term):
        """Autocomplete for an action's owner offers a provincial editor their own parties."""
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        scope = scope_for(request.user)
        if request.GET.get("field_name") == "owner" and not scope.edits_everything:
            queryset = queryset.filter(pk__in=scope.editor_party_ids)
        return queryset, distinct


@admin.register(Membership)
class MembershipAdmin(MinistryEditsAdmin):
    list_display = ["user", "party", "role"]
    list_filter = ["role", "party__kind", ChangedSinceFilter]
    search_fields = ["user__username", "party__code", "party__name"]
    autocomplete_fields = ["user", "party"]
    list_select_related = ["user", "party"]


@admin.register(Theme)
class ThemeAdmin(MinistryEditsAdmin):
    list_display = ["code", "name", "name_en", "parent"]
    list_filter = [ChangedSinceFilter]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["party"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    autocomplete_fields = ["party"]


class ActionInline(admin.TabularInline):
    """The agreement's actions at a glance; each is changed on its own page (status moves go
    through the status service there)."""

    model = Action
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["code", "title", "owner", "status", "progress", "due_date"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")


class AgreementAdminForm(VersionedAdminForm):
    class Meta:
        model = Agreement
        fields = [*EDITABLE_FIELDS, "regions"]


@admin.register(Agreement)
class AgreementAdmin(SpreadsheetExportAdminMixin, ScopedAdminMixin, RegistryAdmin):
    form = AgreementAdminForm
    ordering = ["code"]  # explicit: the counts' GROUP BY drops the default ordering
    actions = ["export_csv", "export_xlsx"]
    export_serializer_class = AgreementSerializer
    list_display = [
        "code",
        "title",
        "theme",
        "scope",
        "status",
        "agreed_on",
        "action_count",
        "overdue_count",
    ]
    list_filter = [
        ThemeFilter,
        "scope",
        "status",
        PartyFilter,
        LinkedRegionFilter,
        AgendaRegionFilter,
        ChangedSinceFilter,
    ]
    search_fields = ["code", "title", "description"]
    autocomplete_fields = ["theme", "regions", "supersedes"]
    list_select_related = ["theme"]
    readonly_fields = ["version", "superseded_by_links", "add_action_link"]
    # One count per page, not a second scan of the whole table for the unfiltered total.
    show_full_result_count = False
    inlines = [AgreementPartyInline, BudgetLineInline, ActionInline]

    def get_queryset(self, request):
        # Both counts in the list's own query: no query per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                action_total=Count("actions", distinct=True),
                overdue_total=Count(
                    "actions", filter=Q(overdue_q(prefix="actions__")), distinct=True
                ),
            )
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        scope = scope_for(request.user)
        if "scope" in form.base_fields and not scope.edits_everything:
            # Generic agreements are national (ministry only): offer what can be saved.
            form.base_fields["scope"].choices = [
                (AgreementScope.REGIONAL.value, AgreementScope.REGIONAL.label)
            ]
            form.base_fields["scope"].initial = AgreementScope.REGIONAL
        if "regions" in form.base_fields and not scope.edits_everything:
            current = obj.regions.values("pk") if obj else Region.objects.none().values("pk")
            form.base_fields["regions"].queryset = Region.objects.filter(
                Q(pk__in=scope.working_area()) | Q(pk__in=current)
            )
        return form

    @admin.display(description=_("actions"), ordering="action_total")
    def action_count(self, agreement):
        return agreement.action_total

    @admin.display(description=_("overdue"), ordering="overdue_total")
    def overdue_count(self, agreement):
        if not agreement.overdue_total:
            return 0
        url = reverse("admin:actions_action_changelist")
        return format_html(
            '<a href="{}?agreement__id__exact={}&overdue=yes" style="color:#ba2121">{}</a>',
            url,
            agreement.pk,
            agreement.overdue_total,
        )

    @admin.display(description=_("superseded by"))
    def superseded_by_links(self, agreement):
        later = agreement.superseded_by.all()
        links = ((reverse("admin:agenda_agreement_change", args=[a.pk]), str(a)) for a in later)
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "—"

    @admin.display(description=_("new action"))
    def add_action_link(self, agreement):
        if not agreement.pk:
            return "—"
        url = reverse("admin:actions_action_add")
        return format_html(
            '<a href="{}?agreement={}">{}</a>', url, agreement.pk, _("Add an action")
        )

    def save_model(self, request, obj, form, change):
        data = {n: form.cleaned_data[n] for n in EDITABLE_FIELDS if n in form.cleaned_data}
        regions = form.cleaned_data.get("regions", [])
        if change:
            saved = agreement_update(
                agreement=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
                regions=regions,
                **data,
            )
        else:
            saved = agreement_create(user=request.user, regions=regions, **data)
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        # The inlines may change the parties: the result must still lie in the user's scope.
        if not Agreement.objects.editable_by(request.user).filter(pk=form.instance.pk).exists():
            raise PermissionDenied(_("This agreement would fall outside your scope."))

    def delete_model(self, request, obj):
        agreement_delete(agreement=obj, user=request.user)


class ReviewDecisionInline(admin.TabularInline):
    model = ReviewDecision
    extra = 0
    autocomplete_fields = ["agreement"]


@admin.register(Review)
class ReviewAdmin(MinistryEditsAdmin):
    list_display = ["date", "title", "status"]
    list_filter = ["status", ChangedSinceFilter]
    search_fields = ["title", "conclusion"]
    date_hierarchy = "date"
    inlines = [ReviewDecisionInline]


class GoalMeasurementInline(admin.TabularInline):
    model = GoalMeasurement
    extra = 0


@admin.register(Goal)
class GoalAdmin(MinistryEditsAdmin):
    list_display = ["code", "name", "target", "unit", "target_year"]
    list_filter = [ChangedSinceFilter]
    search_fields = ["code", "name"]
    inlines = [GoalMeasurementInline]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = [MembershipInline]
