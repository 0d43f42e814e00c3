"""Every operation shows an example of its request body and its answer (config/api/examples.json,
recorded by scripts/api_examples.py), and every example is what the schema says, exactly: no
field missing, none the schema does not know. Their codes are the reference data's."""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.paths import ROOT

pytestmark = pytest.mark.django_db

EXAMPLE_WRITES = {"VOORBEELD-1", "VOORBEELD-A1"}  # what the recorded writes make (rolled back)


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get("/api/v1/schema/?format=json").content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def json_bodies(operation):
    """(where, media type object) of each JSON body: the request, the success answers."""
    request = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if request:
        yield "request", request
    for status, response in operation["responses"].items():
        body = response.get("content", {}).get("application/json")
        if status in ("200", "201") and body:
            yield status, body


def closed(components):
    """The components with `additionalProperties: false` on every object that lists its
    properties: an example with a field the schema does not declare is then invalid."""
    components = copy.deepcopy(components)
    for component in components["schemas"].values():
        if component.get("type") == "object" and "properties" in component:
            component.setdefault("additionalProperties", False)
    return components


def test_every_operation_shows_its_bodies_by_example(schema):
    missing = [
        f"{name} {where}"
        for name, operation in operations(schema)
        for where, body in json_bodies(operation)
        if "reference" not in body.get("examples", {})
    ]
    assert not missing
    assert sum(1 for _ in operations(schema)) == 27


def test_every_example_is_exactly_what_the_schema_says(schema):
    components = closed(schema["components"])
    checked = 0
    for name, operation in operations(schema):
        for where, body in json_bodies(operation):
            validator = Draft202012Validator({**body["schema"], "components": components})
            example = body["examples"]["reference"]["value"]
            errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(example)]
            assert not errors, (name, where, errors[:3])
            checked += 1
    assert checked > 27  # the writes show a request and an answer


def test_a_wrong_example_is_caught(schema):
    """The check above can fail: an action without its title, or with a field of its own."""
    components = closed(schema["components"])
    body = schema["paths"]["/api/v1/actions/{id}/"]["get"]["responses"]["200"]["content"]
    validator = Draft202012Validator(
        {**body["application/json"]["schema"], "components": components}
    )
    example = body["application/json"]["examples"]["reference"]["value"]
    assert validator.is_valid(example)
    assert not validator.is_valid({k: v for k, v in example.items() if k != "title"})
    assert not validator.is_valid({**example, "invented": 1})


def codes_in(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "code" and isinstance(inner, str):
                yield inner
            yield from codes_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from codes_in(inner)


def test_the_examples_codes_are_the_reference_datas():
    fixtures = set()
    for path in Path(ROOT, "fixtures").glob("*.json"):
        fixtures |= set(codes_in(json.loads(path.read_text(encoding="utf-8"))))
    recorded = json.loads((Path(ROOT) / "config" / "api" / "examples.json").read_text())
    shown = set(codes_in(recorded))
    assert shown
    assert shown - fixtures <= EXAMPLE_WRITES, shown - fixtures
