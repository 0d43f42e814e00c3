"""The API's pages: `page`/`page_size` and the `(at, key)` cursor walks that sync jobs
follow (the lists' `cursor`, the `changes/` feed)."""

import base64
import binascii
import datetime
import json

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class Pagination(PageNumberPagination):
    """`page` and `page_size` (default 50, at most 500): `{count, next, previous, results}`.

    With `cursor` (empty to start) a list is walked by `(updated_at, id)` instead: each
    `next` link carries the last row seen, so a sync job that follows them misses and repeats
    nothing while others write. The body keeps the same shape (`previous` is null)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = gettext_lazy("There is no such page.")
    cursor_query_param = "cursor"
    cursor_fields = ("updated_at", "id")

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_page = None
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.count = queryset.count()
        self.cursor_page = keyset_page(
            queryset,
            request.query_params[self.cursor_query_param],
            page_size_from(request, self.page_size, self.max_page_size),
            *self.cursor_fields,
        )
        return self.cursor_page.rows

    def get_page_size(self, request):
        # DRF falls back to the default for a page size that is not a number; the schema
        # says it is one, so anything else is refused, naming the parameter.
        return page_size_from(request, self.page_size, self.max_page_size)

    def get_page_number(self, request, paginator):
        self.check_paging_parameters(request)
        return super().get_page_number(request, paginator)

    def check_paging_parameters(self, request):
        """`page` and `page_size` are whole numbers, as the schema says (DRF takes an empty
        `page` for the first)."""
        page = request.query_params.get(self.page_query_param)
        number = page is None or (page.isascii() and page.isdigit() and page.strip("0"))
        if not number and page not in self.last_page_strings:
            raise exceptions.NotFound(self.invalid_page_message)
        self.get_page_size(request)

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "next": {**link, "description": "The next page; null on the last."},
                "previous": {**link, "description": "The page before; null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Walk the list by (updated_at, id) instead of page numbers: "
                "empty to start, then as the `next` links give it. Stable while others write.",
                "schema": {"type": "string"},
            },
        ]

    def get_paginated_response(self, data):
        if self.cursor_page is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": self.count,
                "next": self.cursor_page.next_link(self.request),
                "previous": None,
                "results": data,
            }
        )


def settled_before():
    """The moment before which every change is committed: a reader that walks by time must
    not pass a change that a transaction still open will commit with an earlier timestamp.
    On PostgreSQL that is the start of the oldest open transaction; elsewhere a fixed lag
    (CHANGES_SETTLE_SECONDS) is the best there is."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        return now - datetime.timedelta(seconds=settings.CHANGES_SETTLE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL"
        )
        oldest = cursor.fetchone()[0]
    return min(oldest, now) if oldest else now


class KeysetPage:
    def __init__(self, rows, next_cursor):
        self.rows, self.next_cursor = rows, next_cursor

    def next_link(self, request, param="cursor"):
        if self.next_cursor is None:
            return None
        return replace_query_param(request.build_absolute_uri(), param, self.next_cursor)


def keyset_page(queryset, cursor, size, at, key):
    """One page of `queryset` ordered by `(at, key)`, after the position in `cursor`, of the
    rows whose change has settled (`settled_before`): the rest come on a later walk."""
    queryset = queryset.filter(**{f"{at}__lt": settled_before()})
    after = decode_cursor(cursor)
    if after is not None:
        position_at, position_key = after
        try:
            queryset = queryset.filter(
                Q(**{f"{at}__gt": position_at}) | Q(**{at: position_at, f"{key}__gt": position_key})
            )
        except (ValueError, TypeError):  # a code where this list is walked by id
            raise exceptions.ValidationError(
                {"cursor": [_("Not a cursor this API gave out.")]}
            ) from None
    rows = list(queryset.order_by(at, key)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        values = (
            (last[at], last[key])
            if isinstance(last, dict)
            else (getattr(last, at), getattr(last, key))
        )
        next_cursor = encode_cursor(*values)
    return KeysetPage(rows, next_cursor)


def page_size_from(request, default, maximum):
    value = request.query_params.get("page_size")
    if value is None:
        return default
    # ASCII digits only ("²".isdigit() is true); a larger number than the cap is the cap.
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise exceptions.ValidationError(
            {"page_size": [_("A whole number from 1 to %(max)s.") % {"max": maximum}]}
        )
    return maximum if len(value) > 6 else min(int(value), maximum)


def encode_cursor(at, key):
    raw = json.dumps([at.isoformat(), key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value):
    """`(datetime, key)` from a cursor, None for the start; a 400 for anything else."""
    if not value:
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        at, key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        at = datetime.datetime.fromisoformat(at)
        if timezone.is_naive(at) or not _cursor_key(key):
            raise ValueError
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python reads.
        at = at.astimezone(datetime.UTC)
    except (ValueError, TypeError, UnicodeError, OverflowError, binascii.Error):
        raise exceptions.ValidationError(
            {"cursor": [_("Not a cursor this API gave out.")]}
        ) from None
    return at, key


def _cursor_key(key):
    """A key a cursor can hold: an id the database can store (64 bits) or a code."""
    if isinstance(key, bool):
        return False
    if isinstance(key, int):
        return -(2**63) <= key < 2**63
    return isinstance(key, str) and 0 < len(key) <= 200 and "\x00" not in key
