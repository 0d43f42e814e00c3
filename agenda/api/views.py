from django.db.models import Prefetch
from rest_framework import viewsets

from agenda.api.rows import AGREEMENT_ROWS
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
from agenda.models import (
    Agreement,
    AgreementParty,
    BudgetLine,
    Goal,
    Party,
    Review,
    ReviewDecision,
    Theme,
)
from agenda.services import agreement_create, agreement_delete, agreement_update
from config.api.viewsets import HistoryMixin, RegistryViewSetMixin, ServiceWriteMixin

CODE = r"[^/\x00]{1,40}"  # NUL can never be in a code (and PostgreSQL refuses it)


class PartyViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The parties of the agenda: ministry, provinces, ROMs, topsectors, agencies."""

    queryset = Party.objects.prefetch_related("regions")
    serializer_class = PartySerializer
    filterset_class = PartyFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE


class ThemeViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The agenda's themes (MIT, VFF, …) and the four main themes they sit under."""

    queryset = Theme.objects.select_related("parent")
    serializer_class = ThemeSerializer
    filterset_class = ThemeFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE


class AgreementViewSet(
    HistoryMixin, ServiceWriteMixin, RegistryViewSetMixin, viewsets.ModelViewSet
):
    """Agreements (afspraken). Anonymous readers see everything but drafts; writes need a
    token or session and obey the scope rule."""

    serializer_class = AgreementSerializer
    row_builder = AGREEMENT_ROWS
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
            .order_by("code", "id")
        )

    def service_create(self, data):
        return agreement_create(user=self.request.user, **data)

    def service_update(self, instance, data):
        return agreement_update(agreement=instance, user=self.request.user, **data)

    def service_delete(self, instance):
        agreement_delete(agreement=instance, user=self.request.user)


class ReviewViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews (herijkingen) with their decisions per agreement."""

    queryset = Review.objects.all()  # for the schema's id type; get_queryset scopes it
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        # A decision about a draft reveals the draft: shown to those who may see drafts.
        visible = Agreement.objects.visible_to(self.request.user)
        decisions = ReviewDecision.objects.filter(agreement__in=visible).select_related("agreement")
        return Review.objects.prefetch_related(Prefetch("decisions", decisions)).order_by(
            "-date", "id"
        )


class GoalViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The Topsectoren 2020 goals with their measurements."""

    queryset = Goal.objects.prefetch_related("measurements")
    serializer_class = GoalSerializer
    filterset_class = GoalFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE
