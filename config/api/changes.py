"""`GET /api/v1/changes/?since=…`: the sync feed. Every recorded change (created, changed,
deleted) to the API's public resources, from the history, ordered by `(at, id)` and walked
with a cursor, so a copy that follows `next` links misses and repeats nothing while others
write. What a reader may not see (drafts, and actions under drafts) is not in it."""

from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from agenda.scope import published_history
from config.api.pagination import decode_cursor, encode_cursor, page_size_from, settled_before
from config.filters import ChoiceListField, TimestampField

CHANGE_KINDS = {"+": "created", "~": "changed", "-": "deleted"}
FEED_PARAMETERS = {"since", "type", "cursor", "page_size", "format"}


class ChangeSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The resource: `agreement`, `action`, …")
    key = serializers.CharField(
        help_text="Its key in the API: a code (an id for actions and reviews)."
    )
    change = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    at = serializers.DateTimeField()
    id = serializers.CharField(help_text="The change's own position in the feed.")


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = ChangeSerializer(many=True)


class ChangeFeed:
    """The feed over `sources`: (type name, model, key field) for each public resource."""

    def __init__(self, sources):
        self.sources = sources

    def records(self, user, types, since):
        """One queryset per resource type of the historical rows, as (at, id, type, key,
        kind) values; the caller unions them. Only settled changes (`settled_before`)."""
        horizon = settled_before()
        parts = []
        for name, model, key in self.sources:
            if types and name not in types:
                continue
            rows = model.history.model.objects.filter(
                history_date__gte=since, history_date__lt=horizon
            ).order_by()
            rows = published_history(user, rows)
            # Prefixed names: the models have fields called `kind` and `type`.
            parts.append(
                rows.annotate(
                    feed_at=F("history_date"),
                    feed_position=Concat(
                        Value(f"{name}:"),
                        LPad(Cast("history_id", CharField()), 12, Value("0")),
                        output_field=CharField(),
                    ),
                    feed_type=Value(name, output_field=CharField()),
                    feed_key=Cast(key, CharField()),
                    feed_kind=F("history_type"),
                ).values("feed_at", "feed_position", "feed_type", "feed_key", "feed_kind")
            )
        return parts

    def page(self, user, types, since, cursor, size):
        after = decode_cursor(cursor)
        parts = self.records(user, types, since)
        if after is not None:
            at, position = after
            parts = [
                part.filter(Q(feed_at__gt=at) | Q(feed_at=at, feed_position__gt=position))
                for part in parts
            ]
        if not parts:
            return [], None
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        rows = list(union.order_by("feed_at", "feed_position")[: size + 1])
        next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            next_cursor = encode_cursor(rows[-1]["feed_at"], rows[-1]["feed_position"])
        return rows, next_cursor


class ChangesView(APIView):
    """The sync feed: what changed since a moment, oldest first. Follow `next` until it is
    null, remember the last `at`, and start from there next time."""

    feed = None  # set by the URL configuration: ChangeFeed over the API's resources

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                str,
                required=True,
                description="Changes at or after this moment: a date or an ISO 8601 moment "
                "(`2016-06-08T10:00:00.000000Z`).",
            ),
            OpenApiParameter(
                "type",
                {"type": "array", "items": {"type": "string"}},
                description="Only these resources (`agreement,action`).",
            ),
            OpenApiParameter("cursor", str, description="From a `next` link."),
            OpenApiParameter("page_size", int, description="At most 500; 50 by default."),
        ],
        responses={200: ChangePageSerializer},
        summary="What changed since a moment (the sync feed)",
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - FEED_PARAMETERS)
        errors = {name: [_("Unknown parameter.")] for name in unknown}
        since_field = TimestampField()
        type_field = ChoiceListField(
            choices=[(name, name) for name, _model, _key in self.feed.sources], required=False
        )
        try:
            since = since_field.clean(request.query_params.get("since"))
        except ValidationError as exc:
            errors["since"] = exc.messages
        try:
            types = type_field.clean(",".join(request.query_params.getlist("type")) or None)
        except ValidationError as exc:
            errors["type"] = exc.messages
        if errors:
            raise exceptions.ValidationError(errors)
        size = page_size_from(request, 50, 500)
        rows, next_cursor = self.feed.page(
            request.user, types, since, request.query_params.get("cursor"), size
        )
        results = [
            {
                "type": row["feed_type"],
                "key": row["feed_key"],
                "change": CHANGE_KINDS[row["feed_kind"]],
                "at": row["feed_at"],
                "id": row["feed_position"],
            }
            for row in rows
        ]
        next_link = None
        if next_cursor:
            next_link = replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
        return Response({"next": next_link, "results": ChangeSerializer(results, many=True).data})
