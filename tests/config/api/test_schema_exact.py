"""The schema says exactly what the server does: a semantic version (and the same in every
answer's `API-Version`), every always-sent field required, `ordering` a list of strings sent
comma-separated, only the parameters an endpoint accepts, typed file responses."""

import json
import re
import runpy
from urllib.parse import urlencode

import pytest

from config.spreadsheets.writing import XLSX_TYPE

pytestmark = pytest.mark.django_db

SEMVER = re.compile(r"\d+\.\d+\.\d+")


@pytest.fixture
def schema(client):
    return json.loads(client.get("/api/v1/schema/?format=json").content)


def test_the_version_is_semantic_and_every_answer_says_it(api, schema, small_agenda):
    version = schema["info"]["version"]
    assert SEMVER.fullmatch(version), version
    for url, status in [
        ("/api/v1/", 200),
        ("/api/v1/actions/", 200),
        ("/api/v1/actions/?nonsense=1", 400),
        ("/api/v1/actions/999999/", 404),
        ("/api/v1/nowhere/", 404),
    ]:
        response = api.get(url)
        assert response.status_code == status, url
        assert response["API-Version"] == version, url
    etag = api.get("/api/v1/themes/")["ETag"]
    not_modified = api.get("/api/v1/themes/", HTTP_IF_NONE_MATCH=etag)
    assert (not_modified.status_code, not_modified["API-Version"]) == (304, version)


def test_every_response_field_is_required(schema):
    """The server always sends every field (null where there is no value)."""
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request") or "properties" not in component:
            continue
        assert set(component.get("required", [])) == set(component["properties"]), name


def test_ordering_is_a_comma_separated_list_of_strings(api, schema, small_agenda):
    parameter = next(
        p
        for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]
        if p["name"] == "ordering"
    )
    assert parameter["schema"]["type"] == "array"
    assert parameter["schema"]["items"]["type"] == "string"
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    response = api.get("/api/v1/actions/?ordering=-code,title")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == sorted(codes, reverse=True)


def query_parameters(operation):
    return [p for p in operation.get("parameters", []) if p["in"] == "query"]


def test_history_and_updates_declare_only_paging(schema):
    for path, item in schema["paths"].items():
        if path.endswith(("/history/", "/updates/")):
            names = {p["name"] for p in query_parameters(item["get"])}
            assert names <= {"page", "page_size", "format"}, (path, names)


def test_every_declared_query_parameter_is_accepted(api, schema, small_agenda):
    """No parameter the schema offers is refused as unknown (a 400 naming it)."""
    keys = {"{id}": str(small_agenda["own_action"].pk), "{code}": "GEN"}
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        url = path
        for placeholder, value in keys.items():
            url = url.replace(placeholder, value)
        if "/changes/" in url:
            url += "?since=2016-01-01&"
        else:
            url += "?"
        for parameter in query_parameters(operation):
            name = parameter["name"]
            if name in ("since", "format"):
                continue
            response = api.get(f"{url}{name}=", HTTP_ACCEPT_LANGUAGE="en")
            errors = response.json().get("errors", {}) if response.status_code == 400 else {}
            assert errors.get(name) != ["Unknown parameter."], (path, name)


def test_file_responses_are_typed(schema):
    content = schema["paths"]["/api/v1/actions/"]["get"]["responses"]["200"]["content"]
    assert content[XLSX_TYPE]["schema"]["type"] == "string"
    assert content[XLSX_TYPE]["schema"]["format"] == "binary"
    assert content["text/csv"]["schema"]["type"] == "string"
    assert content["text/csv"]["schema"]["contentMediaType"] == "text/csv"


def longest_value(schema):
    """The longest query value a parameter's schema allows, as sent (repeated for arrays)."""
    if schema.get("type") == "array":
        item = longest_value(schema["items"])
        return [item[0]] * schema.get("maxItems", 1)
    if schema.get("type") == "integer":
        return ["9" * 18]
    return ["x" * schema.get("maxLength", 60)]


def test_the_longest_documented_query_reaches_the_application(schema):
    """gunicorn refuses a longer request line with an HTML 414 before the API sees it: every
    parameter at its documented maximum must fit in `limit_request_line`."""
    limit = runpy.run_path("gunicorn.conf.py")["limit_request_line"]
    longest = 0
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] != "query":
                continue
            values = longest_value(parameter["schema"])
            line = f"GET {path}?{urlencode({parameter['name']: values}, doseq=True)} HTTP/1.1"
            longest = max(longest, len(line))
    assert 6000 < longest <= limit, (longest, limit)


KEBAB_SEGMENT = re.compile(r"[a-z0-9-]+|\{[a-z_]+\}")
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")


def test_the_api_design_rules_that_apply_hold(schema):
    """Logius' NL API Design Rules, as their linter checks them, where the registry follows
    them (README, 'API': trailing slashes and the error body are the DESIGN.md contract):
    OpenAPI 3, a semantic version, `API-Version` declared on every 2xx and 3xx answer,
    kebab-case path segments, UpperCamelCase schema names."""
    assert re.fullmatch(r"3\.\d+\.\d+", schema["openapi"])
    undeclared = [
        (path, method, status)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "23" and "API-Version" not in response.get("headers", {})
    ]
    assert not undeclared
    for path in schema["paths"]:
        segments = path.strip("/").split("/")
        assert all(KEBAB_SEGMENT.fullmatch(segment) for segment in segments), path
    assert all(PASCAL.fullmatch(name) for name in schema["components"]["schemas"])


def test_a_delete_answers_with_the_version_too(token_client, users, small_agenda, schema):
    client = token_client(users["superuser"])
    response = client.delete(f"/api/v1/actions/{small_agenda['own_action'].pk}/")
    assert response.status_code == 204
    assert response["API-Version"] == schema["info"]["version"]


def test_the_schema_is_built_once_per_process(client, db, monkeypatch):
    """Built per request, the schema cost half a second of CPU each time: anyone could keep
    the workers busy with it. It is built once, and the same for everyone."""
    from drf_spectacular.generators import SchemaGenerator

    from config.api import root

    monkeypatch.setattr(root, "BUILT_SCHEMAS", {})
    built = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        built.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    first = client.get("/api/v1/schema/?format=json")
    again = client.get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE="nl")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert len(built) == 1
