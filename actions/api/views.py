from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from actions.api.rows import ACTION_ROWS
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
from config.api.viewsets import HistoryMixin, RegistryViewSetMixin, ServiceWriteMixin


class ActionViewSet(HistoryMixin, ServiceWriteMixin, RegistryViewSetMixin, viewsets.ModelViewSet):
    """Actions (acties) under the agreements. Status moves go through the status service, by
    `PATCH {"status": …, "note": …}` or `POST …/updates/`."""

    queryset = Action.objects.all()  # for the schema's id type; get_queryset scopes it
    serializer_class = ActionSerializer
    row_builder = ACTION_ROWS
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

    def service_update(self, instance, data):
        return action_update(action=instance, user=self.request.user, **data)

    def service_delete(self, instance):
        action_delete(action=instance, user=self.request.user)

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
            page = self.paginate_queryset(instance.updates.select_related("author"))
            data = ActionUpdateSerializer(page, many=True, context={"request": request}).data
            return self.get_paginated_response(data)
        move = ProgressUpdateSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = self.locked_for_write(instance)
            entry = action_add_update(action=locked, user=request.user, **move.validated_data)
        data = ActionUpdateSerializer(entry, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)
