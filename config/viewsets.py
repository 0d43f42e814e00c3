"""Viewset mixins every API endpoint shares: ETags and If-Match, CSV streaming, writes
through the services, the history endpoint."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agenda.scope import ensure_editable, scope_for
from config.exports import (
    EXPORTERS,
    XLSX_TYPE,
    csv_lines,
    header_for,
    serialized_rows,
    xlsx_workbook_file,
)
from config.history import HistoryEntrySerializer, history_entries


class CSVRenderer(renderers.BaseRenderer):
    """Lets content negotiation accept `?format=csv` / `Accept: text/csv`. Lists are exported
    by `SpreadsheetExportMixin`; this renders a single object as a one-row sheet."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict):
            return b""
        return "".join(csv_lines(list(data), [data])).encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict):
            return b""
        return xlsx_workbook_file(list(data), [data]).read()


class SpreadsheetExportMixin:
    """`?format=csv` or `?format=xlsx` on a list (or the matching Accept header): the whole
    filtered list, with the columns of the JSON list (config.exports)."""

    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer(), XLSXRenderer()]

    def list(self, request, *args, **kwargs):
        export = EXPORTERS.get(getattr(request.accepted_renderer, "format", None))
        if export is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        header = header_for(self.get_serializer())
        rows = serialized_rows(self.get_serializer_class(), queryset, self.get_serializer_context())
        return export(header, rows, self.basename)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, whatever format the client asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and getattr(renderer, "format", None) in EXPORTERS:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


def parse_if_match(request):
    """The version a writer read, from `If-Match: "3"` (None when absent or `*`). A value that
    is no version of ours can never match: -1."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else -1


def etag_for(instance):
    version = getattr(instance, "version", None)
    if version is not None:
        return f'"{version}"'
    return f'W/"{int(instance.updated_at.timestamp() * 1_000_000)}"'


class ETagMixin:
    """Every single-object response carries an ETag: the row's `version` where it has one
    (writes check it against If-Match), else its last change."""

    def get_object(self):
        obj = super().get_object()
        self.etag_object = obj
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(self, "etag_object", None)
        if obj is not None and response.status_code < 300 and request.method != "DELETE":
            response["ETag"] = etag_for(obj)
        return response


class ServiceWriteMixin:
    """Create/update/delete through the app's services, never the serializer: the write
    serializer validates codes and shapes, the service validates the rules, locks the row,
    checks `If-Match` and the scope, and records the change. Responses use the read
    serializer and carry the new ETag."""

    write_serializer_class = None

    def service_create(self, data):
        raise NotImplementedError

    def service_update(self, instance, data, expected_version):
        raise NotImplementedError

    def service_delete(self, instance, expected_version):
        raise NotImplementedError

    def _respond(self, instance, status_code):
        instance = self.get_queryset().get(pk=instance.pk)
        self.etag_object = instance
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
        instance = self.service_update(instance, write.validated_data, parse_if_match(request))
        return self._respond(instance, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        ensure_editable(request.user, instance)
        self.service_delete(instance, parse_if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryMixin:
    """`GET …/{key}/history/`: the recorded changes, newest first. Who made them is shown to
    members only."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        instance = self.get_object()
        entries = history_entries(instance)
        if not scope_for(request.user).sees_drafts:
            for entry in entries:
                entry["user"] = None
        # Paginated like every list (DESIGN.md), as the schema says.
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)
