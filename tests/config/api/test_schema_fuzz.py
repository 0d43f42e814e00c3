"""Schemathesis over the whole OpenAPI schema, in-process over WSGI: whatever a client sends,
no response is a 5xx and every response matches the schema. Runs as a token-authenticated
ministry editor, so the write operations are exercised too (bounded examples)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from agenda.services import api_token_create
from config.wsgi import application
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory

# The schema view needs no database, so the schema can be read when the module loads.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def keep_connection_open():
    """Calling the WSGI app directly fires request_finished, which closes the database
    connection and with it the test's transaction; Django's test client disconnects that
    handler in the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def editor_token(users, tree, parties, monkeypatch, keep_connection_open):
    rates = {"anon": "100000/minute", "user": "100000/minute"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    theme = ThemeFactory(code="MIT")
    agreement = AgreementFactory(code="GEN", theme=theme)
    ActionFactory(agreement=agreement, owner=parties["PV30"])
    return api_token_create(user=users["ministry_editor"])[1]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_responses_match_the_schema(case, editor_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {editor_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
