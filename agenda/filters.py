"""One FilterSet per model, shared by the API, the review pages and the exports."""

import django_filters

from agenda.choices import AgreementScope, AgreementStatus, PartyKind
from agenda.models import Agreement, Party, Theme
from config.filters import ChoiceListFilter, CodeListFilter, SearchFilter
from regions.models import Region

REGION_HELP = (
    "Linked to one of these regions or to a region inside one (codes, comma-separated; "
    "the agenda groupings count: `region=AG-ZUID` includes Zeeland)."
)
APPLIES_TO_HELP = (
    "Everything that applies at these regions: generic ones, and those linked to them, to a "
    "region above them or to a region inside them."
)


class PartyFilterSet(django_filters.FilterSet):
    kind = ChoiceListFilter(choices=PartyKind.choices, help_text="Kinds, comma-separated.")
    region = CodeListFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        help_text="Parties whose working area lies in or inside these regions.",
    )
    q = SearchFilter(
        fields=["code", "name", "abbreviation"], help_text="Search code, name, abbreviation."
    )

    class Meta:
        model = Party
        fields = ["kind", "region", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(pk__in=Party.objects.linked_within(*value).values("pk"))


def filter_themes(queryset, path, themes):
    """Main themes include their sub-themes."""
    return queryset.filter(**{f"{path}__in": Theme.objects.with_subthemes(*themes).values("pk")})


class AgreementFilterSet(django_filters.FilterSet):
    theme = CodeListFilter(
        queryset=Theme.objects.all(),
        method="filter_theme",
        help_text="Theme codes, comma-separated; a main theme includes its sub-themes.",
    )
    scope = ChoiceListFilter(choices=AgreementScope.choices, help_text="`generic`, `regional`.")
    status = ChoiceListFilter(choices=AgreementStatus.choices, help_text="Statuses.")
    party = CodeListFilter(
        queryset=Party.objects.all(),
        method="filter_party",
        help_text="Agreements to which one of these parties is a party (any role).",
    )
    region = CodeListFilter(
        queryset=Region.objects.all(), method="filter_region", help_text=REGION_HELP
    )
    applies_to = CodeListFilter(
        queryset=Region.objects.all(), method="filter_applies_to", help_text=APPLIES_TO_HELP
    )
    agreed_from = django_filters.DateFilter(
        field_name="agreed_on", lookup_expr="gte", help_text="Agreed on or after (YYYY-MM-DD)."
    )
    agreed_to = django_filters.DateFilter(
        field_name="agreed_on", lookup_expr="lte", help_text="Agreed on or before (YYYY-MM-DD)."
    )
    q = SearchFilter(
        fields=["code", "title", "description"], help_text="Search code, title, description."
    )
    ordering = django_filters.OrderingFilter(
        fields=["code", "title", "agreed_on", "status", "updated_at"],
        help_text="Sort by `code`, `title`, `agreed_on`, `status`, `updated_at`; `-` reverses.",
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
