"""Production settings pass `manage.py check --deploy --fail-level WARNING` by default: HTTPS
redirect, HSTS and secure cookies whenever DEBUG is off."""

import subprocess

from django.conf import settings as django_settings
from django.test import Client


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [str(django_settings.BASE_DIR / "scripts" / "check-deploy")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_plain_http_is_redirected_but_the_health_check_is_not(db, settings, openapi_spec):
    """(`openapi_spec` first: the schema is fetched over plain HTTP, before the redirect.)"""
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get("/api/v1/themes/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


def test_behind_the_tls_proxy_https_is_recognised(db, settings, openapi_spec):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get("/api/v1/themes/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "max-age=31536000" in response["Strict-Transport-Security"]
