"""One slow page cannot hold the site: PostgreSQL cancels a statement that runs past
DATABASE_STATEMENT_TIMEOUT and the request gets a Dutch 503 page (never a 500); gunicorn's
own timeout stays above it."""

import runpy

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def on_postgresql():
    if connection.vendor != "postgresql":
        # Not a missing service: this is the SQLite pass; CI's PostgreSQL pass runs it.
        pytest.skip("statement timeouts are PostgreSQL's; CI's PostgreSQL run checks them")


def test_every_connection_has_the_statement_timeout():
    on_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.DATABASE_STATEMENT_TIMEOUT // 1000}s"
    assert settings.DATABASE_STATEMENT_TIMEOUT > 0


def test_a_statement_that_runs_too_long_is_a_dutch_503(client, users, small_agenda):
    """The dashboard's first count is made to take a second (pg_sleep) under a 50 ms limit:
    PostgreSQL cancels it, the page says it took too long."""
    on_postgresql()
    client.force_login(users["ministry_editor"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")

    def slow(execute, sql, params, many, context):
        if "actions_action" in sql and "COUNT" in sql:
            sql = f"SELECT pg_sleep(1), * FROM ({sql}) AS slow"
        return execute(sql, params, many, context)

    with connection.execute_wrapper(slow):
        response = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 503
    page = response.content.decode()
    assert "Tijdelijk niet beschikbaar" in page
    assert "te veel tijd" in page
    assert response["Retry-After"]


def test_gunicorn_waits_longer_than_the_database(monkeypatch):
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    assert config["timeout"] * 1000 > settings.DATABASE_STATEMENT_TIMEOUT
