"""PostgreSQL away (refused, restarting, connection lost): the API answers a JSON 503 with
`Retry-After`, pages a plain 503 page, never an HTML 500. The failure is simulated at the
connection: every new cursor raises OperationalError, as psycopg does when the server is
gone (stopping the shared PostgreSQL is not an option in tests)."""

import pytest
from django.db import InterfaceError, OperationalError, connections

from tests.factories import ReviewFactory


@pytest.fixture
def database_down(db):
    """Its own MonkeyPatch, undone before the test database's teardown needs a cursor."""
    with pytest.MonkeyPatch.context() as patch:

        def refuse(error):
            def cursor(*args, **kwargs):
                raise error("connection to server at 127.0.0.1, port 5432 failed")

            patch.setattr(connections["default"], "cursor", cursor)

        yield refuse


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/agreements/"),
        ("get", "/api/v1/agreements/GEN/"),
        ("get", "/api/v1/actions/?status=planned"),
        ("get", "/api/v1/changes/"),
        ("post", "/api/v1/actions/"),
        ("patch", "/api/v1/agreements/GEN/"),
    ],
)
def test_api_answers_json_503_when_the_database_is_down(
    token_client, users, small_agenda, database_down, error, method, path
):
    client = token_client(users["ministry_editor"])
    database_down(error)
    response = getattr(client, method)(path, {"title": "x"} if method != "get" else None)
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"]
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["detail"]


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/agenda/agreement/", "/reviews/", "/reviews/actions/"]
)
def test_pages_answer_a_plain_503_when_the_database_is_down(
    client, users, small_agenda, database_down, path
):
    client.force_login(users["ministry_editor"])
    ReviewFactory()
    database_down(OperationalError)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"]
    assert "database" in response.content.decode()
