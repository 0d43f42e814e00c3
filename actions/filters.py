import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from actions.choices import ActionStatus
from actions.models import Action
from agenda.filters import APPLIES_TO_HELP, REGION_HELP, filter_themes
from agenda.models import Agreement, Party, Theme
from config.filters import (
    ChoiceListFilter,
    CodeListFilter,
    FilterSetListFilter,
    RegistryFilterSet,
    SearchFilter,
    StrictBooleanFilter,
)
from regions.models import Region


class ActionFilterSet(RegistryFilterSet):
    agreement = CodeListFilter(
        field_name="agreement", queryset=Agreement.objects.all(), help_text="Agreement codes."
    )
    theme = CodeListFilter(
        queryset=Theme.objects.all(),
        method="filter_theme",
        help_text="The agreement's theme; a main theme includes its sub-themes.",
    )
    owner = CodeListFilter(
        field_name="owner", queryset=Party.objects.all(), help_text="The owner only."
    )
    party = CodeListFilter(
        queryset=Party.objects.all(),
        method="filter_party",
        help_text="Owner or contributor is one of these parties.",
    )
    status = ChoiceListFilter(choices=ActionStatus.choices, help_text="Statuses.")
    region = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        help_text=REGION_HELP + " The action's own region counts, else its agreement's.",
    )
    applies_to = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_applies_to",
        help_text=APPLIES_TO_HELP + " The action's own region counts, else its agreement's.",
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="`true`: due before today and not done/cancelled; `false`: the others.",
    )
    stalled = StrictBooleanFilter(
        method="filter_stalled",
        help_text="`true`: open and without any change or progress update in the last "
        "STALLED_AFTER_DAYS days (a setting, 90 by default); `false`: the others.",
    )
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text="Due on or after (YYYY-MM-DD)."
    )
    due_to = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Due on or before (YYYY-MM-DD)."
    )
    q = SearchFilter(
        fields=["code", "title", "description", "result"],
        help_text="Search code, title, description, result.",
    )
    ordering = django_filters.OrderingFilter(
        fields=["id", "code", "title", "status", "progress", "due_date", "updated_at"],
        help_text="Sort by `id`, `code`, `title`, `status`, `progress`, `due_date`, "
        "`updated_at`; `-` reverses.",
    )

    class Meta:
        model = Action
        fields = []

    def filter_theme(self, queryset, name, value):
        return filter_themes(queryset, "agreement__theme", value)

    def filter_party(self, queryset, name, value):
        return queryset.filter(pk__in=Action.objects.involving(*value).values("pk"))

    def filter_region(self, queryset, name, value):
        return queryset.filter(pk__in=Action.objects.linked_within(*value).values("pk"))

    def filter_applies_to(self, queryset, name, value):
        return queryset.filter(pk__in=Action.objects.applies_to(*value).values("pk"))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.overdue() if value else queryset.not_overdue()

    def filter_stalled(self, queryset, name, value):
        if value is None:
            return queryset
        days = settings.STALLED_AFTER_DAYS
        return queryset.stalled(days) if value else queryset.not_stalled(days)


# Admin list filters (the shared ones, theme, region, applies_to, changed since, live beside
# the agreement FilterSet): each is one parameter of ActionFilterSet, with its values.


class ActionStatusListFilter(FilterSetListFilter):
    title, parameter_name = _("status"), "status"

    def lookups(self, request, model_admin):
        return ActionStatus.choices


class OverdueListFilter(FilterSetListFilter):
    title, parameter_name = _("overdue"), "overdue"

    def lookups(self, request, model_admin):
        return [("true", _("overdue")), ("false", _("not overdue"))]


class OwnerListFilter(FilterSetListFilter):
    title, parameter_name = _("owner"), "owner"

    def lookups(self, request, model_admin):
        owners = Party.objects.filter(owned_actions__isnull=False).distinct().order_by("name")
        return list(owners.values_list("code", "name"))


class AgreementCodeListFilter(FilterSetListFilter):
    title, parameter_name = _("agreement"), "agreement"

    def lookups(self, request, model_admin):
        agreements = Agreement.objects.visible_to(request.user).order_by("code")
        return [
            (code, f"{code} – {title}") for code, title in agreements.values_list("code", "title")
        ]
