"""Viewset mixins every API endpoint shares: ETags and If-Match, CSV streaming, writes
through the services, the history endpoint."""

import csv
from itertools import islice

from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from agenda.querysets import scope_for
from config.history import HistoryEntrySerializer, history_entries


class CSVRenderer(renderers.BaseRenderer):
    """Lets content negotiation accept `?format=csv` / `Accept: text/csv`; list views stream
    the rows themselves (`CSVExportMixin`), so this only renders a single object."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict):
            return b""
        header = list(data)
        row = [flatten(data[key]) for key in header]
        return "\ufeff" + ",".join(header) + "\r\n" + ",".join(csv_quote(v) for v in row)


def flatten(value):
    """Codes for references: {"code": …} → its code, a list → comma-separated codes, another
    nested object → its values joined by colons (e.g. a party with its role: `PV30:lead`)."""
    if isinstance(value, dict):
        if "code" in value:
            return value["code"]
        return ":".join(str(flatten(item)) for item in value.values())
    if isinstance(value, list):
        return ",".join(str(flatten(item)) for item in value)
    return "" if value is None else value


def csv_quote(value):
    text = str(value)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _Echo:
    def write(self, value):
        return value


def stream_csv(header, rows, filename):
    """A streamed CSV download (UTF-8 with BOM for Excel) of `rows` (dicts), written as they
    come from the database: memory stays constant whatever the size."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([flatten(row.get(name)) for name in header])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class CSVExportMixin:
    """`?format=csv` on a list: the whole filtered list, streamed, with the columns of the
    JSON list (references as codes)."""

    export_chunk_size = 1000

    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer()]

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            queryset = self.filter_queryset(self.get_queryset())
            serializer = self.get_serializer()
            header = [name for name, field in serializer.fields.items() if not field.write_only]
            rows = self._serialized_rows(queryset)
            return stream_csv(header, rows, self.basename)
        return super().list(request, *args, **kwargs)

    def _serialized_rows(self, queryset):
        # One serializer per chunk, not per row: building a serializer's fields is the costly
        # part. The iterator keeps memory to one chunk whatever the size of the list.
        rows = queryset.iterator(chunk_size=self.export_chunk_size)
        while chunk := list(islice(rows, self.export_chunk_size)):
            yield from self.get_serializer(chunk, many=True).data

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, whatever format the client asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and getattr(renderer, "format", None) == "csv":
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

    def check_editable(self, instance):
        model = type(instance)
        if not model.objects.editable_by(self.request.user).filter(pk=instance.pk).exists():
            raise PermissionDenied("This record is outside your scope.")

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
        self.check_editable(instance)
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
        self.check_editable(instance)
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
        return Response(HistoryEntrySerializer(entries, many=True).data)
