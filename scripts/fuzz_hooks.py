"""Schemathesis hooks of scripts/fuzz (loaded through SCHEMATHESIS_HOOKS).

The one narrow exclusion: a query string so long that the request line passes gunicorn's
`limit_request_line` (4094 bytes) never reaches the application; gunicorn itself answers 414
with an HTML page, which no schema of the application can declare. Such cases are not sent.
Everything up to the limit is."""

from urllib.parse import urlencode

import schemathesis

# The request line is `METHOD /api/v1/<path>?<query> HTTP/1.1`; keep well inside 4094.
MAX_QUERY_BYTES = 3500


@schemathesis.hook
def filter_query(ctx, query):
    return query is None or len(urlencode(query, doseq=True)) <= MAX_QUERY_BYTES
