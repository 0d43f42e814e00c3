"""The OpenAPI 3.1 schema says what the server does: request bodies from the write
serializers (JSON only), every header the API uses, CSV and XLSX on lists only, and the error
responses each operation can give, in one error shape. Written in English whatever the
request's language."""

import functools
import json
from pathlib import Path

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
    "409": "A request with this `Idempotency-Key` is still being processed; try again "
    "shortly. Nothing was written.",
    "422": "This `Idempotency-Key` was used for another request (another body or path); use "
    "a new key. Nothing was written.",
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
API_VERSION_HEADER = {
    "schema": {"type": "string", "examples": ["1.1.0"]},
    "description": "The version of the API that answered (semantic versioning).",
}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {
        "schema": {"type": "integer"},
        "description": "Requests allowed in the window (IETF draft RateLimit header fields).",
    },
    "RateLimit-Remaining": {
        "schema": {"type": "integer"},
        "description": "Requests left in the window; a 304 costs none.",
    },
    "RateLimit-Reset": {
        "schema": {"type": "integer"},
        "description": "Seconds until a request is allowed again.",
    },
}


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

    def _is_sub_list(self):
        """`history/` and `updates/`: paginated, but no list's filters or cursor."""
        return getattr(self.view, "action", None) in ("history", "updates")

    def _get_pagination_parameters(self):
        parameters = super()._get_pagination_parameters()
        if self._is_sub_list():
            parameters = [p for p in parameters if p["name"] in ("page", "page_size")]
        return parameters

    def _get_filter_parameters(self):
        if self._is_sub_list():
            return []
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
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    description="A key of your own (at most 255 printable ASCII characters, "
                    "e.g. a UUID) that makes a retry safe: the same key with the same request "
                    "within 24 hours gets the first answer again (`Idempotent-Replayed: "
                    "true`) and writes nothing; with another request it is a 422.",
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
                "schema": {
                    "type": "string",
                    "contentMediaType": "text/csv",
                    "description": "The whole filtered list as CSV (UTF-8 with a BOM; "
                    "timestamps in ISO 8601 UTC).",
                }
            }
        if XLSX_TYPE in content:
            content[XLSX_TYPE] = {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "contentMediaType": XLSX_TYPE,
                    "description": "The whole filtered list as XLSX.",
                }
            }
        if status_code in ("200", "201") and self.method in ("GET", "POST", "PUT", "PATCH"):
            response.setdefault("headers", {})["ETag"] = ETAG_HEADER
        if status_code.startswith("2"):
            response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
        response.setdefault("headers", {})["API-Version"] = API_VERSION_HEADER
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
        if self.method == "POST":
            codes |= {"409", "422"}
        if self.method in ("PUT", "PATCH", "DELETE") or self.path.endswith("/updates/"):
            codes.add("412")
        for code in sorted(codes):
            responses.setdefault(code, error_response(code))
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            responses["400"] = {**responses["400"]}
            responses["400"]["description"] += EXPORT_TOO_LARGE
        for response in responses.values():  # a 204 and a 304 too (API Design Rules)
            response.setdefault("headers", {}).setdefault("API-Version", API_VERSION_HEADER)
        return responses


def error_response(code):
    response = {
        "description": ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
        "headers": {"API-Version": API_VERSION_HEADER},
    }
    if code == "429":
        response["headers"].update(
            {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."},
                **RATE_LIMIT_HEADERS,
            }
        )
    if code == "412":
        response["headers"]["ETag"] = ETAG_HEADER
    if code == "401":
        response["headers"]["WWW-Authenticate"] = {
            "schema": {"type": "string"},
            "description": "`Token`.",
        }
    return response


def always_sent_fields_required(result, generator, request, public):
    """Every field of a response object is always sent (null where it has no value): each is
    `required`, so that generated clients type them as present. Request bodies keep what
    their serializers require."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or component.get("type") != "object":
            continue
        properties = component.get("properties")
        if properties:
            component["required"] = list(properties)
    return result


EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@functools.cache
def recorded_examples():
    """`{"METHOD path": {"request": body, "response": body}}`, recorded on the reference data
    by scripts/api_examples.py."""
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))


def attach_examples(result, generator, request, public):
    """Each operation's JSON request body and success answer get the example recorded for
    it: real codes and names from the reference data, as the server answered them."""
    examples = recorded_examples()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            example = examples.get(f"{method.upper()} {path}")
            if not example:
                continue
            if "request" in example:
                body = operation.get("requestBody", {}).get("content", {})
                json_body(body, example["request"])
            if "response" in example:
                for status, response in operation.get("responses", {}).items():
                    if status in ("200", "201"):
                        json_body(response.get("content", {}), example["response"])
    return result


def json_body(content, value):
    if "application/json" in content:
        content["application/json"]["examples"] = {
            "reference": {"summary": "On the registry's reference data", "value": value}
        }
