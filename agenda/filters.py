"""One FilterSet per model, shared by the API, the review pages and the exports."""

import datetime

import django_filters
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agenda.choices import (
    AgreementScope,
    AgreementStatus,
    MembershipRole,
    PartyKind,
    ReviewStatus,
)
from agenda.models import Agreement, Goal, Membership, Party, Review, Theme
from config.clock import today
from config.filters import (
    ChoiceListFilter,
    CodeListFilter,
    DropDownListFilter,
    FilterSetListFilter,
    RegistryFilterSet,
    RegistryOrderingFilter,
    SearchFilter,
    by_code,
    by_id,
)
from regions.choices import RegionKind
from regions.models import Region

REGION_HELP = (
    "Linked to one of these regions or to a region inside one (region codes, see "
    "/api/v1/regions/; the agenda groupings count: `region=AG-ZUID` includes Zeeland)."
)
APPLIES_TO_HELP = (
    "Everything that applies at these regions: generic ones, and those linked to them, to a "
    "region above them or to a region inside them."
)


class PartyFilterSet(RegistryFilterSet):
    code = by_code()
    kind = ChoiceListFilter(choices=PartyKind.choices, label=_("kind"), help_text="Kinds.")
    region = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        label=_("region"),
        help_text="Parties whose working area lies in or inside these regions (codes).",
    )
    q = SearchFilter(
        fields=["code", "name", "abbreviation"],
        label=_("search"),
        help_text="Search code, name, abbreviation.",
    )

    class Meta:
        model = Party
        fields = []

    def filter_region(self, queryset, name, value):
        return queryset.filter(pk__in=Party.objects.linked_within(*value).values("pk"))


class ThemeFilterSet(RegistryFilterSet):
    code = by_code()

    class Meta:
        model = Theme
        fields = []


class ReviewFilterSet(RegistryFilterSet):
    id = by_id()

    class Meta:
        model = Review
        fields = []


class GoalFilterSet(RegistryFilterSet):
    code = by_code()

    class Meta:
        model = Goal
        fields = []


class MembershipFilterSet(RegistryFilterSet):
    role = ChoiceListFilter(choices=MembershipRole.choices, label=_("role"), help_text="Roles.")
    party = CodeListFilter(
        field_name="party", queryset=Party.objects.all(), label=_("party"), help_text="Parties."
    )

    class Meta:
        model = Membership
        fields = []


def filter_themes(queryset, path, themes):
    """Main themes include their sub-themes."""
    return queryset.filter(**{f"{path}__in": Theme.objects.with_subthemes(*themes).values("pk")})


class AgreementFilterSet(RegistryFilterSet):
    code = by_code()
    theme = CodeListFilter(
        queryset=Theme.objects.all(),
        method="filter_theme",
        label=_("theme"),
        help_text="Theme codes (see /api/v1/themes/); a main theme includes its sub-themes.",
    )
    scope = ChoiceListFilter(
        choices=AgreementScope.choices,
        label=_("scope"),
        help_text="`generic` (nationwide) or `regional`.",
    )
    status = ChoiceListFilter(
        choices=AgreementStatus.choices, label=_("status"), help_text="Agreement statuses."
    )
    party = CodeListFilter(
        queryset=Party.objects.all(),
        method="filter_party",
        label=_("party"),
        help_text="Agreements to which one of these parties is a party, in any role "
        "(party codes, see /api/v1/parties/).",
    )
    region = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        label=_("linked to region"),
        help_text=REGION_HELP,
    )
    applies_to = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_applies_to",
        label=_("applies to"),
        help_text=APPLIES_TO_HELP,
    )
    agreed_from = django_filters.DateFilter(
        field_name="agreed_on",
        lookup_expr="gte",
        label=_("agreed from"),
        help_text="Agreed on or after (YYYY-MM-DD).",
    )
    agreed_to = django_filters.DateFilter(
        field_name="agreed_on",
        lookup_expr="lte",
        label=_("agreed until"),
        help_text="Agreed on or before (YYYY-MM-DD).",
    )
    q = SearchFilter(
        fields=["code", "title", "description"],
        label=_("search"),
        help_text="Search code, title, description (case-insensitive).",
    )
    ordering = RegistryOrderingFilter(
        fields=["code", "title", "agreed_on", "status", "updated_at"],
        label=_("order by"),
        help_text="Sort keys, comma-separated; `-` reverses. Ties are broken by `id`.",
    )

    class Meta:
        model = Agreement
        fields = []

    def filter_theme(self, queryset, name, value):
        return filter_themes(queryset, "theme", value)

    def filter_party(self, queryset, name, value):
        return queryset.filter(party_links__party__in=value).distinct()

    def filter_region(self, queryset, name, value):
        return queryset.filter(pk__in=Agreement.objects.linked_within(*value).values("pk"))

    def filter_applies_to(self, queryset, name, value):
        return queryset.filter(pk__in=Agreement.objects.applies_to(*value).values("pk"))


# Admin list filters: each is one parameter of the FilterSet above, with its values.

REGION_KINDS_IN_FILTERS = [
    RegionKind.PROVINCE,
    RegionKind.AGENDA_REGION,
    RegionKind.LANDSDEEL,
    RegionKind.COUNTRY,
    RegionKind.CLUSTER,
]


def region_lookups():
    """The twelve provinces first (by name), then the agenda regions, landsdelen, the
    country and the clusters."""
    regions = Region.objects.filter(kind__in=REGION_KINDS_IN_FILTERS).only("code", "name", "kind")
    rank = {kind: i for i, kind in enumerate(REGION_KINDS_IN_FILTERS)}
    ordered = sorted(regions, key=lambda r: (rank[r.kind], r.name))
    return [(r.code, r.name) for r in ordered]


def theme_lookups():
    """Main themes, each followed by its sub-themes."""
    themes = list(Theme.objects.order_by("name"))
    choices = []
    for main in (t for t in themes if t.parent_id is None):
        choices.append((main.code, main.name))
        choices += [(t.code, f"– {t.name}") for t in themes if t.parent_id == main.pk]
    return choices


def updated_since_lookups():
    """Recent periods and each held review (herijking)."""
    day = today()
    choices = [
        (day.isoformat(), _("today")),
        ((day - datetime.timedelta(days=7)).isoformat(), _("last 7 days")),
        ((day - datetime.timedelta(days=30)).isoformat(), _("last 30 days")),
    ]
    for review in Review.objects.filter(status=ReviewStatus.HELD).order_by("-date")[:5]:
        choices.append(
            (
                review.date.isoformat(),
                _("since the review of %(date)s") % {"date": date_format(review.date)},
            )
        )
    return choices


class ThemeListFilter(DropDownListFilter):
    title, parameter_name = _("theme"), "theme"

    def lookups(self, request, model_admin):
        return theme_lookups()


class AgreementScopeListFilter(FilterSetListFilter):
    title, parameter_name = _("scope"), "scope"

    def lookups(self, request, model_admin):
        return AgreementScope.choices


class AgreementStatusListFilter(FilterSetListFilter):
    title, parameter_name = _("status"), "status"

    def lookups(self, request, model_admin):
        return AgreementStatus.choices


class PartyListFilter(DropDownListFilter):
    title, parameter_name = _("party"), "party"

    def lookups(self, request, model_admin):
        return list(Party.objects.order_by("name").values_list("code", "name"))


class RegionListFilter(DropDownListFilter):
    title, parameter_name = _("linked to region"), "region"

    def lookups(self, request, model_admin):
        return region_lookups()


class AppliesToListFilter(DropDownListFilter):
    title, parameter_name = _("applies to"), "applies_to"

    def lookups(self, request, model_admin):
        return region_lookups()


class UpdatedSinceListFilter(FilterSetListFilter):
    title, parameter_name = _("changed since"), "updated_since"

    def lookups(self, request, model_admin):
        return updated_since_lookups()


class PartyKindListFilter(FilterSetListFilter):
    title, parameter_name = _("kind"), "kind"

    def lookups(self, request, model_admin):
        return PartyKind.choices


class MembershipRoleListFilter(FilterSetListFilter):
    title, parameter_name = _("role"), "role"

    def lookups(self, request, model_admin):
        return MembershipRole.choices
