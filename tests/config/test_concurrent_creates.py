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


def test_a_generated_code_taken_meanwhile_is_replaced_by_the_next_free_one(
    token_client, users, small_agenda, monkeypatch
):
    """A create without a code whose generated code a concurrent create inserts first (the
    unique index refuses the row): the next free number, not "code already exists"."""
    from actions import services

    real = services._next_code
    calls = []

    def stale_then_real(agreement, after=0):
        calls.append(after)
        if len(calls) == 1:
            # What a concurrent writer inserted between this look-up and the insert.
            code = real(agreement, after)
            Action.objects.create(
                code=code, agreement=agreement, owner=small_agenda["own_action"].owner, title="x"
            )
            return code
        return real(agreement, after)

    monkeypatch.setattr(services, "_next_code", stale_then_real)
    for model in (Action,):
        monkeypatch.setattr(model, "validate_unique", lambda self, exclude=None: None)
    client = token_client(users["ministry_editor"])
    before = Action.history.count()
    response = client.post(
        "/api/v1/actions/", {"agreement": "GEN", "owner": "PV30", "title": "Nieuw"}, format="json"
    )
    assert response.status_code == 201, response.content
    taken = Action.objects.exclude(pk=response.json()["id"]).filter(title="x").get().code
    assert response.json()["code"] != taken
    assert response.json()["code"].startswith("GEN-A")
    assert len(calls) == 2
    # The refused attempt left nothing behind: one record for the writer's row, one for ours.
    assert Action.history.count() == before + 2
    assert Action.history.filter(id=response.json()["id"]).count() == 1


# no_schema: the schema check of conftest would fetch the schema from four threads at once.
@pytest.mark.no_schema
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_threads_creating_actions_without_a_code_never_collide_on_postgresql(
    users, small_agenda, monkeypatch
):
    """Four writers generate their codes before any inserts (a barrier holds them): each
    gets a 201 and its own code."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency on PostgreSQL; CI's PostgreSQL run checks it")
    barrier = threading.Barrier(4, timeout=10)
    original = Action.validate_unique
    waited = threading.local()

    def checked_then_wait(self, exclude=None):
        original(self, exclude)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()

    monkeypatch.setattr(Action, "validate_unique", checked_then_wait)
    _token, token = api_token_create(user=users["ministry_editor"])
    results = []

    def create(n):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            body = {"agreement": "GEN", "owner": "PV30", "title": f"Zonder code {n}"}
            response = client.post("/api/v1/actions/", body, format="json")
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _body in results] == [201] * 4, results
    codes = {body["code"] for _status, body in results}
    assert len(codes) == 4
    assert Action.objects.filter(title__startswith="Zonder code").count() == 4
