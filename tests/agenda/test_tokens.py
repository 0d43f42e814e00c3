"""API tokens expire, die with a password change and are stored only as a digest; the key is
shown once, when the token is made (admin or `create_api_token`)."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from agenda.models import ApiToken
from agenda.services import api_token_create

URL = "/api/v1/agreements/NB-1/"


def write(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.patch(URL, {"title": "Nieuw"}, format="json")


def test_a_fresh_token_writes(api, small_agenda, users):
    _token, key = api_token_create(user=users["brabant_editor"])
    assert write(api, key).status_code == 200


def test_the_key_is_not_in_the_database(small_agenda, users):
    token, key = api_token_create(user=users["brabant_editor"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM agenda_apitoken")
        rows = cursor.fetchall()
    assert key not in str(rows)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()


def test_an_expired_token_is_refused(api, small_agenda, users, settings):
    settings.API_TOKEN_DAYS = 90
    token, key = api_token_create(user=users["brabant_editor"])
    assert token.expires_at - timezone.now() > datetime.timedelta(days=89)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    response = write(api, key)
    assert response.status_code == 401
    assert "verlopen" in response.json()["detail"]  # Dutch, the API's default language


def test_a_password_change_ends_the_token(api, small_agenda, users):
    user = users["brabant_editor"]
    _token, key = api_token_create(user=user)
    user.set_password("a-brand-new-pass-2026")
    user.save()
    assert write(api, key).status_code == 401


def test_an_inactive_user_token_is_refused(api, small_agenda, users):
    user = users["brabant_editor"]
    _token, key = api_token_create(user=user)
    user.is_active = False
    user.save()
    assert write(api, key).status_code == 401


def test_command_prints_the_key_once(api, small_agenda, users):
    out = StringIO()
    call_command(
        "create_api_token", "brabant", "--name", "dashboard", stdout=out, stderr=StringIO()
    )
    key = out.getvalue().strip()
    assert len(key) == 40
    assert ApiToken.objects.get(name="dashboard").digest == ApiToken.digest_of(key)
    assert write(api, key).status_code == 200


def test_admin_makes_a_token_and_shows_the_key_once(small_agenda, users):
    client = Client()
    client.force_login(users["superuser"])
    response = client.post(
        "/admin/agenda/apitoken/add/",
        {"user": users["brabant_editor"].pk, "name": "sync"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="sync")
    shown = [str(m) for m in response.context["messages"]]
    [key] = [m.rsplit(" ", 1)[-1] for m in shown if token.prefix in m]
    assert ApiToken.digest_of(key) == token.digest
    listing = client.get("/admin/agenda/apitoken/").content.decode()
    assert key not in listing


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_hashes_existing_drf_tokens_and_reverses(django_user_model):
    """Existing DRF tokens (raw keys) become ApiTokens that take the same key; the raw keys
    are gone. Backwards, every user with a token gets a DRF token again."""
    executor = MigrationExecutor(connection)
    before, after = [("agenda", "0007_review_participants")], [("agenda", "0008_api_token")]
    user = django_user_model.objects.create_user("partner", password="pw-partner-2026")
    key = "a" * 20 + "0123456789abcdef0123"
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            "with time zone NOT NULL, user_id bigint NOT NULL UNIQUE)"
        )
    try:
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, timezone.now(), user.pk],
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        token = ApiToken.objects.get(user=user)
        assert token.digest == ApiToken.digest_of(key)
        assert token.is_live(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute("SELECT user_id FROM authtoken_token")
            assert cursor.fetchall() == [(user.pk,)]
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert ApiToken.objects.filter(user=user).count() == 1
    finally:
        with connection.schema_editor() as editor:
            editor.execute("DROP TABLE authtoken_token")
        # Forward to the latest migration of every app: the tests after this one on the same
        # worker need the tables and columns of agenda's later migrations.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
