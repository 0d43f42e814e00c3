from rest_framework import serializers

from actions.choices import ActionStatus
from actions.models import Action, ActionUpdate
from actions.services import EDITABLE_FIELDS
from agenda.api.serializers import AgreementBriefSerializer, PartyBriefSerializer
from agenda.models import Agreement, Party
from agenda.scope import author_shown_to
from config.api.fields import CodeField, StrictSerializerMixin
from regions.api.serializers import RegionBriefSerializer
from regions.models import Region


class ActionSerializer(serializers.ModelSerializer):
    agreement = AgreementBriefSerializer(read_only=True)
    owner = PartyBriefSerializer(read_only=True)
    contributors = PartyBriefSerializer(many=True, read_only=True)
    region = RegionBriefSerializer(read_only=True, allow_null=True)
    theme = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "code",
            "agreement",
            "theme",
            "title",
            "description",
            "owner",
            "contributors",
            "region",
            "status",
            "progress",
            "start_date",
            "due_date",
            "completed_on",
            "overdue",
            "result",
            "source",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_theme(self, action) -> str:
        return action.agreement.theme.code


class ActionWriteSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """Writes take plain codes (`"owner": "PV30"`). `status` (with a write-only `note`) is
    handed to the status service: an illegal move or a missing note is a 400. The rules
    (dates, scope, new actions start as planned) are the services'."""

    agreement = CodeField(queryset=Agreement.objects.all())
    owner = CodeField(queryset=Party.objects.all())
    contributors = CodeField(queryset=Party.objects.all(), many=True, required=False)
    region = CodeField(queryset=Region.objects.all(), required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=5000)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)

    class Meta:
        model = Action
        fields = [*EDITABLE_FIELDS, "contributors", "status", "note"]
        extra_kwargs = {"code": {"allow_null": True, "required": False}}

    def create(self, validated_data):
        raise NotImplementedError

    def update(self, instance, validated_data):
        raise NotImplementedError


class ActionUpdateSerializer(serializers.ModelSerializer):
    """A progress-log entry. Who wrote it is shown to members only, as in `history/`."""

    author = serializers.SerializerMethodField()

    class Meta:
        model = ActionUpdate
        fields = ["id", "created_at", "author", "status_from", "status_to", "progress", "note"]

    def get_author(self, entry) -> str | None:
        request = self.context.get("request")
        return author_shown_to(getattr(request, "user", None), entry.author)


class ProgressUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    """Input of `POST actions/{id}/updates/`: a status move (with why), or, keeping the
    status, a new progress and/or a note. Contributors may add the latter."""

    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
