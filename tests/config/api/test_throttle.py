"""The throttle counts clients, not forged headers: X-Forwarded-For is read only as far as
the configured number of trusted proxies (`NUM_PROXIES`, 0 by default: not at all)."""

import uuid

import pytest
from rest_framework.throttling import AnonRateThrottle


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})


def forged():
    return ".".join(str(b) for b in uuid.uuid4().bytes[:4])


def test_forged_forwarded_for_does_not_escape_the_throttle(api, db, three_a_minute):
    """Without trusted proxies, every request with a new X-Forwarded-For is the same client."""
    statuses = [
        api.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=forged()).status_code for _ in range(6)
    ]
    # At most the rate (the schema the suite validates against may be fetched in between).
    assert statuses[-3:] == [429, 429, 429]
    assert set(statuses) == {200, 429}


def test_behind_one_proxy_only_the_address_it_appends_counts(api, db, settings, three_a_minute):
    """Behind one trusted proxy the client is the address that proxy appended (the last);
    whatever the client put before it is ignored."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    statuses = [
        api.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"{forged()}, 203.0.113.7").status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    other = api.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"{forged()}, 203.0.113.8")
    assert other.status_code == 200
