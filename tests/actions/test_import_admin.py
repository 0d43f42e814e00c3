"""The import in the admin: upload on the action list → preview (per row: new, changed with
old → new, unchanged, error) → confirm, scoped to the editor. The confirmation re-validates
the stored upload; it never takes rows from the browser."""

import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from actions import admin_import, import_jobs
from actions.models import Action, ImportUpload
from actions.services import action_update
from tests.actions.conftest import (
    admin_export,
    build_people_and_import_world,
    edit_xlsx,
    row_of,
    state,
    xlsx_rows,
)
from tests.datasets import dataset_parts, shared_dataset
from tests.jobs.conftest import run_jobs

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_import_world)
tree, parties, users, small_agenda, import_world = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda", "import_world"
)

pytestmark = pytest.mark.django_db

IMPORT = "/admin/actions/action/import/"
CONFIRM = "/admin/actions/action/import/confirm/"


def settle(client, response):
    """The page a person ends on: a job started by the request is run by the worker (in this
    process), then its page leads to the outcome."""
    if response.status_code != 302:
        return response
    if response["Location"].startswith("/jobs/"):
        run_jobs()
    return client.get(response["Location"], follow=True)


def upload(client, data, name="acties.xlsx"):
    return settle(client, client.post(IMPORT, {"file": SimpleUploadedFile(name, data)}))


def confirm(client, token):
    return settle(client, client.post(CONFIRM, {"token": token}))


def token_of(response):
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def edited(client, users, import_world):
    """The editor's export with the own action's progress at 70 and the own regional action
    moved to "risico" with a note."""
    editor = users["brabant_editor"]
    data = admin_export(client, "xlsx", editor)
    rows = xlsx_rows(data)[1]
    own, regional = import_world["own_action"], import_world["own_regional"]
    return edit_xlsx(
        data,
        {
            (row_of(rows, own), "Voortgang (%)"): 70,
            (row_of(rows, regional), "Status"): "at_risk",
            (row_of(rows, regional), "Toelichting"): "Subsidie onzeker",
        },
    )


def test_editors_see_the_import_button_readers_do_not(client, users, import_world):
    client.force_login(users["brabant_editor"])
    page = client.get("/admin/actions/action/").content.decode()
    assert f'href="{IMPORT}"' in page
    assert "Importeren uit Excel of CSV" in page
    assert client.get(IMPORT).status_code == 200
    client.force_login(users["brabant_viewer"])
    assert f'href="{IMPORT}"' not in client.get("/admin/actions/action/").content.decode()
    assert client.get(IMPORT).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_upload_preview_confirm(client, users, import_world, edited):
    """The preview lists each changed row with old → new per field and saves nothing; the
    confirmation saves exactly that, as the editor, and says so."""
    client.force_login(users["brabant_editor"])
    before = state()

    preview = upload(client, edited)

    assert preview.status_code == 200
    text = text_of(preview)
    assert "3 rijen gelezen" in text
    assert "2 gewijzigd" in text
    assert "0 ongewijzigd" in text
    assert "1 overgeslagen" in text  # another province's row, left as exported
    assert "1 rij is van een actie die u niet mag wijzigen" in text
    assert "Voortgang (%) : 40 → 70" in text
    assert "Status : in uitvoering → risico" in text
    assert "Er is nog niets opgeslagen." in text
    assert state() == before
    token = token_of(preview)
    assert token

    done = confirm(client, token)

    assert done.redirect_chain[-1][0] == "/admin/actions/action/"
    assert (
        "Geïmporteerd uit acties.xlsx: 0 nieuw, 2 gewijzigd, 0 ongewijzigd. Overgeslagen, als "
        "rijen van acties die u niet mag wijzigen: 1." in text_of(done)
    )
    own = Action.objects.get(pk=import_world["own_action"].pk)
    regional = Action.objects.get(pk=import_world["own_regional"].pk)
    assert (own.progress, regional.status) == (70, "at_risk")
    assert own.history.first().history_user.username == "brabant"
    assert regional.updates.first().note == "Subsidie onzeker"
    assert ImportUpload.objects.count() == 0
    # The same token again: the upload is gone, nothing happens.
    again = confirm(client, token)
    assert "Dit voorbeeld is verlopen of onbekend" in text_of(again)


def test_a_file_with_errors_shows_them_and_offers_no_confirmation(
    client, users, import_world, parties
):
    client.force_login(users["brabant_editor"])
    data = admin_export(client, "xlsx", users["brabant_editor"])
    rows = xlsx_rows(data)[1]
    other = row_of(rows, import_world["other_action"])
    bad = edit_xlsx(data, {(0, "Deadline"): "ooit", (other, "Titel"): "Van Brabant"})
    before = state()

    preview = upload(client, bad)

    text = text_of(preview)
    assert "2 rijen hebben fouten. Er is niets opgeslagen" in text
    assert "Rij Kolom Reden" in text
    assert "2 U Deadline “ooit” is geen datum" in text
    # At the column that was changed, saying whose action it is and what to do.
    owner, own = import_world["other_action"].owner.name, parties["PV30"].name
    assert (
        f"{other + 2} H Titel Deze actie is van {owner} (Noord-Holland). "
        f"U wijzigt de acties van {own} en de acties in Noord-Brabant. "
        "(gewijzigd: titel) Laat de rij staan zoals die is geëxporteerd, of haal hem uit het "
        "bestand." in text
    )
    assert token_of(preview) is None
    assert state() == before


def test_a_file_that_is_no_spreadsheet(client, users, import_world):
    client.force_login(users["brabant_editor"])
    preview = upload(client, b"%PDF-1.4 ...", "notulen.pdf")
    text = text_of(preview)
    assert "Dit bestand kan niet worden geïmporteerd. Er is niets opgeslagen." in text
    assert "Dit is een pdf, geen spreadsheet." in text
    assert token_of(preview) is None


def test_an_unchanged_file_changes_nothing(client, users, import_world):
    client.force_login(users["brabant_editor"])
    preview = upload(client, admin_export(client, "xlsx", users["brabant_editor"]))
    assert "Het bestand wijzigt niets" in text_of(preview)
    assert token_of(preview) is None


def test_the_upload_has_a_size_limit(client, users, import_world, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_BYTES", 1000)
    client.force_login(users["brabant_editor"])
    response = upload(client, b"id;title\n" + b";x\n" * 1000, "groot.csv")
    text = text_of(response).replace("\xa0", " ")
    assert "Het bestand is 2,9 KB; de grens is 1000 bytes." in text
    assert ImportUpload.objects.count() == 0


def test_the_confirmation_trusts_no_token_but_its_own(client, users, import_world, edited):
    """A forged, altered or someone else's token confirms nothing."""
    client.force_login(users["brabant_editor"])
    token = token_of(upload(client, edited))
    stored = ImportUpload.objects.get()
    before = state()
    forged = [
        "",
        token[:-2] + "xx",
        signing.dumps({"upload": stored.pk, "user": stored.user_id, "digest": "0"}, salt="other"),
    ]
    for bad in forged:
        response = confirm(client, bad)
        assert "Dit voorbeeld is verlopen of onbekend" in text_of(response)
    client.force_login(users["ministry_editor"])
    response = confirm(client, token)
    assert "Dit voorbeeld is verlopen of onbekend" in text_of(response)
    assert client.get(CONFIRM).status_code == 405
    assert state() == before


def test_an_expired_preview_confirms_nothing(client, users, import_world, edited, monkeypatch):
    client.force_login(users["brabant_editor"])
    token = token_of(upload(client, edited))
    monkeypatch.setattr(admin_import, "PREVIEW_MAX_AGE", -1)
    before = state()
    response = confirm(client, token)
    assert "Dit voorbeeld is verlopen of onbekend" in text_of(response)
    assert state() == before


def test_confirming_validates_again_against_the_registry_of_now(
    client, users, import_world, edited
):
    """Someone changes an action between preview and confirmation: the stored file is checked
    again, its stale row refused, nothing saved."""
    client.force_login(users["brabant_editor"])
    token = token_of(upload(client, edited))
    action_update(action=import_world["own_action"], user=users["ministry_editor"], title="Nu")
    before = state()
    response = confirm(client, token)
    text = text_of(response)
    assert "de actie is na uw export gewijzigd (door ez" in text
    assert state() == before


def test_confirming_shows_a_new_preview_when_the_outcome_changed(client, users, import_world):
    """Without a version column nothing is stale, but the outcome differs from the preview
    (someone set the same progress meanwhile): nothing is saved, the new preview is shown."""
    own = import_world["own_action"]
    client.force_login(users["brabant_editor"])
    data = f"id;progress\n{own.pk};70\n".encode()
    token = token_of(upload(client, data, "voortgang.csv"))
    action_update(action=own, user=users["ministry_editor"], progress=55)
    before = state()
    response = confirm(client, token)
    text = text_of(response)
    assert "De acties zijn gewijzigd sinds het voorbeeld" in text
    assert "Voortgang (%) : 55 → 70" in text
    assert state() == before
    new_token = token_of(response)
    assert new_token
    assert new_token != token
    confirm(client, new_token)
    own.refresh_from_db()
    assert own.progress == 70


def test_old_uploads_are_cleared(client, users, import_world, edited):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(users["brabant_editor"])
    upload(client, edited)
    ImportUpload.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(client, edited)
    assert ImportUpload.objects.count() == 1


def test_the_admin_takes_fewer_rows_than_the_command_line(client, users, import_world, monkeypatch):
    monkeypatch.setattr(import_jobs, "ADMIN_MAX_ROWS", 2)
    client.force_login(users["brabant_editor"])
    preview = upload(client, admin_export(client, "xlsx", users["brabant_editor"]))
    text = text_of(preview)
    assert "Het bestand heeft meer dan 2 rijen" in text
    assert "manage.py import_actions" in text


def test_the_admin_takes_as_many_rows_as_the_command_line_by_default(
    client, users, import_world, monkeypatch
):
    """Preview and import are jobs: the admin's limit is the command line's, and the message
    at the limit sends nobody to a command line that would refuse the file too."""
    from actions.importing import importer

    assert import_jobs.ADMIN_MAX_ROWS == importer.MAX_ROWS == 20_000
    monkeypatch.setattr(import_jobs, "ADMIN_MAX_ROWS", 2)
    monkeypatch.setattr(import_jobs, "MAX_ROWS", 2)
    client.force_login(users["brabant_editor"])
    text = text_of(upload(client, admin_export(client, "xlsx", users["brabant_editor"])))
    assert "Het bestand heeft meer dan 2 rijen" in text
    assert "manage.py import_actions" not in text


def test_stored_uploads_have_a_per_user_quota(client, users, import_world, edited, monkeypatch):
    """Two uploads waiting for confirmation at most (here): the third is refused with a Dutch
    message and nothing stored; once a preview has expired, its upload is deleted and room is
    made. Other users have their own quota."""
    from datetime import timedelta

    from django.utils import timezone

    from actions.importing import uploads

    monkeypatch.setattr(uploads, "UPLOADS_PER_USER", 2)
    client.force_login(users["brabant_editor"])
    assert token_of(upload(client, edited))
    assert token_of(upload(client, edited))
    refused = upload(client, edited)
    text = text_of(refused)
    assert "U heeft 2 geüploade bestanden" in text, text
    assert "meer zijn dan 2 bestanden" in text
    assert "Er is niets opgeslagen." in text
    assert token_of(refused) is None
    assert ImportUpload.objects.count() == 2
    client.force_login(users["superuser"])
    upload(client, edited)
    assert ImportUpload.objects.filter(user=users["superuser"]).count() == 1
    client.force_login(users["brabant_editor"])
    oldest = ImportUpload.objects.filter(user=users["brabant_editor"]).order_by("pk").first()
    ImportUpload.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() - timedelta(seconds=admin_import.PREVIEW_MAX_AGE + 1)
    )
    assert token_of(upload(client, edited))
    assert not ImportUpload.objects.filter(pk=oldest.pk).exists()


def test_stored_uploads_have_a_per_user_byte_quota(
    client, users, import_world, edited, monkeypatch
):
    from actions.importing import uploads

    monkeypatch.setattr(uploads, "UPLOAD_BYTES_PER_USER", len(edited) + 10)
    client.force_login(users["brabant_editor"])
    assert token_of(upload(client, edited))
    text = text_of(upload(client, edited))
    assert "U heeft 1 geüploade bestanden" in text, text
    assert ImportUpload.objects.count() == 1
    assert ImportUpload.objects.filter(user=users["brabant_editor"]).count() == 1
