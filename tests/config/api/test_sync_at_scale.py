"""What a partner's copy needs to stay in sync cheaply: many rows by key in one request,
rate limits that say where the client stands (and a 304 that costs nothing), counted in the
shared cache, and POSTs that a retry with the same `Idempotency-Key` cannot repeat."""

import pytest
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle

from actions.models import Action
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

pytestmark = pytest.mark.django_db


def codes_of(response):
    assert response.status_code == 200, response.content[:300]
    return sorted(row["code"] for row in response.json()["results"])


def test_fetch_many_actions_by_id_and_by_code(api, small_agenda):
    own, other = small_agenda["own_action"], small_agenda["other_action"]
    assert codes_of(api.get(f"/api/v1/actions/?id={own.pk},{other.pk},999999")) == [
        "OTHER",
        "OWN",
    ]
    assert codes_of(api.get(f"/api/v1/actions/?id={own.pk}&id={other.pk}")) == ["OTHER", "OWN"]
    assert codes_of(api.get("/api/v1/actions/?code=own,OTHER,GONE")) == ["OTHER", "OWN"]


def test_fetch_many_agreements_regions_parties_by_code(api, small_agenda):
    from agenda.models import Agreement

    Agreement.objects.update(status="active")
    assert codes_of(api.get("/api/v1/agreements/?code=GEN,nb-1")) == ["GEN", "NB-1"]
    assert codes_of(api.get("/api/v1/regions/?code=PV30,pv31")) == ["PV30", "PV31"]
    assert codes_of(api.get("/api/v1/parties/?code=EZ")) == ["EZ"]


@pytest.mark.parametrize(
    "query",
    [
        "id=abc",
        "id=-1",
        "id=1e3",
        "id=" + "9" * 30,
        "id=" + ",".join(str(n) for n in range(101)),
        "code=" + ",".join(f"C{n}" for n in range(101)),
        "code=" + "x" * 61,
    ],
)
def test_fetch_many_refuses_bad_keys_and_more_than_100(api, small_agenda, query):
    response = api.get(f"/api/v1/actions/?{query}")
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["errors"]) <= {"id", "code"}


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})


def test_rate_limit_headers_count_down_and_a_429_says_when(api, small_agenda, three_a_minute):
    remaining = []
    for _ in range(3):
        response = api.get("/api/v1/themes/")
        assert response["RateLimit-Limit"] == "3"
        assert 0 <= int(response["RateLimit-Reset"]) <= 60
        remaining.append(int(response["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    refused = api.get("/api/v1/themes/")
    assert refused.status_code == 429
    assert refused["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"


def test_a_304_costs_no_slot(api, small_agenda, three_a_minute):
    first = api.get("/api/v1/themes/")
    etag = first["ETag"]
    for _ in range(10):
        response = api.get("/api/v1/themes/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        assert response["RateLimit-Remaining"] == "2"
    assert api.get("/api/v1/themes/")["RateLimit-Remaining"] == "1"


def test_the_throttle_counts_in_the_database_by_default():
    """Not one process's memory: a table every worker and app server reads (or the Redis
    that THROTTLE_CACHE_URL or CACHE_URL names)."""
    import subprocess
    import sys

    code = (
        "import os; os.environ.pop('THROTTLE_CACHE_URL', None); os.environ.pop('CACHE_URL', None);"
        "os.environ.setdefault('SECRET_KEY', 'x');"
        "from config import settings; print(settings.CACHES['throttle']['BACKEND'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"


def test_two_workers_share_the_database_throttle(api, small_agenda, three_a_minute, settings):
    """The counts are rows of the cache table: a second worker (a fresh cache object, as
    another process has) refuses what the first used up."""
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "registry_throttle",
        },
    }
    # What migrate makes (agenda 0013) with this setting; this suite's migrations ran
    # with the throttle in memory.
    call_command("createcachetable", verbosity=0)
    assert [api.get("/api/v1/themes/").status_code for _ in range(3)] == [200, 200, 200]
    assert any("throttle_anon" in key for key in _database_cache_keys())
    caches["throttle"].close()
    del caches["throttle"]  # another worker: nothing of the first in memory
    assert api.get("/api/v1/themes/").status_code == 429


def _database_cache_keys():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM registry_throttle")
        return [row[0] for row in cursor.fetchall()]


BODY = {"agreement": "GEN", "owner": "PV30", "title": "Eenmalig"}


def test_the_same_idempotency_key_and_body_replays_the_first_answer(
    token_client, users, small_agenda
):
    client = token_client(users["ministry_editor"])
    first = client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Action.objects.filter(title="Eenmalig").count() == 1
    # Another key is another request.
    other = client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201
    assert Action.objects.filter(title="Eenmalig").count() == 2


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(
    token_client, users, small_agenda
):
    client = token_client(users["ministry_editor"])
    client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    before = Action.objects.count()
    response = client.post(
        "/api/v1/actions/", {**BODY, "title": "Anders"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "idempotency_key_reused"
    assert Action.objects.count() == before


def test_keys_are_per_user(token_client, users, small_agenda):
    """Another user's key is not yours: no replay of their answer."""
    ez = token_client(users["ministry_editor"])
    superuser = token_client(users["superuser"])
    ez.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = superuser.post(
        "/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Action.objects.filter(title="Eenmalig").count() == 2


def test_a_refused_request_is_replayed_as_refused(token_client, users, small_agenda):
    client = token_client(users["ministry_editor"])
    bad = {**BODY, "owner": "NOPE"}
    first = client.post("/api/v1/actions/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    again = client.post("/api/v1/actions/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.json() == first.json()


@pytest.mark.parametrize("key", ["", "x" * 256, "é"])
def test_a_malformed_key_is_a_400(token_client, users, small_agenda, key):
    client = token_client(users["ministry_editor"])
    response = client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Action.objects.filter(title="Eenmalig").exists()


def test_keys_expire(token_client, users, small_agenda, settings):
    settings.IDEMPOTENCY_KEY_SECONDS = 1
    client = token_client(users["ministry_editor"])
    client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    import time

    time.sleep(1.5)
    again = client.post("/api/v1/actions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert not again.has_header("Idempotent-Replayed")
    assert Action.objects.filter(title="Eenmalig").count() == 2
