"""Error pages in the registry's own look (its header, menu and stylesheet), in Dutch, and in
English when the browser asks: 400, 403, 404, 429 (a locked login) and 500; the API's 429 is
Dutch all through."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error
from rest_framework.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db


def in_the_sites_look(page):
    return all(
        part in page
        for part in ('class="site-header"', "registry/site.css", 'class="site-nav"', "</footer>")
    )


@pytest.mark.parametrize(
    ("language", "heading", "code"),
    [("nl", "Pagina niet gevonden", "Fout 404"), ("en", "Page not found", "Error 404")],
)
def test_404(client, language, heading, code):
    response = client.get("/bestaat-niet/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert code in page
    assert f'<html lang="{language}">' in page
    assert in_the_sites_look(page)


@pytest.mark.parametrize("url", ["/reviews/999999/", "/admin/geen-pagina/"])
def test_404_of_a_review_page_and_of_the_admin(client, users, url):
    client.force_login(users["brabant_editor"])
    response = client.get(url)
    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [("nl", "Dit verzoek kan niet worden beantwoord"), ("en", "This request cannot be answered")],
)
def test_400(language, heading):
    """A request the registry cannot answer (here: a host it does not serve)."""
    client = Client(raise_request_exception=False)
    response = client.get("/admin/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert in_the_sites_look(page)


@pytest.mark.parametrize(
    ("language", "heading"), [("nl", "Er ging iets mis"), ("en", "Something went wrong")]
)
def test_500(language, heading):
    """Django's own handler draws the page without a request; it still reads as the site."""
    with translation.override(language):
        response = server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert in_the_sites_look(page)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("nl", ["Te veel mislukte aanmeldingen", "na 5 verkeerde wachtwoorden", "15 minuten"]),
        ("en", ["Too many failed logins", "after 5 wrong passwords", "15 minutes"]),
    ],
)
def test_429_of_a_locked_login(users, language, texts):
    client = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "brabant", "password": "wrong"})
    assert response.status_code == 429
    page = response.content.decode()
    assert all(text in page for text in texts), page
    assert in_the_sites_look(page)


@pytest.mark.no_schema
def test_the_apis_429_is_dutch_all_through(api, monkeypatch):
    """DRF's message has no Dutch for its second half ("Expected available in …"): ours is
    one sentence in the request's language, with Retry-After."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    api.get("/api/v1/themes/")
    response = api.get("/api/v1/themes/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Te veel verzoeken; probeer het over ")
    assert body["detail"].endswith(" seconden opnieuw.")
    assert "Expected" not in body["detail"]
    assert int(response["Retry-After"]) >= 1
    english = api.get("/api/v1/themes/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english.startswith("Too many requests; try again in ")


@pytest.mark.parametrize(
    ("language", "heading"),
    [("nl", "Het formulier is verlopen"), ("en", "The form has expired")],
)
def test_a_form_without_its_security_token_gets_the_sites_403(language, heading):
    """A form sent without (or with an old) CSRF token: what happened and what to do, in the
    site's look, not Django's English "CSRF verification failed"."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/", {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert "CSRF" not in page
    assert in_the_sites_look(page)
