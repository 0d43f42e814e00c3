"""CSV cells that a spreadsheet would run as a formula get the guard apostrophe, also when
they start with a sign and a digit (`-2+3+cmd|…`); only a text that is a plain number stays
as it is. The import strips the guard, so a round trip changes nothing."""

import csv
import io

import pytest

from actions.services import action_update
from config.spreadsheets.writing import looks_like_formula
from tests.actions.conftest import admin_export, api_export, csv_rows, row_of, run_import, state

pytestmark = pytest.mark.django_db

__all__ = ["run_import"]  # a fixture, used by name

ATTACKS = [
    "-2+3+cmd|' /C calc'!A0",
    '-1+HYPERLINK("http://evil.example","klik")',
    "+1-1+cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
    "- een opsomming",
    "+31 6 1234 5678",
    "-2016-01-01",
    "'=1+1",
    "'-2+3+cmd|' /C calc'!A0",
]
PLAIN_NUMBERS = ["-12", "-1.5", "-1,5", "+5", "-0", ".5", "-,5", "12", "Actie -2+3"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_guarded(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", PLAIN_NUMBERS)
def test_plain_numbers_and_other_text_are_left_alone(text):
    assert not looks_like_formula(text)


@pytest.fixture
def attacked(small_agenda, users):
    action = small_agenda["own_action"]
    action_update(
        action=action,
        user=users["superuser"],
        title="-2+3+cmd|' /C calc'!A0",
        result='-1+HYPERLINK("http://evil.example","klik")',
        source="-12",
    )
    return small_agenda


def cells(data, action, *columns):
    header, rows, _sep = csv_rows(data)
    row = rows[row_of(rows, action)]
    return [row[header.index(column)] for column in columns]


def test_the_api_csv_guards_signed_formulas(api, users, attacked):
    data = api_export(api, "csv", users["brabant_editor"])
    assert cells(data, attacked["own_action"], "title", "result", "source") == [
        "'-2+3+cmd|' /C calc'!A0",
        '\'-1+HYPERLINK("http://evil.example","klik")',
        "-12",
    ]


def test_the_admin_csv_guards_signed_formulas(client, users, attacked):
    data = admin_export(client, "csv", users["brabant_editor"])
    assert cells(data, attacked["own_action"], "Titel", "Resultaat", "Bron") == [
        "'-2+3+cmd|' /C calc'!A0",
        '\'-1+HYPERLINK("http://evil.example","klik")',
        "-12",
    ]


def test_the_review_list_csv_guards_signed_formulas(client, users, attacked):
    client.force_login(users["ministry_viewer"])
    response = client.get("/reviews/actions/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]
    assert "'-2+3+cmd|' /C calc'!A0" in cells


def test_guarded_texts_come_back_whole(api, client, users, attacked, run_import):
    """The import strips the guard: exported and imported again, nothing changes."""
    before = state()
    for data in (
        admin_export(client, "csv", users["brabant_editor"]),
        api_export(api, "csv", users["brabant_editor"]),
    ):
        code, out = run_import(data, "--as", "brabant")
        assert code == 0, out
        assert "Gewijzigd: 0" in out, out
    assert state() == before
