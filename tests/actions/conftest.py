"""Helpers for the spreadsheet import tests: exports as the API and the admin write them,
edits as a person makes them in Excel, and the import command run as a user would run it."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from actions.models import Action
from actions.services import action_add_update, action_update
from tests.datasets import build_people_and_small_agenda


@pytest.fixture
def import_world(small_agenda, users, tree, parties):
    return build_import_world(small_agenda, users, tree, parties)


def build_people_and_import_world():
    """`build_people_and_small_agenda` with the import world's values: for a module's shared
    data set (tests/datasets.py), with `import_world` as one of its parts."""
    shared = build_people_and_small_agenda()
    world = build_import_world(
        shared["small_agenda"], shared["users"], shared["tree"], shared["parties"]
    )
    return {**shared, "import_world": world}


def build_import_world(small_agenda, users, tree, parties):
    """The small agenda, with values that a round trip must keep: accents, line breaks, a
    formula-like result, a leading apostrophe ('s-Hertogenbosch), dates, contributors, a
    region, an action in progress."""
    own = small_agenda["own_action"]
    action_update(
        action=own,
        user=users["superuser"],
        description="Regel één\r\nRegel twee – café",
        start_date=date(2016, 1, 1),
        due_date=date(2016, 12, 31),
        progress=40,
        result='=HYPERLINK("http://evil.example")',
        source="'s-Hertogenbosch, p. 3",
        region=tree["GM0772"],
        contributors=[parties["BOM"]],
    )
    own.refresh_from_db()
    action_add_update(
        action=small_agenda["own_regional"], status="in_progress", user=users["superuser"]
    )
    return small_agenda


def api_export(api, fmt, user, **params):
    api.force_authenticate(user)
    response = api.get("/api/v1/actions/", {"format": fmt, "ordering": "id", **params})
    assert response.status_code == 200
    api.force_authenticate(None)
    return b"".join(response.streaming_content)


def admin_export(client, fmt, user, query="", **headers):
    client.force_login(user)
    response = client.get(f"/admin/actions/action/export/{fmt}/{query}", **headers)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def row_of(rows, action):
    """The index of an action's row in an export's rows (the id is the first column)."""
    return [str(row[0]) for row in rows].index(str(action.pk))


def csv_rows(data):
    """(header, rows, separator) of a CSV export."""
    text = data.decode("utf-8-sig")
    separator = ";" if text.split("\n", 1)[0].count(";") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    return rows[0], rows[1:], separator


def edit_csv(data, edits, separator=None):
    """The CSV with cells changed: {(row index from 0, header): value}."""
    header, rows, found = csv_rows(data)
    separator = separator or found
    for (index, column), value in edits.items():
        rows[index][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows([header, *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def add_csv_row(data, values):
    """The CSV with one more row: {header: value}, other cells empty."""
    header, rows, separator = csv_rows(data)
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows(
        [header, *rows, [values.get(column, "") for column in header]]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def edit_xlsx(data, edits):
    """The workbook with cells changed on its first sheet: {(row index from 0, header): value}."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for (index, column), value in edits.items():
        sheet.cell(row=index + 2, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_rows(data):
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


@pytest.fixture
def run_import(tmp_path):
    """Runs `import_actions` on bytes; returns (exit status, output)."""

    def run(data, *args, name="acties.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        out = io.StringIO()
        try:
            call_command("import_actions", str(path), *args, stdout=out)
        except CommandError as exc:
            return exc.returncode, out.getvalue() + str(exc)
        return 0, out.getvalue()

    return run


def state():
    """Everything an import could change: each action's row, its version, its history and
    progress log, and the number of actions."""
    actions = {
        a.pk: (a.version, a.progress, a.status, a.title, a.description, a.due_date)
        for a in Action.objects.all()
    }
    history = Action.history.count()
    updates = sum(a.updates.count() for a in Action.objects.all())
    return actions, history, updates
