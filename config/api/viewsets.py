"""What every API endpoint shares: strict input, ETags and preconditions, CSV/XLSX exports of
lists, writes through the services, the paginated history."""

import hashlib
import json

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agenda.scope import ensure_editable
from config.api.errors import PreconditionFailed
from config.api.idempotency import IdempotencyMixin
from config.filters import multiple_value_filters
from config.history import HistoryEntrySerializer, history_entries
from config.parameters import unknown_parameters
from config.spreadsheets.writing import (
    EXPORTERS,
    XLSX_TYPE,
    export_file_name,
    field_kinds,
    gated_export,
    header_for,
    serialized_rows,
)

PAGINATION_PARAMETERS = {"page", "page_size", "cursor"}
ALWAYS_ALLOWED = {"format"}


class ExportTooLarge(exceptions.APIException):
    """An export longer than the user's limit: refused before any byte, never cut off."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "export_too_large"


class ExportsBusy(exceptions.APIException):
    """Every export slot is taken (settings.EXPORT_GATE): try again after Retry-After."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "exports_busy"


class CSVRenderer(renderers.BaseRenderer):
    """Lets content negotiation accept `?format=csv` / `Accept: text/csv` on lists; the list
    itself is streamed by `RegistryViewSetMixin.list`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""  # only errors come here, and they are rendered as JSON


class XLSXRenderer(CSVRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"


def etag_of(data):
    """A strong ETag from the JSON representation: it changes whenever the representation
    does (a renamed theme changes every agreement under it), whatever the row's version."""
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def if_match_tags(request):
    """The entity tags of `If-Match` (RFC 9110): None when absent, {"*"} for any, else the
    set of strong tags (weak tags never match in the strong comparison)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if not header.strip():  # RFC 9110: "*" or at least one entity tag
        raise exceptions.ParseError(
            _("If-Match is empty: send the ETag you read, or leave it out.")
        )
    tags = {tag.strip() for tag in header.split(",") if tag.strip()}
    if "*" in tags:
        return {"*"}
    return {tag for tag in tags if tag.startswith('"') and tag.endswith('"') and len(tag) > 1}


class RegistryViewSetMixin(IdempotencyMixin):
    """Strict input, exports of lists and honest ETags, for every endpoint.

    - A query parameter the endpoint does not know is a 400 naming it; a parameter given
      twice means "any of" where it takes a list (`status=done&status=planned`), else 400.
    - Lists export with `?format=csv|xlsx` (the JSON list's columns); elsewhere those formats
      are 406. A list longer than the user's export limit is a 400 (`export_too_large`).
    - A single object's response carries an ETag computed from its JSON; lists get theirs
      from ConditionalGetMiddleware. `If-None-Match` → 304 (the middleware).
    """

    # A list's rows from column values (config.api.rows.RowBuilder), for pages and exports.
    row_builder = None

    def get_object(self):
        """Codes match regardless of case (`mkb-2014-mit-01` finds `MKB-2014-MIT-01`)."""
        try:
            return super().get_object()
        except Http404:
            if self.lookup_field != "code":
                raise
            value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
            queryset = self.filter_queryset(self.get_queryset())
            matches = list(queryset.filter(code__iexact=value)[:2])
            if len(matches) != 1:  # none, or codes from before they had to differ in more
                raise Http404 from None  # than case: no one row is meant
            obj = matches[0]
            self.check_object_permissions(self.request, obj)
            return obj

    def get_renderers(self):
        if getattr(self, "action", None) == "list":
            return [*super().get_renderers(), CSVRenderer(), XLSXRenderer()]
        return super().get_renderers()

    def allowed_query_parameters(self):
        allowed = set(ALWAYS_ALLOWED)
        if self.action == "list":
            allowed |= PAGINATION_PARAMETERS
            if self.filterset_class is not None:
                allowed |= set(self.filterset_class.base_filters)
        elif self.action in ("history", "updates") and self.request.method == "GET":
            allowed |= {"page", "page_size"}
        return allowed

    def check_query_parameters(self, request):
        params = request.query_params
        allowed = self.allowed_query_parameters()
        errors = {name: [_("Unknown parameter.")] for name in unknown_parameters(params, allowed)}
        multiple = multiple_value_filters(self.filterset_class) if self.action == "list" else set()
        for name in params:
            if name in allowed and name not in multiple and len(params.getlist(name)) > 1:
                errors[name] = [_("Given more than once; this parameter takes one value.")]
        if errors:
            raise exceptions.ValidationError(errors)

    def initial(self, request, *args, **kwargs):
        # A method the endpoint does not have is a 405 for everyone, before authentication.
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)
        self.check_idempotency(request)
        if self.action == "list" and self.paginator is not None:
            # Before any answer: an export (the whole list) and a 304 check the paging
            # parameters as a page does.
            self.paginator.check_paging_parameters(request)

    def list(self, request, *args, **kwargs):
        kind = getattr(request.accepted_renderer, "format", None)
        export = EXPORTERS.get(kind)
        queryset = self.filter_queryset(self.get_queryset())
        if export is None:
            return self.list_page(queryset)
        serializer = self.get_serializer()
        rows = serialized_rows(
            self.get_serializer_class(),
            queryset,
            self.get_serializer_context(),
            row_builder=self.row_builder,
        )
        refusal, response = gated_export(
            request,
            queryset.count(),
            lambda: export(
                header_for(serializer),
                rows,
                export_file_name(queryset.model),
                kinds=field_kinds(serializer),
            ),
            kind=kind,
        )
        if refusal:
            raise ExportTooLarge(refusal)
        if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            busy = ExportsBusy(response.content.decode())
            busy.wait = int(response["Retry-After"])
            raise busy
        return response

    def list_page(self, queryset):
        """One page. Where the list has a row builder (config/api/rows.py): ids first, then the
        page's rows from column values, so a deep page costs what page 1 costs (the skipped
        rows are index entries, not joined rows) and no model instances are built."""
        if self.row_builder is None or not self.row_builder.builds(queryset):
            page = self.paginate_queryset(queryset)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        page = self.paginate_queryset(queryset.prefetch_related(None).values("id", "updated_at"))
        return self.get_paginated_response(self.row_builder.build([row["id"] for row in page]))

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and getattr(renderer, "format", None) in EXPORTERS:
            # Errors are always JSON, whatever format the client asked for.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        self.keep_for_idempotency(response)
        single = self.action in ("retrieve", "create", "update", "partial_update")
        if single and response.status_code in (200, 201) and isinstance(response.data, dict):
            response["ETag"] = etag_of(response.data)
        return response


class ServiceWriteMixin:
    """Create/update/delete through the app's services, never the serializer: the write
    serializer validates codes and shapes, the service validates the rules, locks the row and
    checks the scope, and records the change. `If-Match` is checked against the current
    representation under the same row lock. Responses use the read serializer."""

    write_serializer_class = None

    def service_create(self, data):
        raise NotImplementedError

    def service_update(self, instance, data):
        raise NotImplementedError

    def service_delete(self, instance):
        raise NotImplementedError

    def locked_for_write(self, instance):
        """The row, locked until the transaction ends, after `If-Match` (if sent) matched."""
        locked = self.get_queryset().select_for_update(of=("self",)).get(pk=instance.pk)
        tags = if_match_tags(self.request)
        if tags is not None and "*" not in tags:
            current = etag_of(self.get_serializer(locked).data)
            if current not in tags:
                exc = PreconditionFailed()
                exc.etag = current
                raise exc
        return locked

    def _respond(self, instance, status_code):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def create(self, request, *args, **kwargs):
        write = self.write_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        write.is_valid(raise_exception=True)
        instance = self.service_create(write.validated_data)
        response = self._respond(instance, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse(f"api:{self.basename}-detail", args=[getattr(instance, self.lookup_field)])
        )
        return response

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        ensure_editable(request.user, instance)
        write = self.write_serializer_class(
            instance, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        write.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = self.locked_for_write(instance)
            instance = self.service_update(locked, write.validated_data)
        return self._respond(instance, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        ensure_editable(request.user, instance)
        with transaction.atomic():
            self.service_delete(self.locked_for_write(instance))
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryMixin:
    """`GET …/{key}/history/`: the recorded changes, newest first, paginated like every list.
    Who made them is shown to members only."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        instance = self.get_object()
        entries = history_entries(instance, reader=request.user)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)
