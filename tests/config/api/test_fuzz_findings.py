"""What the fuzzer (scripts/fuzz) found, each pinned: the schema's word holds for empty and
mistyped paging and format parameters, for filters sent empty, and for stray cookies on
paths that match no endpoint."""

import pytest
from django.test import Client

from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

LISTS = ["/api/v1/actions/", "/api/v1/themes/", "/api/v1/goals/", "/api/v1/reviews/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("export", [None, "csv", "xlsx"])
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": ""}, 404),
        ({"page": "null"}, 404),
        ({"page": "²"}, 404),
        ({"page_size": ""}, 400),
        ({"page_size": "null"}, 400),
        ({"page_size": "true"}, 400),
        ({"page_size": "²"}, 400),
        ({"page_size": "0"}, 400),
        ({"page_size": "9" * 30}, 200),
        ({"page": "1", "page_size": "2"}, 200),
    ],
)
def test_paging_parameters_are_what_the_schema_says(
    api, small_agenda, path, export, params, status
):
    """An export is the whole list, but its paging parameters are checked all the same."""
    query = {**params, **({"format": export} if export else {})}
    response = api.get(path, query)
    assert response.status_code == status, response.content[:200]


def test_an_empty_format_is_not_acceptable(api, small_agenda):
    assert api.get("/api/v1/themes/", {"format": ""}).status_code == 406


def test_every_filter_sent_empty_is_no_filter(api, small_agenda):
    """The schema declares `allowEmptyValue` on every filter: an empty value filters nothing."""
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    checked = 0
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        full = api.get(path).json()
        for parameter in operations["get"].get("parameters", []):
            if parameter.get("allowEmptyValue"):
                response = api.get(path, {parameter["name"]: ""})
                assert response.status_code == 200, (path, parameter["name"], response.content)
                assert response.json()["count"] == full["count"], (path, parameter["name"])
                checked += 1
    assert checked > 30


@pytest.mark.parametrize("method", ["delete", "post", "put", "patch"])
def test_a_stray_cookie_on_no_endpoint_is_a_json_404(db, method):
    """Not Django's HTML CSRF page: the catch-all of /api/ is CSRF-exempt like the API."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "stray"
    response = getattr(client, method)("/api/v1/actions/%C2%84/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("link", [{"role": "signatory"}, {"party": "PV30"}, {}])
def test_a_party_link_without_its_party_or_role_is_a_400_in_a_patch_too(
    token_client, users, small_agenda, link
):
    """Found by the fuzz from the schema's examples: a PATCH whose `parties` item lacked
    `party` was a 500 (a partial update let the nested field be left out)."""
    from agenda.models import Agreement

    client = token_client(users["superuser"])
    before = Agreement.objects.get(code="GEN").version
    response = client.patch(
        "/api/v1/agreements/GEN/", {"title": "x", "parties": [link]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "parties" in response.json()["errors"]
    assert Agreement.objects.get(code="GEN").version == before


@pytest.mark.parametrize("key", ["v\x7fh\x9a", "¾aúLm-\x8eï", "met spatie", "a;b"])
def test_a_key_outside_the_code_alphabet_is_a_400(api, small_agenda, key):
    """No row can have such a code (config.models.validate_code); the schema says the
    alphabet, and the server refuses what the schema refuses (the fuzz found `?code=` with
    control characters accepted)."""
    response = api.get("/api/v1/themes/", {"code": key})
    assert response.status_code == 400
    assert "code" in response.json()["errors"]
    assert api.get("/api/v1/themes/", {"code": "mit,NOPE"}).status_code == 200


@pytest.mark.parametrize("value", [{}, {"PV30": 1}, "PV30"])
def test_a_list_field_given_something_else_is_a_400(token_client, users, small_agenda, value):
    """Found by the fuzz: `"regions": {}` was read as "no regions" (DRF iterates a dict)."""
    from agenda.models import Agreement

    client = token_client(users["superuser"])
    before = Agreement.objects.get(code="NB-1").version
    response = client.patch("/api/v1/agreements/NB-1/", {"regions": value}, format="json")
    assert response.status_code == 400, response.content
    assert "regions" in response.json()["errors"]
    assert Agreement.objects.get(code="NB-1").version == before
