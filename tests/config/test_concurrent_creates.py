"""Two creates with the same code: one wins, the other is a 400 naming `code`, never a 500
IntegrityError. The race is the window between full_clean()'s unique check and the insert."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient
from rest_framework.validators import UniqueValidator

from actions.models import Action
from agenda.models import Agreement
from agenda.services import api_token_create

BODY = {"code": "SAME", "title": "Nieuw", "theme": "MIT", "scope": "generic"}


@pytest.fixture
def unique_checks_pass(monkeypatch):
    """The serializer's and full_clean()'s unique checks find the code free, as they do
    when a concurrent writer inserts it just after them."""
    monkeypatch.setattr(UniqueValidator, "__call__", lambda self, value, field: None)
    for model in (Agreement, Action):
        monkeypatch.setattr(model, "validate_unique", lambda self, exclude=None: None)


def test_a_duplicate_that_passed_the_check_is_a_400_on_code(
    token_client, users, small_agenda, unique_checks_pass
):
    """Deterministically, on any database: the unique index refuses the row."""
    client = token_client(users["ministry_editor"])
    assert client.post("/api/v1/agreements/", BODY, format="json").status_code == 201
    before = (Agreement.objects.count(), Agreement.history.count())
    response = client.post("/api/v1/agreements/", BODY, format="json")
    assert response.status_code == 400, response.content
    assert "code" in response.json()["errors"]
    assert (Agreement.objects.count(), Agreement.history.count()) == before


def test_a_duplicate_action_code_that_passed_the_check_is_a_400_on_code(
    token_client, users, small_agenda, unique_checks_pass
):
    client = token_client(users["ministry_editor"])
    body = {"agreement": "GEN", "owner": "PV30", "title": "x", "code": "OWN"}
    before = (Action.objects.count(), Action.history.count())
    response = client.post("/api/v1/actions/", body, format="json")
    assert response.status_code == 400, response.content
    assert "code" in response.json()["errors"]
    assert (Action.objects.count(), Action.history.count()) == before


# serialized_rollback: the flush after this test must not take the migrations' data (groups,
# content types) away from the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_create_the_same_code_on_postgresql(users, small_agenda, monkeypatch):
    """Both writers pass the unique check before either inserts (a barrier holds them):
    exactly one 201, the other a 400 on `code`, one agreement."""
    if connection.vendor != "postgresql":
        # Not a missing service: this is the SQLite pass; CI's PostgreSQL pass runs it.
        pytest.skip("real concurrency on PostgreSQL; CI's PostgreSQL run checks it")
    barrier = threading.Barrier(2, timeout=10)
    original = Agreement.validate_unique
    # Both pass the serializer's check and full_clean's before either inserts.

    def checked_then_wait(self, exclude=None):
        original(self, exclude)
        barrier.wait()

    monkeypatch.setattr(Agreement, "validate_unique", checked_then_wait)
    _token, token = api_token_create(user=users["ministry_editor"])
    results = []

    def create():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            response = client.post("/api/v1/agreements/", BODY, format="json")
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _body in results) == [201, 400], results
    refusal = next(body for status, body in results if status == 400)
    assert "code" in refusal["errors"]
    assert Agreement.objects.filter(code="SAME").count() == 1
