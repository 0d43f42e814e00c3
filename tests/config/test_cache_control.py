"""Responses made for a signed-in user are `Cache-Control: private` and vary by `Cookie` and
`Authorization`, so no shared cache hands them to someone else; anonymous API reads stay
cacheable."""

import pytest
from django.test import Client


def assert_private(response):
    assert "private" in response.get("Cache-Control", ""), response.get("Cache-Control")
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    assert {"cookie", "authorization"} <= vary


@pytest.mark.parametrize(
    "url", ["/api/v1/agreements/", "/api/v1/agreements/NB-1/", "/api/v1/actions/"]
)
def test_api_with_a_token_is_private(small_agenda, users, token_client, url):
    assert_private(token_client(users["brabant_viewer"]).get(url))


@pytest.mark.parametrize("url", ["/api/v1/agreements/", "/admin/", "/reviews/"])
def test_session_responses_are_private(small_agenda, users, url):
    client = Client()
    client.force_login(users["brabant_viewer"])
    response = client.get(url)
    assert response.status_code == 200
    assert_private(response)


def test_admin_login_page_is_private(db):
    assert_private(Client().get("/admin/login/"))


def test_anonymous_api_reads_stay_cacheable(small_agenda, api):
    response = api.get("/api/v1/agreements/")
    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")
