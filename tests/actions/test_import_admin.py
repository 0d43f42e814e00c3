"""The import in the admin: upload on the action list → preview (per row: new, changed with
old → new, unchanged, error) → confirm, scoped to the editor. The confirmation re-validates
the stored upload; it never takes rows from the browser."""

import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from actions import admin_import
from actions.models import Action, ImportUpload
from actions.services import action_update
from tests.actions.conftest import admin_export, edit_xlsx, row_of, state, xlsx_rows

pytestmark = pytest.mark.django_db

IMPORT = "/admin/actions/action/import/"
CONFIRM = "/admin/actions/action/import/confirm/"


def upload(client, data, name="acties.xlsx"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


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
    assert "1 ongewijzigd" in text
    assert "Voortgang (%) : 40 → 70" in text
    assert "Status : in uitvoering → risico" in text
    assert "Er is nog niets opgeslagen." in text
    assert state() == before
    token = token_of(preview)
    assert token

    done = client.post(CONFIRM, {"token": token}, follow=True)

    assert done.redirect_chain[-1][0] == "/admin/actions/action/"
    assert "Geïmporteerd uit acties.xlsx: 0 nieuw, 2 gewijzigd, 1 ongewijzigd." in text_of(done)
    own = Action.objects.get(pk=import_world["own_action"].pk)
    regional = Action.objects.get(pk=import_world["own_regional"].pk)
    assert (own.progress, regional.status) == (70, "at_risk")
    assert own.history.first().history_user.username == "brabant"
    assert regional.updates.first().note == "Subsidie onzeker"
    assert ImportUpload.objects.count() == 0
    # The same token again: the upload is gone, nothing happens.
    again = client.post(CONFIRM, {"token": token}, follow=True)
    assert "Dit voorbeeld is verlopen of onbekend" in text_of(again)


def test_a_file_with_errors_shows_them_and_offers_no_confirmation(client, users, import_world):
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
    assert "2 T Deadline “ooit” is geen datum" in text
    assert f"{other + 2} A ID Deze actie valt buiten uw bevoegdheid." in text
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
        response = client.post(CONFIRM, {"token": bad}, follow=True)
        assert "Dit voorbeeld is verlopen of onbekend" in text_of(response)
    client.force_login(users["ministry_editor"])
    response = client.post(CONFIRM, {"token": token}, follow=True)
    assert "Dit voorbeeld is verlopen of onbekend" in text_of(response)
    assert client.get(CONFIRM).status_code == 405
    assert state() == before


def test_an_expired_preview_confirms_nothing(client, users, import_world, edited, monkeypatch):
    client.force_login(users["brabant_editor"])
    token = token_of(upload(client, edited))
    monkeypatch.setattr(admin_import, "PREVIEW_MAX_AGE", -1)
    before = state()
    response = client.post(CONFIRM, {"token": token}, follow=True)
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
    response = client.post(CONFIRM, {"token": token})
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
    response = client.post(CONFIRM, {"token": token})
    text = text_of(response)
    assert "De acties zijn gewijzigd sinds het voorbeeld" in text
    assert "Voortgang (%) : 55 → 70" in text
    assert state() == before
    new_token = token_of(response)
    assert new_token
    assert new_token != token
    client.post(CONFIRM, {"token": new_token})
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
    monkeypatch.setattr(admin_import, "ADMIN_MAX_ROWS", 2)
    client.force_login(users["brabant_editor"])
    preview = upload(client, admin_export(client, "xlsx", users["brabant_editor"]))
    text = text_of(preview)
    assert "Het bestand heeft meer dan 2 rijen" in text
    assert "manage.py import_actions" in text
