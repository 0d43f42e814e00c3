"""API settings hooks: pagination, content negotiation and the error format. Every error of
the API is JSON `{"detail": …, "code": …}` in the request's language; a 400 adds `errors`
(`{parameter or field: [messages]}`), naming what was wrong."""

import base64
import binascii
import datetime
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The record changed since you read it; fetch it again.")
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


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
        queryset = queryset.filter(
            Q(**{f"{at}__gt": position_at}) | Q(**{at: position_at, f"{key}__gt": position_key})
        )
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
        if timezone.is_naive(at) or not isinstance(key, int | str) or isinstance(key, bool):
            raise ValueError
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise exceptions.ValidationError(
            {"cursor": [_("Not a cursor this API gave out.")]}
        ) from None
    return at, key


class ContentNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` is 406 Not Acceptable (DRF answers 404), and so is a format a
    resource does not offer (CSV and XLSX exist for lists only)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        # DRF takes an empty `?format=` for none given; the schema names the formats there are.
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            self.filter_renderers(renderers, "")
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [r for r in renderers if r.format == format]
        if not matching:
            raise exceptions.NotAcceptable(
                _("Format “%(format)s” is not offered here; use %(formats)s.")
                % {"format": format[:20], "formats": ", ".join(r.format for r in renderers)}
            )
        return matching


ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationErrors from the services are 400s naming the
    field, a stale version is a 412 carrying the current ETag, and a scope refusal a 403
    naming the field. Every error body is `{"detail", "code"}` (and `errors` for a 400)."""
    headers = {}
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, StaleVersionError):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, OutOfScope):
        body = {"detail": exc.message, "code": "out_of_scope"}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE; left alone, that
        # is an HTML 400 page.
        exc = PayloadTooLarge()
    if not isinstance(exc, exceptions.APIException):
        return None
    if getattr(exc, "etag", None):
        headers["ETag"] = exc.etag  # a 412 says what is current
    response = Response(error_body(exc), status=exc.status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    for name, value in headers.items():
        response[name] = value
    return response


def error_body(exc):
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
        errors = {name: _messages(value) for name, value in errors.items()}
        summary = "; ".join(
            f"{name}: {' '.join(messages)}"
            if name not in ("detail", "non_field_errors")
            else " ".join(messages)
            for name, messages in errors.items()
        )
        return {"detail": summary, "code": "invalid", "errors": errors}
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else None
    return {
        "detail": str(exc.detail),
        "code": code or ERROR_CODES.get(exc.status_code, "error"),
    }


def _messages(value):
    """Flatten nested error details (lists of items, nested objects) into plain messages."""
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, list):
        flat = []
        for index, item in enumerate(value):
            if isinstance(item, dict | list) and not isinstance(item, str):
                flat += (
                    [f"[{index}] {m}" for m in _messages(item)]
                    if isinstance(item, dict)
                    else _messages(item)
                )
            else:
                flat.append(str(item))
        return flat
    return [str(value)]


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Paths under /api/ that match no endpoint: a JSON 404 like every API error. Exempt from
    CSRF like the API's views: a DELETE with a stray cookie is a 404, not Django's HTML 403."""
    return JsonResponse(
        {"detail": _("No API endpoint here; see /api/v1/."), "code": "not_found"}, status=404
    )
