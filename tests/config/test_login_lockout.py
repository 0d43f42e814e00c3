"""Login brute-force protection (django-axes): wrong passwords lock one username from one
address, so an attacker elsewhere cannot lock the real user out; the admin login works."""

import pytest
from django.test import Client

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


def login(username, password, address):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return client, response


def test_admin_login_works(users):
    client, response = login("brabant", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_that_user_from_that_address(users):
    statuses = [login("brabant", "wrong", "10.0.0.1")[1].status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the form again with its error, then locked
    _client, locked = login("brabant", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429
    _client, elsewhere = login("brabant", PASSWORD, "10.0.0.2")
    assert elsewhere.status_code == 302
    _client, other_user = login("ez", PASSWORD, "10.0.0.1")
    assert other_user.status_code == 302


def test_a_forged_forwarded_for_does_not_reset_the_count(users):
    """Without trusted proxies the address is the connection's, whatever X-Forwarded-For
    says."""
    for n in range(5):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            "/admin/login/", {"username": "brabant", "password": "wrong"}
        )
    _client, locked = login("brabant", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_lockout_page_explains(users, language):
    for _ in range(5):
        login("brabant", "wrong", "10.0.0.1")
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/admin/login/", {"username": "brabant", "password": PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert ("15 minuten" if language == "nl" else "15 minutes") in text


def test_behind_a_trusted_proxy_each_client_address_counts_apart(users, settings):
    """Behind one trusted proxy (every request from its address), a lockout holds for the
    client address the proxy appended, not for everyone behind the proxy."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def via_proxy(password, client_address):
        client = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}")
        return client.post("/admin/login/", {"username": "brabant", "password": password})

    for _ in range(5):
        via_proxy("wrong", "198.51.100.1")
    assert via_proxy(PASSWORD, "198.51.100.1").status_code == 429
    assert via_proxy(PASSWORD, "198.51.100.2").status_code == 302
