"""A control character in a text (a vertical tab from Word's line break, a form feed, an
escape) cannot be stored in an XLSX: every XLSX export once answered 500 on it. They become
spaces in the XLSX; tab and newline stay; the CSV keeps the text as it is."""

import io

import pytest
from openpyxl import load_workbook

from actions.services import action_update
from agenda.services import agreement_update
from tests.actions.conftest import admin_export, api_export

pytestmark = pytest.mark.django_db

TITLE = "Eerste regel\x0btweede\x0cderde\x1beinde"
CLEANED = "Eerste regel tweede derde einde"
DESCRIPTION = "Regel één\nRegel twee\tmet tab\x0b"


@pytest.fixture
def word_texts(small_agenda, users):
    action_update(
        action=small_agenda["own_action"],
        user=users["superuser"],
        title=TITLE,
        description=DESCRIPTION,
    )
    agreement_update(agreement=small_agenda["generic"], user=users["superuser"], title=TITLE)
    return small_agenda


def texts(data):
    return {c.value for sheet in load_workbook(io.BytesIO(data)) for row in sheet for c in row}


def test_the_api_xlsx_exports_with_control_characters(api, users, word_texts):
    found = texts(api_export(api, "xlsx", users["brabant_editor"]))
    assert CLEANED in found
    assert "Regel één\nRegel twee\tmet tab " in found


def test_anonymous_agreement_xlsx_exports_with_control_characters(api, word_texts):
    response = api.get("/api/v1/agreements/", {"format": "xlsx"})
    assert response.status_code == 200
    assert CLEANED in texts(b"".join(response.streaming_content))


@pytest.mark.parametrize("path", ["/admin/actions/action/", "/admin/agenda/agreement/"])
def test_the_admin_xlsx_exports_with_control_characters(client, users, word_texts, path):
    client.force_login(users["ministry_viewer"])
    response = client.get(f"{path}export/xlsx/")
    assert response.status_code == 200
    assert CLEANED in texts(b"".join(response.streaming_content))


def test_a_control_character_in_the_filter_is_cleaned_too(client, users, word_texts):
    """The explanation sheet repeats the search text: it is cleaned as well."""
    data = admin_export(client, "xlsx", users["ministry_viewer"], query="?q=regel%0Btweede")
    assert any("regel tweede" in str(text) for text in texts(data))


def test_the_review_list_xlsx_exports_with_control_characters(client, users, word_texts):
    client.force_login(users["ministry_viewer"])
    response = client.get("/reviews/actions/", {"export": "xlsx"})
    assert response.status_code == 200
    assert CLEANED in texts(b"".join(response.streaming_content))


def test_the_csv_keeps_the_text(api, users, word_texts):
    assert TITLE.encode() in api_export(api, "csv", users["brabant_editor"])
