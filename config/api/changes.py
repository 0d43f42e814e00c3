"""`GET /api/v1/changes/?since=…`: the sync feed. Every change (created, changed, deleted) to
the API's public resources, as logged in the change's own transaction (config/api/feedlog.py,
agenda.FeedEntry), walked with a cursor, so that a copy that follows `next` links, and then
its `resume` link, misses nothing while others write.

What a line says is decided for the reader when it is read: `created`/`changed` if the reader
can see the record now, `deleted` if not (removed, its code changed, back to draft, moved
under a draft). Readers who see no drafts get only lines about records that were public
around that change: nothing reveals a draft.

The horizon: on PostgreSQL each entry carries its transaction's id; a walk shows exactly the
entries of transactions committed in its snapshot (`pg_current_snapshot()`), and the next
walk those committed since (its cursor carries the snapshot). A transaction still open holds
back only its own entries, never anyone else's. SQLite has a single writer: the entries' ids
are in commit order and serve as the position."""

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Case, Exists, Max, OuterRef, Q, When
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from agenda.scope import scope_for
from config.api.feedlog import Announcer, feed_entry_model, visible_rows
from config.api.pagination import page_size_from
from config.filters import ChoiceListField, TimestampField
from config.parameters import unknown_parameters

FEED_PARAMETERS = {"since", "type", "cursor", "page_size", "format"}


class ChangeSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The resource: `agreement`, `action`, …")
    key = serializers.CharField(
        help_text="Its key in the API: a code (an id for actions and reviews)."
    )
    change = serializers.ChoiceField(
        choices=["created", "changed", "deleted"],
        help_text="`deleted`: drop this key from your copy (the record is gone, got another "
        "code, or is no longer yours to see). Otherwise fetch it and store it.",
    )
    at = serializers.DateTimeField()
    id = serializers.CharField(help_text="The change's own position in the feed.")


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    resume = serializers.URLField(
        allow_null=True,
        help_text="On the last page: where the next sync starts (keep it; null on other pages).",
    )
    results = ChangeSerializer(many=True)


@dataclass(frozen=True)
class Snapshot:
    """Which transactions' entries a walk covers: those below `xmax` but not `in_flight`,
    and the reader's `own` (ids of entries on SQLite, where `in_flight` is always empty)."""

    xmax: int
    in_flight: tuple
    own: int | None = None

    def covers(self, field):
        covered = Q(**{f"{field}__lt": self.xmax})
        if self.in_flight:
            covered &= ~Q(**{f"{field}__in": self.in_flight})
        return covered if self.own is None else covered | Q(**{field: self.own})

    def beyond(self, field):
        """What `covers` leaves out, written so that the position index serves it."""
        beyond = Q(**{f"{field}__gte": self.xmax})
        if self.in_flight:
            beyond |= Q(**{f"{field}__in": self.in_flight})
        return beyond if self.own is None else beyond & ~Q(**{field: self.own})

    def dump(self):
        return [self.xmax, list(self.in_flight), self.own]

    @classmethod
    def load(cls, value):
        xmax, in_flight, own = value
        if not whole_numbers([xmax, *in_flight] + ([] if own is None else [own])):
            raise ValueError
        return cls(xmax, tuple(in_flight), own)


def whole_numbers(values):
    """Numbers a cursor may hold: what fits the database's bigint (anything else a 400)."""
    return all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**63 for n in values)


def position_field():
    return "txid" if connection.vendor == "postgresql" else "id"


def current_snapshots():
    """(what this walk shows, what counts as seen once it is shown): the entries of every
    transaction committed now. The reader's own transaction, if it wrote, is shown but not
    counted as seen (it may write more)."""
    FeedEntry = feed_entry_model()

    if connection.vendor != "postgresql":
        last = FeedEntry.objects.aggregate(last=Max("id"))["last"] or 0
        snapshot = Snapshot(last + 1, ())
        return snapshot, snapshot
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmax(s)::text::bigint, "
            "ARRAY(SELECT pg_snapshot_xip(s)::text::bigint), "
            "pg_current_xact_id_if_assigned()::text::bigint "
            "FROM pg_current_snapshot() AS s"
        )
        xmax, in_flight, own = cursor.fetchone()
    shown = Snapshot(xmax, tuple(sorted(in_flight)), own)
    seen = Snapshot(xmax, tuple(sorted({*in_flight, own} - {None})))
    return shown, seen


@dataclass(frozen=True)
class Cursor:
    """Where a walk stands: what earlier walks showed (`seen`; None: start at `since`), what
    this walk shows (`upto`; None: all committed now), the last entry shown (`after`)."""

    seen: Snapshot | None = None
    upto: Snapshot | None = None
    seen_after: Snapshot | None = None
    after: tuple | None = None

    def encode(self):
        data = {
            "s": self.seen and self.seen.dump(),
            "u": self.upto and self.upto.dump(),
            "e": self.seen_after and self.seen_after.dump(),
            "a": self.after and list(self.after),
        }
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value):
        if not value:
            return cls()
        try:
            padded = value + "=" * (-len(value) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            snapshots = [None if data[k] is None else Snapshot.load(data[k]) for k in "sue"]
            after = data["a"]
            if after is not None:
                txid, entry = after
                if not whole_numbers(after):
                    raise ValueError
                after = (txid, entry)
            if (snapshots[1] is None) != (snapshots[2] is None):
                raise ValueError
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
            raise exceptions.ValidationError(
                {"cursor": [_("Not a cursor this API gave out.")]}
            ) from None
        return cls(*snapshots, after=after)


class ChangeFeed:
    """The feed over `sources`: (type name, model, key field, serializer) for each public
    resource; `extra`: what serializers' method fields show (see feedlog.Dependants)."""

    def __init__(self, sources, extra=()):
        self.sources = sources
        self.announcer = Announcer(sources, extra)

    @classmethod
    def of_viewsets(cls, viewsets, extra=()):
        sources = []
        for name, viewset in viewsets:
            model = viewset.serializer_class.Meta.model
            key = "id" if viewset.lookup_field == "pk" else viewset.lookup_field
            sources.append((name, model, key, viewset.serializer_class))
        return cls(sources, extra)

    def visible(self, user):
        """Whether the reader sees the entry's record now."""
        whens = []
        for name, model, key, _serializer in self.sources:
            rows = visible_rows(model, user).filter(pk=OuterRef("object_id"))
            if key != "id":
                rows = rows.filter(**{key: OuterRef("key")})
            whens.append(When(type=name, then=Exists(rows)))
        return Case(*whens, default=False, output_field=BooleanField())

    def page(self, user, types, since, cursor, size):
        """(rows, cursor of the next page or None, cursor to resume from or None)."""
        FeedEntry = feed_entry_model()

        field = position_field()
        if cursor.upto is None:
            upto, seen_after = current_snapshots()
            cursor = Cursor(cursor.seen, upto, seen_after, None)
        entries = FeedEntry.objects.filter(cursor.upto.covers(field))
        if cursor.seen is None:
            entries = entries.filter(at__gte=since)
        else:
            entries = entries.filter(cursor.seen.beyond(field))
        if cursor.after is not None:
            txid, entry = cursor.after
            entries = entries.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=entry))
        if types:
            entries = entries.filter(type__in=types)
        if not scope_for(user).sees_drafts:
            entries = entries.filter(public=True)
        rows = list(
            entries.annotate(feed_visible=self.visible(user))
            .order_by("txid", "id")
            .values("txid", "id", "at", "type", "key", "kind", "feed_visible")[: size + 1]
        )
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            return (
                rows,
                Cursor(cursor.seen, cursor.upto, cursor.seen_after, (last["txid"], last["id"])),
                None,
            )
        return rows, None, Cursor(seen=cursor.seen_after)


def change_of(row):
    if not row["feed_visible"]:
        return "deleted"
    return "created" if row["kind"] == "+" else "changed"


class ChangesView(APIView):
    """The sync feed: what changed since a moment, in commit order. Follow `next` until it
    is null; that last page's `resume` link is where the next sync starts (it shows what was
    committed since, even by transactions that were open during this walk)."""

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
            OpenApiParameter(
                "cursor",
                str,
                description="From a `next` or `resume` link (then `since` is not used).",
            ),
            OpenApiParameter("page_size", int, description="At most 500; 50 by default."),
        ],
        responses={200: ChangePageSerializer},
        summary="What changed since a moment (the sync feed)",
    )
    def get(self, request):
        errors = {
            name: [_("Unknown parameter.")]
            for name in unknown_parameters(request.query_params, FEED_PARAMETERS)
        }
        since_field = TimestampField()
        type_field = ChoiceListField(
            choices=[(name, name) for name, *_rest in self.feed.sources], required=False
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
        cursor = Cursor.decode(request.query_params.get("cursor"))
        rows, next_cursor, resume = self.feed.page(request.user, types, since, cursor, size)
        results = [
            {
                "type": row["type"],
                "key": row["key"],
                "change": change_of(row),
                "at": row["at"],
                "id": f"{row['txid']}.{row['id']}",
            }
            for row in rows
        ]
        here = request.build_absolute_uri()
        return Response(
            {
                "next": next_cursor and replace_query_param(here, "cursor", next_cursor.encode()),
                "resume": resume and replace_query_param(here, "cursor", resume.encode()),
                "results": ChangeSerializer(results, many=True).data,
            }
        )
