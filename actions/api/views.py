from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from actions.api.serializers import (
    ActionSerializer,
    ActionUpdateSerializer,
    ActionWriteSerializer,
    ProgressUpdateSerializer,
)
from actions.filters import ActionFilterSet
from actions.models import Action
from actions.services import action_add_update, action_create, action_delete, action_update
from agenda.models import Party
from config.viewsets import (
    ETagMixin,
    HistoryMixin,
    ServiceWriteMixin,
    SpreadsheetExportMixin,
    parse_if_match,
)


class ActionViewSet(
    HistoryMixin, ServiceWriteMixin, SpreadsheetExportMixin, ETagMixin, viewsets.ModelViewSet
):
    """Actions (acties) under the agreements. Status moves go through the status service, by
    `PATCH {"status": …, "note": …}` or `POST …/updates/`."""

    serializer_class = ActionSerializer
    write_serializer_class = ActionWriteSerializer
    filterset_class = ActionFilterSet
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return (
            Action.objects.visible_to(self.request.user)
            .select_related("agreement__theme", "owner", "region")
            .prefetch_related(Prefetch("contributors", Party.objects.order_by("code")))
            .order_by("id")
        )

    def service_create(self, data):
        data.pop("note", None)
        return action_create(user=self.request.user, **data)

    def service_update(self, instance, data, expected_version):
        return action_update(
            action=instance, user=self.request.user, expected_version=expected_version, **data
        )

    def service_delete(self, instance, expected_version):
        action_delete(action=instance, user=self.request.user, expected_version=expected_version)

    @extend_schema(
        methods=["GET"], responses=ActionUpdateSerializer(many=True), summary="Progress log"
    )
    @extend_schema(
        methods=["POST"],
        request=ProgressUpdateSerializer,
        responses={201: ActionUpdateSerializer},
        summary="Add a progress update: a status move, or a new progress and/or a note",
    )
    @action(detail=True, methods=["get", "post"])
    def updates(self, request, *args, **kwargs):
        instance = self.get_object()
        if request.method == "GET":
            log = instance.updates.select_related("author")
            page = self.paginate_queryset(log)  # paginated like every list, as the schema says
            return self.get_paginated_response(ActionUpdateSerializer(page, many=True).data)
        move = ProgressUpdateSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        entry = action_add_update(
            action=instance,
            user=request.user,
            expected_version=parse_if_match(request),
            **move.validated_data,
        )
        self.etag_object = entry.action
        return Response(ActionUpdateSerializer(entry).data, status=status.HTTP_201_CREATED)
