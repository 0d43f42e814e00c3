"""API settings hooks: pagination and the error format (imported by DRF's settings, so it
imports nothing of DRF's views)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record changed since you read it; fetch it again.")
    default_code = "precondition_failed"


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationErrors from the services are 400s naming the
    field, a stale version is a 412, and a scope refusal a 403 naming the field."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = DRFValidationError(detail)
    elif isinstance(exc, StaleVersionError):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, OutOfScope):
        detail = {"detail": exc.message, "code": "out_of_scope"}
        if exc.field:
            detail["field"] = exc.field
        return Response(detail, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
