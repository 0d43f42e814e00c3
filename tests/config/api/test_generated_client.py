"""A partner generates a typed client from the live schema (openapi-python-client) and uses
it against a running server: lists and pages, reads history, and PATCHes with If-Match, with
no workaround. If the schema does not say what the server does, this breaks."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from actions.models import Action
from agenda.services import api_token_create
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def generated_client(client, tmp_path, db):
    """The package openapi-python-client writes for /api/v1/schema/, importable."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(client.get("/api/v1/schema/?format=json").content)
    target = tmp_path / "generated" / "mkb_client"
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(target),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(target.parent))
    try:
        yield lambda name: importlib.import_module(f"mkb_client.{name}")
    finally:
        sys.path.remove(str(target.parent))
        for name in [n for n in sys.modules if n.startswith("mkb_client")]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_generated_client_lists_pages_reads_history_and_writes(
    generated_client, live_server, tree, parties, users
):
    ThemeFactory(code="MIT")
    agreement = AgreementFactory(code="GEN")
    for n in range(3):
        ActionFactory(
            code=f"A-{n}", agreement=agreement, owner=parties["PV30"], region=tree["PV30"]
        )
    token = api_token_create(user=users["brabant_editor"])[1]
    api = generated_client("client")
    client = api.AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token")
    actions_list = generated_client("api.actions.actions_list")
    first = actions_list.sync(client=client, page_size=2, owner=["PV30"])
    assert first.count == 3
    assert len(first.results) == 2
    assert "page=2" in first.next_
    second = actions_list.sync(client=client, page_size=2, page=2, owner=["PV30"])
    assert [a.code for a in first.results + second.results] == ["A-0", "A-1", "A-2"]

    action_id = first.results[0].id
    retrieve = generated_client("api.actions.actions_retrieve")
    read = retrieve.sync_detailed(id=action_id, client=client)
    etag = read.headers["etag"]
    assert read.parsed.region.code == "PV30"

    update = generated_client("api.actions.actions_partial_update")
    models = generated_client("models")
    body = models.PatchedActionWriteRequest(title="Via de client", region=None, progress=30)
    written = update.sync_detailed(id=action_id, client=client, body=body, if_match=etag)
    assert written.status_code == 200, written.content
    assert (written.parsed.title, written.parsed.region) == ("Via de client", None)
    stored = Action.objects.get(pk=action_id)
    assert (stored.title, stored.region, stored.progress) == ("Via de client", None, 30)
    stale = update.sync_detailed(id=action_id, client=client, body=body, if_match=etag)
    assert stale.status_code == 412
    assert stale.headers["etag"] == written.headers["etag"]

    history = generated_client("api.actions.actions_history_list").sync(id=action_id, client=client)
    assert history.count == 2
    assert history.results[0].user == "brabant"
    assert {c["field"] for c in history.results[0].changes} == {"title", "region", "progress"}
