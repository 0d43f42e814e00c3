from django.db.models import Prefetch
from rest_framework import viewsets

from agenda.api.serializers import (
    AgreementSerializer,
    AgreementWriteSerializer,
    GoalSerializer,
    PartySerializer,
    ReviewSerializer,
    ThemeSerializer,
)
from agenda.filters import (
    AgreementFilterSet,
    GoalFilterSet,
    PartyFilterSet,
    ReviewFilterSet,
    ThemeFilterSet,
)
from agenda.models import Agreement, AgreementParty, BudgetLine, Goal, Party, Review, Theme
from agenda.services import agreement_create, agreement_delete, agreement_update
from config.viewsets import ETagMixin, HistoryMixin, ServiceWriteMixin, SpreadsheetExportMixin

CODE = r"[^/\x00]{1,40}"  # NUL can never be in a code (and PostgreSQL refuses it)


class PartyViewSet(SpreadsheetExportMixin, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """The parties of the agenda: ministry, provinces, ROMs, topsectors, agencies."""

    queryset = Party.objects.prefetch_related("regions")
    serializer_class = PartySerializer
    filterset_class = PartyFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE


class ThemeViewSet(SpreadsheetExportMixin, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """The agenda's themes (MIT, VFF, …) and the four main themes they sit under."""

    queryset = Theme.objects.select_related("parent")
    serializer_class = ThemeSerializer
    filterset_class = ThemeFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE


class AgreementViewSet(
    HistoryMixin, ServiceWriteMixin, SpreadsheetExportMixin, ETagMixin, viewsets.ModelViewSet
):
    """Agreements (afspraken). Anonymous readers see everything but drafts; writes need a
    token or session and obey the scope rule."""

    serializer_class = AgreementSerializer
    write_serializer_class = AgreementWriteSerializer
    filterset_class = AgreementFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE

    def get_queryset(self):
        return (
            Agreement.objects.visible_to(self.request.user)
            .select_related("theme", "supersedes")
            .prefetch_related(
                "regions",
                Prefetch("party_links", AgreementParty.objects.select_related("party")),
                Prefetch("budget_lines", BudgetLine.objects.select_related("party")),
            )
            .order_by("code")
        )

    def service_create(self, data):
        return agreement_create(user=self.request.user, **data)

    def service_update(self, instance, data, expected_version):
        return agreement_update(
            agreement=instance, user=self.request.user, expected_version=expected_version, **data
        )

    def service_delete(self, instance, expected_version):
        agreement_delete(
            agreement=instance, user=self.request.user, expected_version=expected_version
        )


class ReviewViewSet(SpreadsheetExportMixin, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews (herijkingen) with their decisions per agreement."""

    queryset = Review.objects.prefetch_related("decisions__agreement")
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    lookup_value_regex = r"\d{1,18}"


class GoalViewSet(SpreadsheetExportMixin, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """The Topsectoren 2020 goals with their measurements."""

    queryset = Goal.objects.prefetch_related("measurements")
    serializer_class = GoalSerializer
    filterset_class = GoalFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE
