from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agenda.choices import AgreementPartyRole
from agenda.models import (
    Agreement,
    AgreementParty,
    BudgetLine,
    Goal,
    GoalMeasurement,
    Party,
    Review,
    ReviewDecision,
    Theme,
)
from agenda.services import BUDGET_LINE_FIELDS, EDITABLE_FIELDS
from config.api.fields import CodeField, StrictSerializerMixin
from regions.api.serializers import RegionBriefSerializer
from regions.models import Region


class PartyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["code", "name"]


class ThemeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["code", "name"]


class AgreementBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="title")

    class Meta:
        model = Agreement
        fields = ["code", "name"]


class PartySerializer(serializers.ModelSerializer):
    regions = RegionBriefSerializer(many=True, read_only=True)
    website = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = [
            "code",
            "name",
            "abbreviation",
            "kind",
            "regions",
            "website",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_website(self, party):
        return party.website or None


class ThemeSerializer(serializers.ModelSerializer):
    parent = ThemeBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Theme
        fields = ["code", "name", "name_en", "description", "parent", "created_at", "updated_at"]


class AgreementPartySerializer(serializers.ModelSerializer):
    party = PartyBriefSerializer(read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["party", "role"]


class BudgetLineSerializer(serializers.ModelSerializer):
    party = PartyBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = BudgetLine
        fields = ["year", "amount", "party", "funding", "source"]


class AgreementSerializer(serializers.ModelSerializer):
    theme = ThemeBriefSerializer(read_only=True)
    regions = RegionBriefSerializer(many=True, read_only=True)
    parties = AgreementPartySerializer(source="party_links", many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    supersedes = AgreementBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "code",
            "title",
            "description",
            "theme",
            "scope",
            "status",
            "regions",
            "parties",
            "budget_lines",
            "agreed_on",
            "valid_from",
            "valid_until",
            "supersedes",
            "source",
            "version",
            "created_at",
            "updated_at",
        ]


class AgreementPartyWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    party = CodeField(queryset=Party.objects.all())
    role = serializers.ChoiceField(choices=AgreementPartyRole.choices)

    def validate(self, attrs):
        # `parties` replaces the stored set, so each link is whole in a PATCH too (DRF's
        # partial update would let a field of a nested item be left out).
        missing = {
            name: [self.fields[name].error_messages["required"]]
            for name in ("party", "role")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class BudgetLineWriteSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    party = CodeField(queryset=Party.objects.all(), allow_null=True, required=False)

    class Meta:
        model = BudgetLine
        fields = list(BUDGET_LINE_FIELDS)


class AgreementWriteSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """Writes take plain codes: `"theme": "MIT"`, `"regions": ["PV30"]`,
    `"parties": [{"party": "PV30", "role": "lead"}]`. `regions`, `parties` and
    `budget_lines`, when given, replace the stored set."""

    theme = CodeField(queryset=Theme.objects.all())
    regions = CodeField(queryset=Region.objects.all(), many=True, required=False)
    parties = AgreementPartyWriteSerializer(many=True, required=False)
    budget_lines = BudgetLineWriteSerializer(many=True, required=False)
    supersedes = CodeField(queryset=Agreement.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Agreement
        fields = [*EDITABLE_FIELDS, "regions", "parties", "budget_lines"]

    def validate(self, attrs):
        # Model-level checks (valid period, choices) run in the service's full_clean; the
        # parties list becomes (party, role) pairs for it.
        if "parties" in attrs:
            attrs["parties"] = [(item["party"], item["role"]) for item in attrs["parties"]]
        return attrs

    # The viewset calls the services; the serializer only validates.
    def create(self, validated_data):
        raise NotImplementedError

    def update(self, instance, validated_data):
        raise NotImplementedError


class ReviewDecisionSerializer(serializers.ModelSerializer):
    agreement = AgreementBriefSerializer(read_only=True)

    class Meta:
        model = ReviewDecision
        fields = ["agreement", "decision", "note"]


class ReviewSerializer(serializers.ModelSerializer):
    decisions = ReviewDecisionSerializer(many=True, read_only=True)
    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "date",
            "title",
            "status",
            "conclusion",
            "source",
            "decisions",
            "snapshot",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(
        {
            "type": ["object", "null"],
            "description": "Counts frozen when the review was held (null before).",
        }
    )
    def get_snapshot(self, review):
        return review.snapshot


class GoalMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalMeasurement
        fields = ["year", "value", "source", "note"]


class GoalSerializer(serializers.ModelSerializer):
    measurements = GoalMeasurementSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "code",
            "name",
            "unit",
            "target",
            "target_year",
            "lower_is_better",
            "source",
            "measurements",
            "created_at",
            "updated_at",
        ]
