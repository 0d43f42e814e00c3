"""Garbage in query parameters (CR/LF, NUL bytes, impossible values) on every page and API
view is a 4xx or the page as usual, never a 500."""

import pytest
from django.conf import settings

from tests.factories import ReviewFactory

GARBAGE = [
    "1\r\nX-Injected: 1",
    "\x00",
    "garbage",
    "0915-09-15T13:36:55-16:50",
    "9" * 400,
    "-1",
    "\u202e\u200b",
]
PARAMETERS = ["version", "page", "page_size", "ordering", "updated_since", "cursor", "q", "as_of"]
API_VIEWS = [
    "/api/v1/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/guide/",
    "/api/v1/changes/",
    "/api/v1/regions/",
    "/api/v1/parties/",
    "/api/v1/themes/",
    "/api/v1/agreements/",
    "/api/v1/agreements/GEN/",
    "/api/v1/actions/",
    "/api/v1/reviews/",
    "/api/v1/goals/",
]
PAGES = [
    "/healthz",
    "/reviews/",
    "/reviews/actions/",
    "/reviews/agreements/",
    "/reviews/matrix/",
    "/reviews/all/",
    "/reviews/{review}/",
    "/reviews/{review}/report/",
]


def test_the_schema_refuses_a_version_with_a_line_break(client, db):
    """`?version=` went into a header of the schema's response: a CR/LF in it was a 500.
    There is one version; asking for another is a 404."""
    assert client.get("/api/v1/schema/", {"version": "1\r\nX: 1"}).status_code == 404
    assert client.get("/api/v1/schema/", {"version": "2.0"}).status_code == 404
    current = settings.SPECTACULAR_SETTINGS["VERSION"]
    assert client.get("/api/v1/schema/", {"version": current}).status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200


@pytest.mark.parametrize("path", API_VIEWS + PAGES)
def test_garbage_parameters_are_never_a_server_error(client, users, small_agenda, path):
    client.force_login(users["ministry_editor"])
    path = path.format(review=ReviewFactory().pk)
    failures = []
    for name in PARAMETERS:
        for value in GARBAGE:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append((name, value, response.status_code))
    assert not failures
