import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from actions.querysets import overdue_q
from agenda.api.serializers import AgreementSerializer
from agenda.choices import AgreementScope, FundingKind
from agenda.filters import (
    AgreementFilterSet,
    AgreementScopeListFilter,
    AgreementStatusListFilter,
    AppliesToListFilter,
    GoalFilterSet,
    MembershipFilterSet,
    MembershipRoleListFilter,
    PartyFilterSet,
    PartyKindListFilter,
    PartyListFilter,
    RegionListFilter,
    ReviewFilterSet,
    ThemeFilterSet,
    ThemeListFilter,
    UpdatedSinceListFilter,
)
from agenda.models import (
    Agreement,
    AgreementParty,
    ApiToken,
    BudgetLine,
    Goal,
    GoalMeasurement,
    Membership,
    Party,
    Review,
    ReviewDecision,
    Theme,
)
from agenda.scope import scope_for
from agenda.services import (
    BUDGET_LINE_FIELDS,
    EDITABLE_FIELDS,
    agreement_create,
    agreement_delete,
    agreement_update,
    api_token_create,
)
from config.admin_base import (
    RegistryAdmin,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    VersionedAdminForm,
)
from regions.models import Region


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["party", "user"]


@admin.register(Party)
class PartyAdmin(RegistryAdmin):
    ordering = ["code"]  # explicit: the member count's GROUP BY drops the default ordering
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["code", "name", "abbreviation", "kind", "member_count"]
    filterset_class = PartyFilterSet
    list_filter = [PartyKindListFilter, UpdatedSinceListFilter]
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
class MembershipAdmin(RegistryAdmin):
    list_display = ["user", "party", "role"]
    filterset_class = MembershipFilterSet
    list_filter = [MembershipRoleListFilter, UpdatedSinceListFilter]
    search_fields = ["user__username", "party__code", "party__name"]
    autocomplete_fields = ["user", "party"]
    list_select_related = ["user", "party"]


@admin.register(Theme)
class ThemeAdmin(RegistryAdmin):
    list_display = ["code", "name", "name_en", "parent"]
    filterset_class = ThemeFilterSet
    list_filter = [UpdatedSinceListFilter]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["party"]


class DutchAmountField(forms.DecimalField):
    """Amounts as they are typed in the Netherlands: `1.500.000` or `1.500.000,50` (and
    `1500000.50` as a machine writes them); shown as `1.500.000,00`."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "amount-input"})

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
            if "," in text:
                text = text.replace(".", "").replace(",", ".")
            elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
                text = text.replace(".", "")
            value = text
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
        return value


class BudgetLineForm(forms.ModelForm):
    amount = DutchAmountField(label=_("amount (EUR)"), max_digits=14, decimal_places=2)

    class Meta:
        model = BudgetLine
        fields = list(BUDGET_LINE_FIELDS)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    form = BudgetLineForm
    extra = 0
    autocomplete_fields = ["party"]


def euros(amount):
    return "€ " + number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)


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
        "title_cut",
        "theme_name",
        "status",
        "agreed",
        "action_count",
        "overdue_count",
    ]
    filterset_class = AgreementFilterSet
    list_filter = [
        AppliesToListFilter,
        ThemeListFilter,
        AgreementScopeListFilter,
        AgreementStatusListFilter,
        PartyListFilter,
        RegionListFilter,
        UpdatedSinceListFilter,
    ]
    search_fields = ["code", "title", "description"]
    autocomplete_fields = ["theme", "regions", "supersedes"]
    list_select_related = ["theme"]
    readonly_fields = ["superseded_by_links", "actions_overview", "budget_summary"]
    # One count per page, not a second scan of the whole table for the unfiltered total.
    show_full_result_count = False
    # The agreement's actions are a bounded overview with links, never an inline of
    # thousands of rows (the page stays small and saving it always works).
    inlines = [AgreementPartyInline, BudgetLineInline]
    actions_shown = 25
    fieldsets = [
        (None, {"fields": ["title", ("code", "theme"), ("scope", "status"), "regions"]}),
        (_("Dates"), {"fields": [("agreed_on", "valid_from", "valid_until")]}),
        (_("Actions"), {"fields": ["actions_overview"]}),
        (_("Description and source"), {"fields": ["description", "source"]}),
        (_("Budget"), {"fields": ["budget_summary"]}),
        (_("Versions"), {"fields": ["supersedes", "superseded_by_links", "loaded_version"]}),
    ]

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
        query = urlencode({"agreement": agreement.code, "overdue": "true"})
        return format_html(
            '<a href="{}?{}" style="color:#ba2121">{}</a>', url, query, agreement.overdue_total
        )

    @admin.display(description=_("superseded by"))
    def superseded_by_links(self, agreement):
        later = agreement.superseded_by.all()
        links = ((reverse("admin:agenda_agreement_change", args=[a.pk]), str(a)) for a in later)
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "—"

    @admin.display(description=_("actions"))
    def actions_overview(self, agreement):
        """The first actions (open ones first), a link to all of them, and "add an action"
        that returns here."""
        if not agreement.pk:
            return "—"
        actions = list(
            Action.objects.filter(agreement=agreement)
            .select_related("owner")
            .in_work_order()[: self.actions_shown]
        )
        total = agreement.actions.count()
        changelist = reverse("admin:actions_action_changelist")
        add = reverse("admin:actions_action_add")
        return render_to_string(
            "admin/agenda/agreement/actions_overview.html",
            {
                "actions": actions,
                "total": total,
                "more": total > len(actions),
                "all_url": f"{changelist}?{urlencode({'agreement': agreement.code})}",
                "add_url": f"{add}?{urlencode({'agreement': agreement.pk, 'return': 'agreement'})}",
            },
        )

    @admin.display(description=_("budget"))
    def budget_summary(self, agreement):
        """Totals per year, public and private, and in all (unknown splits included)."""
        if not agreement.pk:
            return "—"
        rows = (
            agreement.budget_lines.values("year")
            .annotate(
                public=Sum("amount", filter=Q(funding=FundingKind.PUBLIC), default=0),
                private=Sum("amount", filter=Q(funding=FundingKind.PRIVATE), default=0),
                total=Sum("amount"),
            )
            .order_by("year")
        )
        if not rows:
            return _("No budget lines.")
        grand = sum(row["total"] for row in rows)
        return render_to_string(
            "admin/agenda/agreement/budget_summary.html",
            {
                "rows": [
                    {**row, **{k: euros(row[k]) for k in ("public", "private", "total")}}
                    for row in rows
                ],
                "grand": euros(grand),
            },
        )

    @admin.display(description=_("title"), ordering="title")
    def title_cut(self, agreement):
        return format_html('<span class="cut cut-title" title="{0}">{0}</span>', agreement.title)

    @admin.display(description=_("agreed on"), ordering="agreed_on")
    def agreed(self, agreement):
        return date_format(agreement.agreed_on, "d-m-Y") if agreement.agreed_on else "—"

    @admin.display(description=_("theme"), ordering="theme__name")
    def theme_name(self, agreement):
        return format_html(
            '<span class="cut cut-name" title="{0}">{1}</span>',
            agreement.theme.name,
            agreement.theme.code,
        )

    def save_model(self, request, obj, form, change):
        """Nothing yet: the agreement is saved with its inlines in `save_related`, by one
        service call (one version, one history record, one scope check under the lock)."""

    def save_related(self, request, form, formsets, change):
        data = {n: form.cleaned_data[n] for n in EDITABLE_FIELDS if n in form.cleaned_data}
        if "regions" in form.cleaned_data:
            data["regions"] = list(form.cleaned_data["regions"])
        for formset in formsets:
            rows = [
                f.cleaned_data
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            # Django's change message reads these; the service did the writing.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is AgreementParty:
                data["parties"] = [(row["party"], row["role"]) for row in rows]
            elif formset.model is BudgetLine:
                data["budget_lines"] = [{n: row[n] for n in BUDGET_LINE_FIELDS} for row in rows]
        if change:
            saved = agreement_update(
                agreement=form.instance,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
                **data,
            )
        else:
            saved = agreement_create(user=request.user, **data)
        form.instance.pk, form.instance.version = saved.pk, saved.version

    def delete_model(self, request, obj):
        agreement_delete(agreement=obj, user=request.user)


class ReviewDecisionInline(admin.TabularInline):
    model = ReviewDecision
    extra = 0
    autocomplete_fields = ["agreement"]


@admin.register(Review)
class ReviewAdmin(RegistryAdmin):
    list_display = ["date", "title", "status"]
    filterset_class = ReviewFilterSet
    list_filter = [UpdatedSinceListFilter]
    search_fields = ["title", "conclusion"]
    date_hierarchy = "date"
    inlines = [ReviewDecisionInline]
    # A review is held (status, snapshot, decisions applied) by the review pages' service only.
    readonly_fields = ["status"]


class GoalMeasurementInline(admin.TabularInline):
    model = GoalMeasurement
    extra = 0


@admin.register(Goal)
class GoalAdmin(RegistryAdmin):
    list_display = ["code", "name", "target", "unit", "target_year"]
    filterset_class = GoalFilterSet
    list_filter = [UpdatedSinceListFilter]
    search_fields = ["code", "name"]
    inlines = [GoalMeasurementInline]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made here (superusers) or with `manage.py create_api_token`; the key is shown
    once, on the page after saving, and never again. A token cannot be changed, only deleted
    (revoked)."""

    list_display = ["prefix", "user", "name", "created_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "prefix"]
    autocomplete_fields = ["user"]
    fields = ["user", "name"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, key = api_token_create(user=obj.user, name=obj.name)
        obj.pk, obj._state.adding = token.pk, False
        self.message_user(
            request,
            _("The new token's key, shown only now: %(key)s") % {"key": key},
            messages.WARNING,
        )
