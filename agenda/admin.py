import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from actions.querysets import overdue_q
from agenda.choices import AgreementScope, FundingKind, ReviewStatus
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
    ensure_decision_fits,
    review_decision_delete,
    review_decision_save,
)
from agenda.sheet import AGREEMENT_SHEET
from config.admin_base import (
    CheckedInitialMixin,
    RegistryAdmin,
    RegistryTabularInline,
    ScopedAdminMixin,
    SpreadsheetExportAdminMixin,
    TableDatesMixin,
    VersionedAdminForm,
)
from config.refusals import REFUSALS, refusal_text
from regions.models import Region


class MembershipInline(RegistryTabularInline):
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


class AgreementPartyInline(RegistryTabularInline):
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


class BudgetLineInline(RegistryTabularInline):
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
    sheet_layout = AGREEMENT_SHEET
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
            '<a href="{}?{}" class="overdue-count">{}</a>', url, query, agreement.overdue_total
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
        return date_format(agreement.agreed_on, "SHORT_DATE_FORMAT") if agreement.agreed_on else "—"

    @admin.display(description=_("theme"), ordering="theme__name")
    def theme_name(self, agreement):
        """The theme's name (people know themes by name, not by code), whole on hover."""
        return format_html(
            '<span class="cut cut-name" title="{0}">{0}</span>', agreement.theme.name
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


class ReviewDecisionForm(VersionedAdminForm):
    """A decision of a planned review: refused here, at its field, when it does not fit the
    agreement (the rule the review page and the hold apply, `ensure_decision_fits`) or when
    someone saved the decision since it was loaded (VersionedAdminForm)."""

    class Meta:
        model = ReviewDecision
        fields = ["agreement", "decision", "note"]

    def clean(self):
        cleaned = super().clean()
        agreement, decision = cleaned.get("agreement"), cleaned.get("decision")
        if agreement is not None and decision and not cleaned.get("DELETE"):
            try:
                ensure_decision_fits(decision, agreement)
            except ValidationError as exc:
                self.add_error("decision", exc.message_dict["decision"])
        return cleaned


class ReviewDecisionInline(RegistryTabularInline):
    """The decisions of a planned review; a held review's are what it decided (read-only)."""

    model = ReviewDecision
    form = ReviewDecisionForm
    extra = 0
    autocomplete_fields = ["agreement"]

    def _open(self, request, obj):
        return scope_for(request.user).prepares_reviews and (
            obj is None or obj.status == ReviewStatus.PLANNED
        )

    def has_add_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_delete_permission(request, obj)


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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Beside the record: its page on /reviews/, where it is prepared and held."""
        review = self.get_object(request, object_id)  # None for an id that names none
        extra_context = {
            **(extra_context or {}),
            "pages_link": {
                "url": reverse("reviews:review", args=[review.pk]) if review else None,
                "label": _("Open on the review pages"),
            },
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as exc:  # refused under the lock (a race): rolled back, said why
            self.message_user(
                request,
                _("Nothing was changed: %(reason)s") % {"reason": refusal_text(exc)},
                level="error",
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_formset(self, request, form, formset, change):
        """Decisions go through the review's service (scope, rule, version), as on the page."""
        if formset.model is not ReviewDecision:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if formset._should_delete_form(row):
                if row.instance.pk:
                    review_decision_delete(
                        decision=row.instance,
                        user=request.user,
                        expected_version=row.cleaned_data.get("loaded_version"),
                    )
                    formset.deleted_objects.append(row.instance)
            elif row.has_changed() and row.cleaned_data:
                self._save_decision(request, form.instance, row, formset)
        return None

    @staticmethod
    def _save_decision(request, review, row, formset):
        data = row.cleaned_data
        stored = ReviewDecision.objects.filter(pk=row.instance.pk).first()
        expected = data.get("loaded_version") if stored else 0
        if stored is not None and stored.agreement_id != data["agreement"].pk:
            review_decision_delete(decision=stored, user=request.user, expected_version=expected)
            expected = 0
        saved = review_decision_save(
            review=review,
            agreement=data["agreement"],
            user=request.user,
            decision=data["decision"],
            note=data.get("note", ""),
            expected_version=expected,
        )
        if stored is None:
            formset.new_objects.append(saved)
        else:
            formset.changed_objects.append((saved, row.changed_data))


class GoalMeasurementInline(RegistryTabularInline):
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
class RegistryUserAdmin(CheckedInitialMixin, UserAdmin):
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(CheckedInitialMixin, TableDatesMixin, admin.ModelAdmin):
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
