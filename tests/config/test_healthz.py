"""`/healthz` is what load balancers and the fault script probe, with GET or HEAD."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "head"])
def test_healthz_answers_get_and_head(client, method):
    response = getattr(client, method)("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_takes_no_writes(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
