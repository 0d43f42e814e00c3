"""The API's error format. Every error of the API is JSON `{"detail": …, "code": …}` in the
request's language; a 400 adds `errors` (`{parameter or field: [messages]}`), naming what was
wrong."""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

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
    if isinstance(exc, OutOfScope):
        body = {"detail": exc.message, "code": "out_of_scope"}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.Throttled):
        return throttled_response(exc.wait)
    exc = as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    response = Response(error_body(exc), status=exc.status_code)
    if getattr(exc, "etag", None):
        response["ETag"] = exc.etag  # a 412 says what is current
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


def as_api_exception(exc):
    """Django's and the services' exceptions as the API's (others unchanged)."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, StaleVersionError):
        return PreconditionFailed(str(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE; left alone, that
        # is an HTML 400 page.
        return PayloadTooLarge()
    return exc


def throttled_response(wait):
    """429 in the request's language: DRF's own message has no Dutch for its second half."""
    seconds = max(1, math.ceil(wait or 1))
    detail = ngettext(
        "Too many requests; try again in %(seconds)s second.",
        "Too many requests; try again in %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}
    response = Response(
        {"detail": detail, "code": ERROR_CODES[429]}, status=status.HTTP_429_TOO_MANY_REQUESTS
    )
    response["Retry-After"] = str(seconds)
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
