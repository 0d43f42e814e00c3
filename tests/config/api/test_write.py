"""Writes over real HTTP with DRF tokens: the scope matrix, status moves through the service,
no lost updates (ETag / If-Match), history, throttling. Every refusal writes nothing."""

import os

import pytest
import redis
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from actions.models import Action, ActionUpdate
from agenda.models import Agreement
from tests.conftest import require_or_skip
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)


def api_get_etag(client, url):
    return client.get(url)["ETag"]


def snapshot():
    return (
        list(Action.objects.order_by("pk").values()),
        list(Agreement.objects.order_by("pk").values()),
        ActionUpdate.objects.count(),
    )


def test_anonymous_writes_are_401_and_write_nothing(api, small_agenda):
    before = snapshot()
    response = api.post("/api/v1/actions/", {"agreement": "GEN", "owner": "PV30", "title": "x"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert (
        api.patch(f"/api/v1/actions/{small_agenda['own_action'].pk}/", {"title": "x"}).status_code
        == 401
    )
    assert api.delete("/api/v1/agreements/NB-1/").status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "owner", "expected"),
    [
        ("brabant_editor", "PV30", 201),
        ("brabant_editor", "PV27", 403),
        ("brabant_viewer", "PV30", 403),
        ("outsider", "PV30", 403),
        ("ministry_editor", "PV27", 201),
    ],
)
def test_create_action_obeys_the_scope(token_client, users, small_agenda, role, owner, expected):
    before = snapshot()
    response = token_client(users[role]).post(
        "/api/v1/actions/",
        {"agreement": "GEN", "owner": owner, "title": "Nieuwe actie", "contributors": [owner]},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["status"] == "planned"
        assert [c["code"] for c in body["contributors"]] == [owner]
        assert response["ETag"] == api_get_etag(token_client(users[role]), response["Location"])
        assert response["Location"].endswith(f"/api/v1/actions/{body['id']}/")
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"agreement": "NOPE", "owner": "PV30", "title": "x"}, "agreement"),
        ({"agreement": "GEN", "owner": "NOPE", "title": "x"}, "owner"),
        ({"agreement": "GEN", "owner": "PV30"}, "title"),
        ({"agreement": "GEN", "owner": "PV30", "title": "x", "progress": 101}, "progress"),
        ({"agreement": "GEN", "owner": "PV30", "title": "x", "progress": "lots"}, "progress"),
        ({"agreement": "GEN", "owner": "PV30", "title": "x", "status": "done"}, "status"),
        ({"agreement": "GEN", "owner": "PV30", "title": "x", "due_date": "2016-02-30"}, "due_date"),
        (
            {
                "agreement": "GEN",
                "owner": "PV30",
                "title": "x",
                "start_date": "2017-01-01",
                "due_date": "2016-01-01",
            },
            "due_date",
        ),
        ({"agreement": "NB-1", "owner": "PV30", "title": "x", "region": "GM0392"}, "region"),
        ({"agreement": "GEN", "owner": "PV30", "title": "x" * 400}, "title"),
        ({"agreement": "GEN", "owner": "PV30", "title": "nul\x00"}, "title"),
        ({"agreement": ["GEN"], "owner": 5, "title": "x"}, "agreement"),
    ],
)
def test_bad_action_input_is_400_naming_the_field(
    token_client, users, small_agenda, payload, field
):
    before = snapshot()
    response = token_client(users["ministry_editor"]).post(
        "/api/v1/actions/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_editor_cannot_change_or_delete_another_provinces_action(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['other_action'].pk}/"
    before = snapshot()
    assert client.patch(url, {"title": "Van ons"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert (
        client.post(url + "updates/", {"status": "in_progress"}, format="json").status_code == 403
    )
    assert snapshot() == before


def test_editor_cannot_move_their_action_out_of_scope(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    before = snapshot()
    assert client.patch(url, {"owner": "PV27"}, format="json").status_code == 403
    assert snapshot() == before


def test_patch_status_goes_through_the_service(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    illegal = client.patch(url, {"status": "done"}, format="json")
    assert illegal.status_code == 400
    # Dutch by default; the message names the allowed moves.
    assert "toegestaan: in uitvoering, vervallen" in illegal.json()["errors"]["status"][0]
    assert not ActionUpdate.objects.exists()

    moved = client.patch(url, {"status": "in_progress", "title": "Gestart"}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["title"]) == ("in_progress", "Gestart")
    assert ActionUpdate.objects.get().status_to == "in_progress"

    no_note = client.patch(url, {"status": "at_risk"}, format="json")
    assert no_note.status_code == 400
    assert "note" in no_note.json()["errors"]
    assert Action.objects.get(pk=small_agenda["own_action"].pk).status == "in_progress"


def test_updates_endpoint_moves_status_with_a_note(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/updates/"
    assert (
        client.post(url, {"status": "in_progress", "progress": 20}, format="json").status_code
        == 201
    )
    response = client.post(url, {"status": "at_risk", "note": "Budget onzeker"}, format="json")
    assert response.status_code == 201
    assert response.json()["note"] == "Budget onzeker"
    assert response.json()["author"] == "brabant"
    log = client.get(url).json()
    assert log["count"] == 2
    assert [entry["status_to"] for entry in log["results"]] == ["at_risk", "in_progress"]
    bad = client.post(url, {"status": "sideways"}, format="json")
    assert bad.status_code == 400
    assert client.get(url).json()["count"] == 2
    assert client.get(url, {"page_size": 1}).json()["next"].endswith("page=2&page_size=1")


def test_stale_if_match_is_412_and_changes_nothing(token_client, users, small_agenda):
    """Two editors read the same representation; the first write wins, the second gets 412
    with the current ETag, and nothing of it is written."""
    first = token_client(users["brabant_editor"])
    second = token_client(users["ministry_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    etag = first.get(url)["ETag"]
    assert etag.startswith('"')
    assert second.get(url)["ETag"] == etag  # the same representation, the same tag
    ok = first.patch(url, {"title": "Eerste"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] not in (etag, None)
    assert first.get(url)["ETag"] == ok["ETag"]
    stale = second.patch(url, {"title": "Tweede"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["ETag"] == ok["ETag"]
    assert stale.json()["code"] == "precondition_failed"
    weak = second.patch(url, {"title": "Zwak"}, format="json", HTTP_IF_MATCH=f"W/{ok['ETag']}")
    assert weak.status_code == 412  # strong comparison: a weak tag never matches
    listed = f'"nope", {ok["ETag"]}'
    assert (
        second.patch(url, {"title": "Eerste"}, format="json", HTTP_IF_MATCH=listed).status_code
        == 200
    )
    assert (
        second.post(
            url + "updates/", {"status": "in_progress"}, format="json", HTTP_IF_MATCH=etag
        ).status_code
        == 412
    )
    assert second.delete(url, HTTP_IF_MATCH='"garbage"').status_code == 412
    action = Action.objects.get(pk=small_agenda["own_action"].pk)
    assert (action.title, action.version, action.status) == ("Eerste", 2, "planned")


def test_agreement_writes_obey_scope_and_invariants(token_client, users, small_agenda):
    brabant = token_client(users["brabant_editor"])
    ministry = token_client(users["ministry_editor"])
    generic = {"code": "NEW-GEN", "title": "Nieuw", "theme": "MIT", "scope": "generic"}
    before = snapshot()
    assert brabant.post("/api/v1/agreements/", generic, format="json").status_code == 403
    assert (
        brabant.patch("/api/v1/agreements/GEN/", {"title": "x"}, format="json").status_code == 403
    )
    assert (
        brabant.patch("/api/v1/agreements/NH-1/", {"title": "x"}, format="json").status_code == 403
    )
    regional_without_regions = {**generic, "code": "NEW-REG", "scope": "regional"}
    response = ministry.post("/api/v1/agreements/", regional_without_regions, format="json")
    assert response.status_code == 400
    assert "regions" in response.json()["errors"]
    bad_period = {**generic, "valid_from": "2017-01-01", "valid_until": "2016-01-01"}
    assert ministry.post("/api/v1/agreements/", bad_period, format="json").status_code == 400
    assert snapshot() == before

    own = {
        "code": "NB-2",
        "title": "Brabantse afspraak",
        "theme": "MIT",
        "scope": "regional",
        "regions": ["GM0772"],
        "parties": [{"party": "PV30", "role": "participant"}],
    }
    created = brabant.post("/api/v1/agreements/", own, format="json")
    assert created.status_code == 201, created.content
    assert {p["party"]["code"] for p in created.json()["parties"]} == {"PV30"}
    moved = brabant.patch(
        "/api/v1/agreements/NB-2/", {"regions": ["PV27"], "parties": []}, format="json"
    )
    assert moved.status_code == 403
    assert Agreement.objects.get(code="NB-2").regions.get().code == "GM0772"
    assert brabant.delete("/api/v1/agreements/NB-2/").status_code == 204
    assert not Agreement.objects.filter(code="NB-2").exists()
    in_use = ministry.delete("/api/v1/agreements/GEN/")
    assert in_use.status_code == 400
    assert Agreement.objects.filter(code="GEN").exists()


def test_history_shows_who_changed_which_fields(token_client, users, small_agenda, api):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    client.patch(url, {"title": "Herzien", "progress": 40}, format="json")
    entries = client.get(url + "history/").json()["results"]
    assert entries[0]["user"] == "brabant"
    assert entries[0]["type"] == "changed"
    changed = {c["field"]: c["new"] for c in entries[0]["changes"]}
    assert changed["title"] == "Herzien"
    assert changed["progress"] == 40
    assert api.get(url + "history/").json()["results"][0]["user"] is None
    assert client.get("/api/v1/agreements/NB-1/history/").status_code == 200


def test_throttling_answers_429_with_retry_after(
    api, token_client, users, small_agenda, monkeypatch
):
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"}
    )
    monkeypatch.setattr(
        UserRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"}
    )
    statuses = [api.get("/api/v1/themes/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/themes/")
    assert int(limited["Retry-After"]) > 0
    client = token_client(users["brabant_editor"])
    assert [client.get("/api/v1/themes/").status_code for _ in range(6)][-2:] == [200, 429]


def test_throttle_counts_live_in_the_shared_cache(api, db, settings, monkeypatch):
    """With CACHE_URL on Redis, every app server counts against the same throttle state:
    the counter is in Redis, not in this process."""
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        reachable = bool(client.ping())
    except redis.exceptions.ConnectionError:
        reachable = False
    require_or_skip(reachable, f"Redis at {url} is not reachable")
    client.flushdb()
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    settings.CACHES = {"default": redis_cache, "throttle": redis_cache}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert [api.get("/api/v1/themes/").status_code for _ in range(2)] == [200, 200]
    assert any(b"throttle_anon" in key for key in client.keys("*"))
    # A second "server": a fresh cache connection sees the same counter and refuses.
    caches["throttle"].close()
    assert api.get("/api/v1/themes/").status_code == 429
    client.flushdb()


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_AUTHORIZATION": "Token abc\x00def"}, {"HTTP_AUTHORIZATION": "Token " + "x" * 500}],
)
def test_malformed_tokens_are_401_not_errors(api, small_agenda, headers):
    assert api.get("/api/v1/themes/", **headers).status_code == 401


def test_nul_bytes_in_codes_are_400(token_client, users, small_agenda):
    before = snapshot()
    response = token_client(users["ministry_editor"]).post(
        "/api/v1/actions/", {"agreement": "GEN\x00", "owner": "PV30", "title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "agreement" in response.json()["errors"]
    assert snapshot() == before


def test_put_replaces_and_needs_every_required_field(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    before = snapshot()
    partial = client.put(url, {"title": "Alleen titel"}, format="json")
    assert partial.status_code == 400
    assert {"agreement", "owner"} <= set(partial.json()["errors"])
    assert snapshot() == before
    full = {
        "agreement": "GEN",
        "owner": "PV30",
        "title": "Vervangen",
        "description": "Geheel nieuw",
        "contributors": ["PV30"],
        "progress": 10,
    }
    response = client.put(url, full, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["progress"], body["version"]) == ("Vervangen", 10, 2)
    assert [c["code"] for c in body["contributors"]] == ["PV30"]


def test_history_records_many_to_many_changes_as_codes(token_client, users, small_agenda):
    """Changing an action's contributors or an agreement's regions is a recorded change, by
    whom, with the codes before and after."""
    client = token_client(users["ministry_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    client.patch(url, {"contributors": ["BOM", "PV31"]}, format="json")
    client.patch(url, {"contributors": ["BOM"]}, format="json")
    entries = client.get(url + "history/").json()["results"]
    changes = [c for e in entries for c in e["changes"] if c["field"] == "contributors"]
    assert changes[0] == {"field": "contributors", "old": ["BOM", "PV31"], "new": ["BOM"]}
    assert entries[0]["user"] == "ez"
    client.patch("/api/v1/agreements/NB-1/", {"regions": ["GM0772"]}, format="json")
    agreement_entries = client.get("/api/v1/agreements/NB-1/history/").json()["results"]
    regions = [c for e in agreement_entries for c in e["changes"] if c["field"] == "regions"]
    assert regions[0] == {"field": "regions", "old": ["PV30"], "new": ["GM0772"]}


def test_if_match_star_means_any_version(token_client, users, small_agenda):
    client = token_client(users["brabant_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    response = client.patch(
        url, {"title": "Wat de versie ook is"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_history_queries_do_not_grow_with_its_length(
    api, users, parties, small_agenda, django_assert_max_num_queries
):
    """Long histories (changed fields, owners, contributors) cost the same few queries."""
    from actions.services import action_update

    action = small_agenda["own_action"]
    url = f"/api/v1/actions/{action.pk}/history/"

    def grow_to(n):
        nonlocal action
        while action.history.count() < n:
            action = action_update(
                action=action,
                user=users["ministry_editor"],
                title=f"Titel {action.version}",
                owner=parties["PV31"] if action.version % 2 else parties["PV30"],
                contributors=[parties["BOM"]] if action.version % 3 else [],
            )

    grow_to(5)
    with django_assert_max_num_queries(20) as short:
        entries = api.get(url).json()["results"]
    assert len(entries) == 5
    owners = [c for e in entries for c in e["changes"] if c["field"] == "owner"]
    assert {c["new"] for c in owners} <= {"PV30", "PV31"}
    grow_to(20)
    with django_assert_max_num_queries(len(short.captured_queries)):
        assert api.get(url).json()["count"] == 20
