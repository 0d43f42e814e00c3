"""Writes config/api/examples.json: for every operation of the API, a real request body and the
answer the registry gave, on the reference data (fixtures/, loaded into a temporary SQLite).
The schema shows them as each operation's example (config/api/schema.py, `attach_examples`).

    .venv/bin/python scripts/api_examples.py        # after a change of what the API answers

Reads are what `make run` serves. Writes run as a ministry editor inside a transaction that
is rolled back; their bodies use the reference data's own codes, and their free text says it
is an example. Lists are cut to two rows (`page_size=2`); the host is `make run`'s.
tests/config/api/test_schema_examples.py checks every example against the schema."""

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "examples-only")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/examples.sqlite3"
os.environ["AGENDA_SNAPSHOT_DATE"] = ""
os.environ["DEBUG"] = "on"  # as `make run` serves it: plain http on loopback

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

TARGET = ROOT / "config" / "api" / "examples.json"
HOST = "127.0.0.1:8000"  # make run
LIST_SIZE = 2


class Examples:
    def __init__(self):
        self.client = APIClient(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en")
        self.found = {}

    def read(self, path, template=None, paged=True, **query):
        response = self.client.get(path, {"page_size": LIST_SIZE, **query} if paged else None)
        assert response.status_code == 200, (path, response.status_code, response.content)
        self.found[f"GET {template or path}"] = {"response": response.json()}
        return response.json()

    def write(self, method, path, template, body=None):
        etag = self.client.get(path)["ETag"] if method in ("PUT", "PATCH", "DELETE") else None
        headers = {"HTTP_IF_MATCH": etag} if etag else {}
        response = getattr(self.client, method.lower())(path, body, format="json", **headers)
        assert response.status_code in (200, 201, 204), (path, response.content)
        example = {} if body is None else {"request": body}
        if response.status_code != 204:
            example["response"] = response.json()
        self.found[f"{method} {template}"] = example
        return response


def first(examples, path, **query):
    return examples.read(path, **query)["results"][0]


def collect():
    examples = Examples()
    api = "/api/v1"
    for name, key in [
        ("regions", "code"),
        ("themes", "code"),
        ("parties", "code"),
        ("goals", "code"),
        ("reviews", "id"),
    ]:
        row = first(examples, f"{api}/{name}/")
        examples.read(f"{api}/{name}/{row[key]}/", f"{api}/{name}/{{{key}}}/", paged=False)
    action = first(examples, f"{api}/actions/")
    code = action["agreement"]["code"]
    examples.read(f"{api}/agreements/", status="active")
    examples.read(f"{api}/agreements/{code}/", f"{api}/agreements/{{code}}/", paged=False)
    agreement = examples.found[f"GET {api}/agreements/{{code}}/"]["response"]
    examples.read(f"{api}/agreements/{code}/history/", f"{api}/agreements/{{code}}/history/")
    one = f"{api}/actions/{action['id']}/"
    examples.read(one, f"{api}/actions/{{id}}/", paged=False)
    examples.read(f"{one}history/", f"{api}/actions/{{id}}/history/")
    examples.read(f"{one}updates/", f"{api}/actions/{{id}}/updates/")
    examples.read(f"{api}/changes/", since="2016-06-01T00:00:00Z")

    editor = get_user_model().objects.create_superuser("voorbeeld", password=None)
    examples.client.force_authenticate(editor)
    with transaction.atomic():
        region = agreement["regions"][0]["code"] if agreement["regions"] else None
        new_agreement = {
            "code": "VOORBEELD-1",
            "title": "Voorbeeld: een afspraak",
            "theme": agreement["theme"]["code"],
            "scope": "regional" if region else "generic",
            "regions": [region] if region else [],
        }
        examples.write("POST", f"{api}/agreements/", f"{api}/agreements/", new_agreement)
        changed = {**new_agreement, "title": "Voorbeeld: de afspraak, herzien"}
        url = f"{api}/agreements/VOORBEELD-1/"
        examples.write("PUT", url, f"{api}/agreements/{{code}}/", changed)
        patch = {"title": "Voorbeeld: de afspraak, nog eens herzien"}
        examples.write("PATCH", url, f"{api}/agreements/{{code}}/", patch)
        new_action = {
            "agreement": code,
            "code": "VOORBEELD-A1",
            "owner": action["owner"]["code"],
            "title": "Voorbeeld: een actie",
        }
        created = examples.write("POST", f"{api}/actions/", f"{api}/actions/", new_action)
        url = f"{api}/actions/{created.json()['id']}/"
        replaced = {**new_action, "title": "Voorbeeld: de actie, herzien", "progress": 10}
        examples.write("PUT", url, f"{api}/actions/{{id}}/", replaced)
        examples.write("PATCH", url, f"{api}/actions/{{id}}/", {"status": "in_progress"})
        update = {"progress": 20, "note": "Voorbeeld: een voortgangsnotitie"}
        examples.write("POST", f"{url}updates/", f"{api}/actions/{{id}}/updates/", update)
        examples.write("DELETE", url, f"{api}/actions/{{id}}/")
        examples.write("DELETE", f"{api}/agreements/VOORBEELD-1/", f"{api}/agreements/{{code}}/")
        transaction.set_rollback(True)
    return examples.found


def main():
    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")))
    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    found = collect()
    TARGET.write_text(json.dumps(found, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(found)} operations' examples written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
