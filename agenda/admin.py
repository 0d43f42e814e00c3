from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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
from agenda.services import EDITABLE_FIELDS, agreement_create, agreement_update
from config.admin_scope import ScopedAdminMixin

admin.site.site_header = _("MKB-samenwerkingsagenda")
admin.site.site_title = _("MKB-samenwerkingsagenda")
admin.site.index_title = _("Registry")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["party", "user"]


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "abbreviation", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "abbreviation"]
    autocomplete_fields = ["regions"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "party", "role"]
    list_filter = ["role", "party__kind"]
    search_fields = ["user__username", "party__code", "party__name"]
    autocomplete_fields = ["user", "party"]
    list_select_related = ["user", "party"]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["party"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    autocomplete_fields = ["party"]


@admin.register(Agreement)
class AgreementAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "title", "theme", "scope", "status", "agreed_on"]
    list_filter = ["theme", "scope", "status"]
    search_fields = ["code", "title", "description"]
    autocomplete_fields = ["theme", "regions", "supersedes"]
    list_select_related = ["theme"]
    readonly_fields = ["version"]
    inlines = [AgreementPartyInline, BudgetLineInline]

    def save_model(self, request, obj, form, change):
        data = {n: form.cleaned_data[n] for n in EDITABLE_FIELDS if n in form.cleaned_data}
        regions = form.cleaned_data.get("regions", [])
        if change:
            saved = agreement_update(
                agreement=obj,
                user=request.user,
                expected_version=form.initial.get("version"),
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


class ReviewDecisionInline(admin.TabularInline):
    model = ReviewDecision
    extra = 0
    autocomplete_fields = ["agreement"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["date", "title", "status"]
    list_filter = ["status"]
    search_fields = ["title", "conclusion"]
    date_hierarchy = "date"
    inlines = [ReviewDecisionInline]


class GoalMeasurementInline(admin.TabularInline):
    model = GoalMeasurement
    extra = 0


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "target", "unit", "target_year"]
    search_fields = ["code", "name"]
    inlines = [GoalMeasurementInline]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = [MembershipInline]
