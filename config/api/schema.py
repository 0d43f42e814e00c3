"""The OpenAPI 3.1 schema says what the server does: request bodies from the write
serializers (JSON only), every header the API uses, CSV and XLSX on lists only, and the error
responses each operation can give, in one error shape. Written in English whatever the
request's language."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from config.spreadsheets.writing import XLSX_TYPE

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a message in the request's language and a stable code; a 400 "
    "also lists the messages per parameter or field in `errors`.",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "examples": ["invalid", "not_found", "out_of_scope", "export_too_large"],
        },
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
ETAG_HEADER = {
    "schema": {"type": "string"},
    "description": "The representation's entity tag: send it back in `If-Match` to write, "
    "in `If-None-Match` to read only when it changed.",
}
ERROR_DESCRIPTIONS = {
    "400": "Malformed or unknown parameter or field; `errors` names it. Nothing was written.",
    "401": "Authentication needed (session or `Authorization: Token …`).",
    "403": "Outside your scope (DESIGN.md, 'Who may do what'). Nothing was written.",
    "404": "No such object (or not visible to you), or no such page.",
    "406": "The format asked for (`?format=` or `Accept`) is not offered here.",
    "412": "`If-Match` names no current representation. Nothing was written; `ETag` says "
    "what is current.",
    "413": "The body is larger than the server accepts (2.5 MB). Nothing was written.",
    "415": "The body is not JSON.",
    "429": "Too many requests; see `Retry-After`.",
    "503": "The database is unavailable for a moment; try again after `Retry-After` seconds. "
    "Nothing was written.",
}
EXPORT_TOO_LARGE = (
    " Or an export (`?format=csv|xlsx`) longer than the limit for the caller (code "
    "`export_too_large`): filter the list, or authenticate for a higher limit. The limit is "
    "checked before any byte is sent; an export is never cut off."
)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class RegistryAutoSchema(AutoSchema):
    def _get_format_parameters(self):
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = (
                "The response's format; `csv` and `xlsx` export the whole filtered list "
                "(the same as `Accept: text/csv`), up to a number of rows (400 "
                "`export_too_large` above it; lower without authentication)."
            )
        return parameters

    def get_request_serializer(self):
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and self.method in ("POST", "PUT", "PATCH"):
            return write
        return super().get_request_serializer()

    def map_parsers(self):
        return ["application/json"]

    def _is_single_object_read(self):
        return self.method == "GET" and self.path.endswith("}/")

    def _get_filter_parameters(self):
        # A filter sent empty (`?status=`, as a cleared form field sends it) is no filter.
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters.append(
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="An ETag you have: the answer is 304 Not Modified while it is "
                    "current.",
                )
            )
        if self.method in ("PUT", "PATCH", "DELETE") or (
            self.method == "POST" and self.path.endswith("/updates/")
        ):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="ETags (one or a comma-separated list, or `*`) of the "
                    "representation you read: the write happens only if one is current "
                    "(strong comparison), else 412 and nothing is written.",
                )
            )
        return parameters

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content", {})
        if "text/csv" in content:
            content["text/csv"] = {
                "schema": {"type": "string", "description": "The whole filtered list as CSV."}
            }
        if XLSX_TYPE in content:
            # OpenAPI 3.1 describes binary content by its media type alone.
            content[XLSX_TYPE] = {"schema": {"description": "The whole filtered list as XLSX."}}
        if status_code in ("200", "201") and self.method in ("GET", "POST", "PUT", "PATCH"):
            response.setdefault("headers", {})["ETag"] = ETAG_HEADER
        if status_code == "201":
            response["headers"]["Location"] = {
                "schema": {"type": "string", "format": "uri"},
                "description": "The new object's URL.",
            }
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # 401: a bad token, 406: an `Accept` the API does not offer, on any request.
        codes = {"400", "401", "406", "429", "503"}
        if self.method == "GET":
            codes.add("404")
            responses.setdefault(
                "304",
                {
                    "description": "Not modified: the ETag in `If-None-Match` is current.",
                    "headers": {"ETag": ETAG_HEADER},
                },
            )
        if self.path_regex and "{" in self.path:
            codes.add("404")
        if self.method in WRITES:
            codes |= {"401", "403"}
        if self.method in ("POST", "PUT", "PATCH"):
            codes |= {"413", "415"}
        if self.method in ("PUT", "PATCH", "DELETE") or self.path.endswith("/updates/"):
            codes.add("412")
        for code in sorted(codes):
            responses.setdefault(code, error_response(code))
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            responses["400"] = {**responses["400"]}
            responses["400"]["description"] += EXPORT_TOO_LARGE
        return responses


def error_response(code):
    response = {
        "description": ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    if code == "412":
        response["headers"] = {"ETag": ETAG_HEADER}
    if code == "401":
        response["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`."}
        }
    return response
