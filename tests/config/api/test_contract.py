"""The API as a contract partners' tools rely on: strict input, repeated parameters, stable
ordering and cursors, conditional requests, CORS, JSON errors everywhere, UTC timestamps, the
sync feed, and a schema that describes all of it (every response of the suite is validated
against it by the autouse fixture in tests/conftest.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from actions.models import Action
from actions.services import action_create, action_delete, action_update
from agenda.services import agreement_update
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


# --- strict input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/actions/?statuss=done", "statuss"),
        ("/api/v1/agreements/?updated_sinse=2016-01-01", "updated_sinse"),
        ("/api/v1/regions/PV30/?kind=province", "kind"),
        ("/api/v1/agreements/GEN/history/?q=x", "q"),
    ],
)
def test_unknown_query_parameters_are_400_naming_them(api, small_agenda, path, param):
    response = api.get(path)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [param]


def test_repeated_list_parameters_mean_any_of(api, small_agenda):
    """`status=done&status=planned` is `status=done,planned`, never silently the last."""
    Action.objects.filter(code="OWN").update(status="in_progress")
    repeated = api.get("/api/v1/actions/?status=planned&status=in_progress").json()
    comma = api.get("/api/v1/actions/?status=planned,in_progress").json()
    codes = {a["code"] for a in repeated["results"]}
    assert codes == {a["code"] for a in comma["results"]} == {"OWN", "OWN-REG", "OTHER"}
    only = api.get("/api/v1/actions/?status=in_progress").json()
    assert {a["code"] for a in only["results"]} == {"OWN"}


def test_repeating_a_single_value_parameter_is_400(api, small_agenda):
    response = api.get("/api/v1/actions/?overdue=true&overdue=false")
    assert response.status_code == 400
    assert "overdue" in response.json()["errors"]


def test_codes_match_regardless_of_case(api, small_agenda):
    lower = api.get("/api/v1/actions/?owner=pv30").json()
    assert {a["code"] for a in lower["results"]} == {"OWN"}
    assert api.get("/api/v1/agreements/gen/").json()["code"] == "GEN"
    assert api.get("/api/v1/regions/pv30/").json()["code"] == "PV30"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progres": 50}, "progres"),
        ({"title": "x", "secret": True}, "secret"),
    ],
)
def test_unknown_body_fields_are_400_naming_them(token_client, users, small_agenda, body, field):
    action = small_agenda["own_action"]
    response = token_client(users["ministry_editor"]).patch(
        f"/api/v1/actions/{action.pk}/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    action.refresh_from_db()
    assert action.version == 1


def test_bodies_are_json_only(token_client, users, small_agenda):
    """A form or multipart body is a 415, never read as something else ("None" as text)."""
    client = token_client(users["ministry_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    for response in [
        client.patch(url, {"title": "x"}, format="multipart"),
        client.generic("PATCH", url, "title=x", content_type="application/x-www-form-urlencoded"),
    ]:
        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"
    assert Action.objects.get(code="OWN").version == 1


def test_a_body_that_is_not_an_object_is_400(token_client, users, small_agenda):
    client = token_client(users["ministry_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    for body in ["[1, 2]", '"title"', "null", "{"]:
        response = client.generic("PATCH", url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["code"] in ("invalid", "parse_error")


# --- ordering, pages and cursors --------------------------------------------------------


def test_every_ordering_ends_with_id(api, small_agenda, parties):
    """Rows sharing a timestamp still page in one order: none skipped, none repeated."""
    agreement = small_agenda["generic"]
    for n in range(7):
        ActionFactory(code=f"SAME-{n}", agreement=agreement, owner=parties["EZ"])
    same = timezone.now() - datetime.timedelta(hours=1)
    Action.objects.update(updated_at=same)
    seen = []
    for ordering in ["updated_at", "-updated_at", "status", "progress,-due_date"]:
        seen = []
        url = f"/api/v1/actions/?ordering={ordering}&page_size=2"
        while url:
            page = api.get(url).json()
            seen += [a["id"] for a in page["results"]]
            url = page["next"]
        assert len(seen) == len(set(seen)) == Action.objects.count(), ordering
    ids = [
        a["id"]
        for a in api.get("/api/v1/actions/?ordering=updated_at&page_size=50").json()["results"]
    ]
    assert ids == sorted(ids)


def test_unknown_ordering_key_is_400(api, small_agenda):
    response = api.get("/api/v1/actions/?ordering=owner__name")
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_cursor_walk_sees_every_row_once_while_rows_change(api, small_agenda, users, parties):
    """`?cursor=`: ordered by (updated_at, id); a row changed during the walk moves to the
    end and is seen again, but no unchanged row is skipped or repeated."""
    for n in range(6):
        ActionFactory(code=f"C-{n}", agreement=small_agenda["generic"], owner=parties["EZ"])
    url = "/api/v1/actions/?cursor=&page_size=2"
    seen = []
    first = True
    while url:
        page = api.get(url).json()
        assert page["previous"] is None
        seen += [a["code"] for a in page["results"]]
        if first:
            # Someone edits a row the walk has already passed.
            action_update(
                action=Action.objects.get(code=seen[0]), user=users["superuser"], title="x"
            )
            first = False
        url = page["next"]
    assert set(seen) == set(Action.objects.values_list("code", flat=True))
    assert len(seen) == Action.objects.count() + 1  # the edited one, once more at the end
    assert seen[-1] == seen[0]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4Ijox", "W10", "%00"])
def test_a_cursor_we_did_not_give_out_is_400(api, small_agenda, cursor):
    response = api.get(f"/api/v1/actions/?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_history_and_updates_are_paginated_lists(api, token_client, users, small_agenda):
    client = token_client(users["ministry_editor"])
    url = f"/api/v1/actions/{small_agenda['own_action'].pk}/"
    for n in range(3):
        client.patch(url, {"title": f"T{n}"}, format="json")
        client.post(url + "updates/", {"note": f"n{n}"}, format="json")
    history = api.get(url + "history/?page_size=2").json()
    assert (history["count"], len(history["results"])) == (4, 2)  # created + 3 changes
    updates = api.get(url + "updates/?page_size=2&page=2").json()
    assert (updates["count"], [u["note"] for u in updates["results"]]) == (3, ["n0"])
    assert updates["results"][0]["author"] is None  # who: members only
    assert client.get(url + "updates/").json()["results"][0]["author"] == "ez"


# --- HTTP -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/agreements/GEN/", "/api/v1/agreements/", "/api/v1/regions/PV30/"]
)
def test_if_none_match_gives_304_until_the_representation_changes(api, small_agenda, users, path):
    first = api.get(path)
    etag = first["ETag"]
    assert etag.startswith('"'), "a strong ETag: the representation, byte for byte"
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    agreement_update(agreement=small_agenda["generic"], user=users["superuser"], title="Nieuw")
    from regions.models import Region

    region = Region.objects.get(code="PV30")
    region.name = "Brabant"
    region.save()
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_renaming_an_agreement_changes_its_actions(api, small_agenda, users):
    """An action's JSON shows its agreement's title: renaming the agreement moves the action's
    updated_at, its ETag, and puts it in the feed and in updated_since."""
    action = small_agenda["own_action"]
    url = f"/api/v1/actions/{action.pk}/"
    before = api.get(url)
    since = timezone.now()
    agreement_update(agreement=small_agenda["generic"], user=users["superuser"], title="Hernoemd")
    after = api.get(url)
    assert after.json()["agreement"]["name"] == "Hernoemd"
    assert after["ETag"] != before["ETag"]
    assert after.json()["updated_at"] > before.json()["updated_at"]
    stamp = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    synced = api.get("/api/v1/actions/", {"updated_since": stamp}).json()
    assert action.pk in {a["id"] for a in synced["results"]}
    feed = api.get("/api/v1/changes/", {"since": stamp}).json()["results"]
    assert {"type": "action", "key": str(action.pk), "change": "changed"} in [
        {k: c[k] for k in ("type", "key", "change")} for c in feed
    ]


def test_cors_lets_browsers_read_the_public_api(client, small_agenda):
    simple = client.get("/api/v1/regions/", HTTP_ORIGIN="https://dashboard.provincie.nl")
    assert simple["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in simple["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in simple
    preflight = client.options(
        "/api/v1/actions/",
        HTTP_ORIGIN="https://dashboard.provincie.nl",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    admin = client.get("/admin/login/", HTTP_ORIGIN="https://dashboard.provincie.nl")
    assert "Access-Control-Allow-Origin" not in admin


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nothing-here/", 404, "not_found"),
        ("get", "/api/v1/actions/abc/", 404, "not_found"),
        ("get", "/api/v1/agreements/NOPE/", 404, "not_found"),
        ("get", "/api/v1/actions/?page=999", 404, "not_found"),
        ("delete", "/api/v1/regions/PV30/", 405, "method_not_allowed"),
        ("get", "/api/v1/actions/?format=yaml", 406, "not_acceptable"),
    ],
)
def test_every_api_error_is_json_with_a_code(api, small_agenda, method, path, status, code):
    response = getattr(api, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["detail"]


def test_errors_follow_the_request_language(api, small_agenda):
    dutch = api.get("/api/v1/actions/?status=nope").json()
    english = api.get("/api/v1/actions/?status=nope", HTTP_ACCEPT_LANGUAGE="en").json()
    assert dutch["code"] == english["code"] == "invalid"
    assert "Onbekende" in dutch["errors"]["status"][0]
    assert "Unknown" in english["errors"]["status"][0]


def test_timestamps_are_utc_with_z_and_microseconds(api, small_agenda):
    action = api.get(f"/api/v1/actions/{small_agenda['own_action'].pk}/").json()
    for name in ("created_at", "updated_at"):
        assert UTC_TIMESTAMP.match(action[name]), action[name]
    history = api.get(f"/api/v1/actions/{small_agenda['own_action'].pk}/history/").json()
    assert UTC_TIMESTAMP.match(history["results"][0]["date"])
    csv_text = b"".join(api.get("/api/v1/actions/?format=csv").streaming_content).decode()
    assert re.search(r",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", csv_text)
    # What the API writes, it reads back; a `+` sent unencoded (a space) too.
    echoed = api.get("/api/v1/actions/", {"updated_since": action["updated_at"]})
    assert small_agenda["own_action"].pk in {a["id"] for a in echoed.json()["results"]}
    spaced = api.get("/api/v1/actions/?updated_since=2000-01-01T00:00:00 01:00")
    assert spaced.status_code == 200


# --- the schema -------------------------------------------------------------------------


def without_examples(value):
    if isinstance(value, dict):
        return {k: without_examples(v) for k, v in value.items() if k != "examples"}
    if isinstance(value, list):
        return [without_examples(v) for v in value]
    return value


def test_schema_is_openapi_31_in_english_with_write_bodies(api, db):
    spec = api.get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert spec["openapi"].startswith("3.1")
    patch = spec["paths"]["/api/v1/actions/{id}/"]["patch"]
    assert list(patch["requestBody"]["content"]) == ["application/json"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    properties = spec["components"]["schemas"][body]["properties"]
    assert {"agreement", "owner", "contributors", "region", "status", "note"} <= set(properties)
    names = {p["name"] for p in patch["parameters"]}
    assert "If-Match" in names
    listing = spec["paths"]["/api/v1/actions/"]["get"]
    assert {"text/csv", "application/json"} <= set(listing["responses"]["200"]["content"])
    assert "ETag" in listing["responses"]["200"]["headers"]
    assert "304" in listing["responses"]
    detail = spec["paths"]["/api/v1/actions/{id}/"]["get"]["responses"]["200"]["content"]
    assert "text/csv" not in detail
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    assert status["schema"]["items"]["enum"] == [
        "planned",
        "in_progress",
        "at_risk",
        "done",
        "cancelled",
    ]
    assert status["description"]
    text = str(without_examples(spec))  # the examples show the registry's data, in Dutch
    assert "Voortgang" not in text  # English, whatever was asked
    assert "Afspraak" not in text


def test_every_filter_has_a_description(api, db):
    spec = api.get("/api/v1/schema/?format=json").json()
    for path, operations in spec["paths"].items():
        for name, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert parameter.get("description"), (path, name, parameter["name"])


# --- the sync feed ----------------------------------------------------------------------


def test_feed_lists_created_changed_and_deleted_in_order(api, small_agenda, users, parties):
    """Each line says what to do with the key now: store it while it exists, drop it once it
    is gone (then every line about it says `deleted`)."""
    since = timezone.now()
    user = users["superuser"]
    stamp = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def feed():
        page = api.get("/api/v1/changes/", {"since": stamp, "type": "action"}).json()
        assert all(UTC_TIMESTAMP.match(c["at"]) for c in page["results"])
        return [(c["key"], c["change"]) for c in page["results"]]

    created = action_create(
        user=user, agreement=small_agenda["generic"], owner=parties["EZ"], title="N"
    )
    key = str(created.pk)
    assert feed() == [(key, "created")]
    action_update(action=created, user=user, title="N2")
    assert feed() == [(key, "created"), (key, "changed")]
    action_delete(action=Action.objects.get(pk=created.pk), user=user)
    assert feed() == [(key, "deleted")] * 3


def test_feed_never_shows_drafts_to_readers_without_a_membership(
    api, token_client, users, small_agenda
):
    draft = AgreementFactory(code="GEHEIM", status="draft")
    ActionFactory(code="IN-GEHEIM", agreement=draft)
    anonymous = api.get("/api/v1/changes/", {"since": "2000-01-01", "page_size": 500}).json()
    assert "GEHEIM" not in str(anonymous)
    member = (
        token_client(users["brabant_viewer"])
        .get("/api/v1/changes/", {"since": "2000-01-01", "page_size": 500})
        .json()
    )
    assert "GEHEIM" in {c["key"] for c in member["results"]}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "since=yesterday",
        "since=2016-01-01&type=nope",
        "since=2016-01-01&foo=1",
        "since=0915-09-15T13:36:55-16:50&cursor=x",
    ],
)
def test_feed_refuses_bad_parameters(api, small_agenda, query):
    response = api.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/actions/", "/api/v1/guide/", "/api/v1/docs/"]
)
def test_pages_for_partners_open_in_a_browser_with_their_language(client, db, path):
    page = client.get(path, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert re.search(r'<html lang="(nl|en)"', page.content.decode())


def test_the_api_root_leads_to_the_docs_the_guide_and_the_code_lists(api, db, settings):
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"
    root = api.get("/api/v1/").json()
    for name in ("docs", "schema", "guide"):
        assert api.get(root[name]).status_code == 200, name
    assert set(root["code_lists"]) == {"regions", "parties", "themes"}
    assert root["endpoints"]["changes"].endswith("/api/v1/changes/")
    assert root["reference_date"] == "2016-06-08"
