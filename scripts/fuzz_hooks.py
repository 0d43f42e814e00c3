"""Schemathesis hooks of scripts/fuzz (loaded through SCHEMATHESIS_HOOKS).

Two narrow exclusions:

- a query string so long that the request line passes gunicorn's `limit_request_line` (8190
  bytes) never reaches the application; gunicorn itself answers 414 with an HTML page, which
  no schema of the application can declare. Every single parameter at its documented maximum
  fits (tests/config/api/test_schema_exact.py); only several long ones at once do not. The
  coverage phase does not pass through this hook, which is why the limit must hold for it;
- a query value that is JSON `null`: a query string has no null, and schemathesis sends the
  text `null`, a valid code (`?code=null` fetches the rows with that code: none), then counts
  the 200 as "schema-violating request accepted";
- a JSON number as a code (`?code=-1736`): sent as its text, a valid code, and counted the
  same way;
- a plain text where the schema declares a list (`?code=null`): on the wire `code=null` is the
  list `["null"]`, which the schema allows, so the server rightly answers it; schemathesis
  judges the text before serialising it and counts the 200 as "schema-violating request
  accepted". The same values are still sent as lists, and an empty text (no filter) still is.

Such cases are not sent. Everything else is."""

from urllib.parse import urlencode

import schemathesis

# The request line is `METHOD /api/v1/<path>?<query> HTTP/1.1`; keep well inside 8190.
MAX_QUERY_BYTES = 7500


def has_null(value):
    if isinstance(value, list | tuple):
        return any(has_null(item) for item in value)
    return value is None


def has_non_text(value):
    if isinstance(value, list | tuple):
        return any(has_non_text(item) for item in value)
    return not isinstance(value, str)


def list_parameters(operation):
    """The names of the operation's query parameters whose schema is an array."""
    if operation is None:
        return set()
    return {
        parameter.name
        for parameter in operation.query
        if parameter.definition.get("schema", {}).get("type") == "array"
    }


@schemathesis.hook
def filter_query(ctx, query):
    if query is None:
        return True
    for name in list_parameters(ctx.operation) & query.keys():
        if isinstance(query[name], str) and query[name] != "":
            return False
    if any(has_null(value) for value in query.values()):
        return False
    if "code" in query and has_non_text(query["code"]):
        return False
    return len(urlencode(query, doseq=True)) <= MAX_QUERY_BYTES
