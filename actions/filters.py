import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from actions.choices import ActionStatus
from actions.models import Action
from agenda.filters import APPLIES_TO_HELP, REGION_HELP, filter_themes
from agenda.models import Agreement, Party, Theme
from config.filters import (
    ChoiceListFilter,
    CodeListFilter,
    DropDownListFilter,
    FilterSetListFilter,
    RegistryFilterSet,
    RegistryOrderingFilter,
    SearchFilter,
    StrictBooleanFilter,
    by_code,
    by_id,
)
from regions.models import Region


class ActionFilterSet(RegistryFilterSet):
    id = by_id()
    code = by_code()
    agreement = CodeListFilter(
        field_name="agreement",
        queryset=Agreement.objects.all(),
        label=_("agreement"),
        help_text="Agreement codes (see /api/v1/agreements/).",
    )
    theme = CodeListFilter(
        queryset=Theme.objects.all(),
        method="filter_theme",
        label=_("theme"),
        help_text="The agreement's theme (theme codes, see /api/v1/themes/); a main theme "
        "includes its sub-themes.",
    )
    owner = CodeListFilter(
        field_name="owner",
        queryset=Party.objects.all(),
        label=_("owner"),
        help_text="The owner only (party codes, see /api/v1/parties/).",
    )
    party = CodeListFilter(
        queryset=Party.objects.all(),
        method="filter_party",
        label=_("party"),
        help_text="Owner or contributor is one of these parties (party codes).",
    )
    status = ChoiceListFilter(
        choices=ActionStatus.choices, label=_("status"), help_text="Action statuses."
    )
    region = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        label=_("linked to region"),
        help_text=REGION_HELP + " The action's own region counts, else its agreement's.",
    )
    applies_to = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_applies_to",
        label=_("applies to"),
        help_text=APPLIES_TO_HELP + " The action's own region counts, else its agreement's.",
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        label=_("overdue"),
        help_text="`true`: due before today and not done or cancelled; `false`: the others.",
    )
    stalled = StrictBooleanFilter(
        method="filter_stalled",
        label=_("stalled"),
        help_text="`true`: open and without any change or progress update in the last "
        "STALLED_AFTER_DAYS days (a setting, 90 by default); `false`: the others.",
    )
    due_from = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="gte",
        label=_("due from"),
        help_text="Due on or after (YYYY-MM-DD).",
    )
    due_to = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="lte",
        label=_("due until"),
        help_text="Due on or before (YYYY-MM-DD).",
    )
    q = SearchFilter(
        fields=["code", "title", "description", "result"],
        label=_("search"),
        help_text="Search code, title, description, result (case-insensitive).",
    )
    ordering = RegistryOrderingFilter(
        fields=["id", "code", "title", "status", "progress", "due_date", "updated_at"],
        label=_("order by"),
        help_text="Sort keys, comma-separated; `-` reverses. Ties are broken by `id`.",
    )

    class Meta:
        model = Action
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # A draft's code is as unknown as a code that does not exist, to those who may not
        # see drafts.
        user = getattr(request, "user", None)
        self.filters["agreement"].extra["queryset"] = Agreement.objects.visible_to(user)

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


class StalledListFilter(FilterSetListFilter):
    title, parameter_name = _("stalled"), "stalled"

    def lookups(self, request, model_admin):
        return [("true", _("stalled")), ("false", _("not stalled"))]


class OwnerListFilter(DropDownListFilter):
    title, parameter_name = _("owner"), "owner"

    def lookups(self, request, model_admin):
        # EXISTS per party (an index probe each), not DISTINCT over a join with every action.
        owns = Action.objects.filter(owner=OuterRef("pk"))
        owners = Party.objects.filter(Exists(owns)).order_by("name")
        return list(owners.values_list("code", "name"))


class AgreementCodeListFilter(DropDownListFilter):
    title, parameter_name = _("agreement"), "agreement"

    def lookups(self, request, model_admin):
        agreements = Agreement.objects.visible_to(request.user).order_by("code")
        return [
            (code, f"{code} – {title}") for code, title in agreements.values_list("code", "title")
        ]
