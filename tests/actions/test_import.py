"""`import_actions`: round trips of every export dialect, one edit changing exactly one field,
new rows, status moves through the status rules, every kind of bad row (nothing written,
the message names row and column), dry runs, the summary, who the history records."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from actions.models import Action, ActionUpdate
from config.history import history_entries
from tests.actions.conftest import (
    add_csv_row,
    admin_export,
    api_export,
    build_people_and_import_world,
    csv_rows,
    edit_csv,
    edit_xlsx,
    row_of,
    state,
    xlsx_rows,
)
from tests.datasets import dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_import_world)
tree, parties, users, small_agenda, import_world = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda", "import_world"
)

pytestmark = pytest.mark.django_db


def _export(how, api, client, user):
    """(bytes, file name, the progress column's header) of each export a user can make."""
    if how == "api-csv":
        return api_export(api, "csv", user), "acties.csv", "progress"
    if how == "api-xlsx":
        return api_export(api, "xlsx", user), "acties.xlsx", "progress"
    if how == "admin-csv":
        return admin_export(client, "csv", user), "acties.csv", "Voortgang (%)"
    if how == "admin-csv-english":
        data = admin_export(client, "csv", user, HTTP_ACCEPT_LANGUAGE="en")
        return data, "actions.csv", "Progress (%)"
    return admin_export(client, "xlsx", user), "acties.xlsx", "Voortgang (%)"


EXPORTS = ["api-csv", "api-xlsx", "admin-csv", "admin-csv-english", "admin-xlsx"]


@pytest.mark.parametrize("how", EXPORTS)
def test_unchanged_export_imports_as_zero_changed(
    how, api, client, users, import_world, run_import
):
    """Export → import of the unchanged file: "0 changed", and nothing is written: no version,
    no history record, no progress-log entry; the row of another province's action is skipped
    and counted. Every dialect: the API's JSON names (`,`), the admin's Dutch (`;`) and
    English (`,`) headers with label columns, the workbook."""
    data, name, _progress = _export(how, api, client, users["brabant_editor"])
    before = state()
    code, out = run_import(data, "--as", "brabant", name=name)
    assert code == 0, out
    assert "Gewijzigd: 0" in out
    assert "Ongewijzigd: 2" in out
    assert "Overgeslagen (ongewijzigd, acties die u niet mag wijzigen): 1" in out
    assert "Rijen met fouten: 0" in out
    assert state() == before


@pytest.mark.parametrize("how", EXPORTS)
def test_one_edited_cell_changes_that_field_once(how, api, client, users, import_world, run_import):
    """Export → edit one cell → import changes exactly that field, bumps the version once and
    records one history entry, by the importing user."""
    own = import_world["own_action"]
    data, name, progress = _export(how, api, client, users["brabant_editor"])
    rows = xlsx_rows(data)[1] if name.endswith("xlsx") else csv_rows(data)[1]
    row = row_of(rows, own)
    edited = edit_xlsx(data, {(row, progress): 65}) if name.endswith("xlsx") else None
    if edited is None:
        edited = edit_csv(data, {(row, progress): "65"})
    versions = dict(Action.objects.values_list("pk", "version"))
    history = own.history.count()

    code, out = run_import(edited, "--as", "brabant", name=name)

    assert code == 0, out
    assert "Gewijzigd: 1 (voortgang (%) 1×)" in out
    assert "voortgang (%): 40 → 65" in out
    own.refresh_from_db()
    assert (own.progress, own.version) == (65, versions[own.pk] + 1)
    assert {pk: v for pk, v in Action.objects.values_list("pk", "version") if pk != own.pk} == {
        pk: v for pk, v in versions.items() if pk != own.pk
    }
    assert own.history.count() == history + 1
    [latest, *_] = history_entries(own)
    assert latest["user"] == "brabant"
    assert [change["field"] for change in latest["changes"]] == ["progress"]
    # The same file again: the change is there already, so nothing changes (its version
    # is older now, but a row that changes nothing is no overwrite).
    before = state()
    code, out = run_import(edited, "--as", "brabant", name=name)
    assert (code, "Gewijzigd: 0" in out) == (0, True)
    assert state() == before


def test_reimporting_a_fresh_export_after_an_import_is_unchanged(
    api, users, import_world, run_import
):
    data = api_export(api, "csv", users["brabant_editor"])
    code, _out = run_import(edit_csv(data, {(0, "progress"): "70"}), "--as", "brabant")
    assert code == 0
    before = state()
    code, out = run_import(api_export(api, "csv", users["brabant_editor"]), "--as", "brabant")
    assert (code, "Gewijzigd: 0" in out) == (0, True)
    assert state() == before


def test_excel_resaving_a_csv_changes_nothing(client, users, import_world, run_import):
    """Dutch Excel opens the `;` CSV and saves it again: dates become 31-12-2016, the
    apostrophe guard stays, line breaks are kept. Still 0 changed."""
    data = admin_export(client, "csv", users["brabant_editor"])
    header, rows, separator = csv_rows(data)
    assert separator == ";"
    for row in rows:
        for column in ("Startdatum", "Deadline"):
            value = row[header.index(column)]
            if value:
                year, month, day = value.split("-")
                row[header.index(column)] = f"{int(day)}-{int(month)}-{year}"
    edits = {
        (i, column): row[header.index(column)] for i, row in enumerate(rows) for column in header
    }
    resaved = edit_csv(data, edits).replace(b"\r\n", b"\n")
    before = state()
    code, out = run_import(resaved, "--as", "brabant")
    assert code == 0, out
    assert "Gewijzigd: 0" in out
    assert state() == before


def test_texts_come_back_whole(api, client, users, import_world, run_import):
    """What the export guards or transforms comes back as it was: a formula-like result,
    a leading apostrophe of a place name, accents and line breaks."""
    for data in (
        admin_export(client, "csv", users["brabant_editor"]),
        api_export(api, "csv", users["brabant_editor"]),
    ):
        header, rows, _sep = csv_rows(data)
        result = header.index("Resultaat" if "Resultaat" in header else "result")
        assert rows[row_of(rows, import_world["own_action"])][result].startswith("'=HYPERLINK")
        _code, out = run_import(data, "--as", "brabant")
        assert "Gewijzigd: 0" in out, out


def test_status_moves_through_the_status_rules_with_the_note_column(
    client, users, import_world, run_import
):
    """A status cell moves the action through the status service, with the note column as the
    move's note; the move is logged with the importing user."""
    own_regional = import_world["own_regional"]  # in progress
    data = admin_export(client, "xlsx", users["brabant_editor"])
    _header, rows = xlsx_rows(data)
    row = row_of(rows, own_regional)
    edited = edit_xlsx(data, {(row, "Status"): "risico", (row, "Toelichting"): "Budget onzeker"})

    code, out = run_import(edited, "--as", "brabant", name="acties.xlsx")

    assert code == 0, out
    assert "status: in uitvoering → risico" in out
    own_regional.refresh_from_db()
    assert own_regional.status == "at_risk"
    entry = own_regional.updates.first()
    assert (entry.status_to, entry.note, entry.author.username) == (
        "at_risk",
        "Budget onzeker",
        "brabant",
    )


def test_done_completes_the_action(api, users, import_world, run_import):
    own_regional = import_world["own_regional"]
    data = api_export(api, "csv", users["brabant_editor"])
    code, out = run_import(edit_csv(data, {(1, "status"): "done"}), "--as", "brabant")
    assert code == 0, out
    own_regional.refresh_from_db()
    assert (own_regional.status, own_regional.progress) == ("done", 100)
    assert own_regional.completed_on is not None
    assert "afgerond op: — →" in out


def test_an_illegal_move_or_a_missing_note_is_a_row_error(api, users, import_world, run_import):
    """planned → done is no allowed move; in progress → at risk needs a note. Both rows are
    reported with row and column, and nothing is written."""
    data = api_export(api, "csv", users["brabant_editor"])
    before = state()
    code, out = run_import(
        edit_csv(data, {(0, "status"): "done", (1, "status"): "at_risk"}), "--as", "brabant"
    )
    assert code == 1
    assert "Rij 2, kolom J “status”: Van “gepland” kan niet naar “afgerond”" in out, out
    assert "Rij 3, kolom “toelichting (niet in het bestand)”" in out
    assert "Er is niets opgeslagen" in out
    assert state() == before


def test_one_bad_row_means_nothing_is_written(api, users, import_world, run_import):
    data = api_export(api, "csv", users["brabant_editor"])
    before = state()
    edited = edit_csv(data, {(0, "progress"): "80", (1, "progress"): "veel"})
    code, out = run_import(edited, "--as", "brabant")
    assert code == 1
    assert "Rij 3, kolom K “progress”: “veel” is geen geheel getal." in out
    assert "Rijen met fouten: 1" in out
    assert state() == before


@pytest.mark.parametrize(
    ("column", "value", "reported", "message"),
    [
        ("progress", "150", "progress", "150 ligt niet tussen 0 en 100."),
        ("progress", "12,5", "progress", "“12,5” is geen geheel getal."),
        ("due_date", "eind 2026", "due_date", "“eind 2026” is geen datum; schrijf 31-12-2026"),
        ("due_date", "31-02-2026", "due_date", "“31-02-2026” is geen datum"),
        ("due_date", "03/04/2026", "due_date", "“03/04/2026” is geen datum"),
        ("start_date", "2017-06-01", "due_date", "De einddatum ligt vóór de startdatum."),
        ("owner", "NOPE", "owner", "Onbekende partij: “NOPE”."),
        ("agreement", "NOPE", "agreement", "Onbekende afspraak: “NOPE”."),
        ("region", "XX99", "region", "Onbekende regio: “XX99”."),
        ("contributors", "BOM,NOPE,ZZ", "contributors", "Onbekende partij: “NOPE”, “ZZ”."),
        ("status", "klaar", "status", "onbekende status “klaar”"),
        ("title", "", "title", "Dit veld kan niet leeg zijn"),
        ("title", "x" * 301, "title", "300"),
        ("id", "abc", "id", "“abc” is geen geheel getal."),
        ("id", "99999", "id", "er is geen actie met ID 99999."),
        ("version", "0", "version", "0 is kleiner dan 1."),
        ("code", "OTHER", "code", "bestaat al"),
    ],
)
def test_each_bad_value_is_reported_at_its_row_and_column(
    api, users, import_world, run_import, column, value, reported, message
):
    """The first row holds one bad value: refused, naming row 2 and the column (its letter and
    header), with the reason; nothing written."""
    data = api_export(api, "csv", users["ministry_editor"])
    header, _rows, _sep = csv_rows(data)
    letter = "ABCDEFGHIJKLMNOPQRST"[header.index(reported)]
    before = state()
    code, out = run_import(edit_csv(data, {(0, column): value}), "--as", "ez")
    assert code == 1, out
    assert f"Rij 2, kolom {letter} “{reported}”" in out, out
    assert message in out, out
    assert state() == before


def test_a_changed_row_without_its_version_is_refused(api, users, import_world, run_import):
    """With a version column, a row that changes its action must say which version it read."""
    data = api_export(api, "csv", users["brabant_editor"])
    code, out = run_import(
        edit_csv(data, {(0, "version"): "", (0, "progress"): "50"}), "--as", "brabant"
    )
    assert code == 1
    assert "Rij 2, kolom R “version”: de versie ontbreekt" in out


def test_every_bad_row_is_reported(api, users, import_world, run_import):
    data = api_export(api, "csv", users["ministry_editor"])
    edited = edit_csv(
        data, {(0, "progress"): "-1", (1, "due_date"): "morgen", (2, "owner"): "NOPE"}
    )
    code, out = run_import(edited, "--as", "ez")
    assert code == 1
    assert "Rijen met fouten: 3" in out
    for row, column in ((2, "K"), (3, "M"), (4, "G")):
        assert f"Rij {row}, kolom {column}" in out


def test_a_stale_version_is_refused_never_overwritten(api, users, import_world, run_import):
    """The action changed after the export: the row (older version) is an error naming who
    changed it; the newer change stays."""
    from actions.services import action_update

    own = import_world["own_action"]
    data = api_export(api, "csv", users["brabant_editor"])
    action_update(action=own, user=users["ministry_editor"], title="Door EZ gewijzigd")
    code, out = run_import(edit_csv(data, {(0, "progress"): "90"}), "--as", "brabant")
    assert code == 1
    assert "Rij 2, kolom R “version”: de actie is na uw export gewijzigd (door ez" in out
    own.refresh_from_db()
    assert (own.title, own.progress) == ("Door EZ gewijzigd", 40)


def test_a_region_outside_the_agreements_is_refused(api, users, import_world, run_import):
    """The service's rule: an action's region lies inside its agreement's regions."""
    data = api_export(api, "csv", users["ministry_editor"])
    row = row_of(csv_rows(data)[1], import_world["own_regional"])
    code, out = run_import(edit_csv(data, {(row, "region"): "GM0392"}), "--as", "ez")
    assert code == 1
    assert f"Rij {row + 2}, kolom I “region”: De regio moet binnen" in out


def test_the_same_action_twice_is_refused(api, users, import_world, run_import):
    data = api_export(api, "csv", users["brabant_editor"])
    header, rows, _sep = csv_rows(data)
    code, out = run_import(
        add_csv_row(data, dict(zip(header, rows[0], strict=True))), "--as", "brabant"
    )
    assert code == 1
    own = import_world["own_action"].pk
    assert f"Rij 5, kolom A “id”: actie {own} staat ook in rij 2." in out


def test_rows_without_id_create_actions(api, users, import_world, run_import):
    """A row without id creates an action (as planned), with the importing user's rights,
    recorded as created by them."""
    data = api_export(api, "csv", users["brabant_editor"])
    new = {
        "agreement": "NB-1",
        "title": "Nieuwe actie uit Excel",
        "owner": "PV30",
        "contributors": "PV30",
        "progress": "10",
        "due_date": "31-12-2026",
    }
    count = Action.objects.count()

    code, out = run_import(add_csv_row(data, new), "--as", "brabant")

    assert code == 0, out
    assert "Nieuw: 1" in out
    created = Action.objects.get(title="Nieuwe actie uit Excel")
    assert (created.status, created.progress, created.due_date) == (
        "planned",
        10,
        date(2026, 12, 31),
    )
    assert list(created.contributors.values_list("code", flat=True)) == ["PV30"]
    assert Action.objects.count() == count + 1
    [entry] = history_entries(created)
    assert (entry["type"], entry["user"]) == ("created", "brabant")


def test_a_new_row_needs_agreement_title_and_owner(run_import, users, import_world):
    code, out = run_import(b"id;title\n;Alleen een titel\n", "--as", "brabant")
    assert code == 1
    assert "Rij 2, kolom “afspraak (niet in het bestand)”" in out
    assert "Rij 2, kolom “eigenaar (niet in het bestand)”" in out


def test_a_new_row_starts_as_planned(run_import, users, import_world):
    code, out = run_import(
        b"id;agreement;title;owner;status\n;NB-1;Nieuw;PV30;in_progress\n", "--as", "brabant"
    )
    assert code == 1
    assert "Nieuwe acties beginnen als gepland" in out


def test_absent_columns_are_left_alone(run_import, users, import_world):
    """A file of just id, version and progress changes progress only."""
    own = import_world["own_action"]
    title, description = own.title, own.description
    data = f"id;version;progress\n{own.pk};{own.version};55\n".encode()
    code, out = run_import(data, "--as", "brabant")
    assert code == 0, out
    own.refresh_from_db()
    assert (own.progress, own.title, own.description) == (55, title, description)


def test_codes_in_other_capitals_labels_and_names_are_read(run_import, users, import_world):
    """People type `pv30`, a status's label, or a party's name: each is what it names."""
    own = import_world["own_action"]
    data = f"id;version;owner;status\n{own.pk};{own.version};pv30;In uitvoering\n".encode()
    code, out = run_import(data, "--as", "brabant")
    assert code == 0, out
    own.refresh_from_db()
    assert own.status == "in_progress"
    assert "Gewijzigd: 1 (status 1×)" in out


def test_dry_run_writes_nothing_and_reports_the_same(api, users, import_world, run_import):
    data = api_export(api, "csv", users["brabant_editor"])
    edited = edit_csv(data, {(0, "progress"): "77", (1, "status"): "done"})
    before = state()
    users_before = get_user_model().objects.count()

    code, dry = run_import(edited, "--dry-run")

    assert code == 0
    assert "Proefimport: er is niets opgeslagen." in dry
    assert state() == before
    assert get_user_model().objects.count() == users_before  # not even the command's user
    code, real = run_import(edited)
    assert code == 0
    assert real.splitlines()[:-1] == dry.splitlines()[:-1]
    assert real.splitlines()[-1] == "Opgeslagen."


def test_without_as_the_history_names_the_command(api, users, import_world, run_import):
    own = import_world["own_action"]
    data = api_export(api, "csv", users["brabant_editor"])
    code, _out = run_import(edit_csv(data, {(0, "title"): "Via de opdrachtregel"}))
    assert code == 0
    assert history_entries(own)[0]["user"] == "import_actions"
    command_user = get_user_model().objects.get(username="import_actions")
    assert not command_user.has_usable_password()
    assert (command_user.is_superuser, command_user.is_staff) == (True, False)


def test_as_an_unknown_or_inactive_user_is_refused(run_import, users, import_world):
    assert run_import(b"id\n1\n", "--as", "niemand")[0] == 1
    code, out = run_import(b"id\n1\n", "--as", "vertrokken")
    assert code == 1
    assert "niet actief" in out


def test_the_summary_lists_new_changed_unchanged_and_errors(api, users, import_world, run_import):
    data = api_export(api, "csv", users["ministry_editor"])
    edited = edit_csv(
        data, {(0, "progress"): "41", (0, "title"): "Nieuwe titel", (1, "progress"): "5"}
    )
    code, out = run_import(edited, "--as", "ez", "--dry-run")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Bestand: acties.csv (CSV, gescheiden door “,”)"
    assert "Rijen gelezen: 3" in lines
    assert "Nieuw: 0" in lines
    assert "Gewijzigd: 2 (voortgang (%) 2×, titel 1×)" in lines
    assert "Ongewijzigd: 1" in lines
    assert "Rijen met fouten: 0" in lines


def test_the_report_is_in_english_when_asked(run_import, users, import_world):
    code, out = run_import(b"id;progress\n;x\n", "--as", "brabant", "--language", "en")
    assert code == 1
    assert "Row 2, column B “progress”: “x” is not a whole number." in out


def test_a_progress_update_logs_nothing_for_editors(api, users, import_world, run_import):
    """An editor's progress change is a change of the action (as in the admin form), not a
    progress-log entry."""
    data = api_export(api, "csv", users["brabant_editor"])
    updates = ActionUpdate.objects.count()
    run_import(edit_csv(data, {(0, "progress"): "45"}), "--as", "brabant")
    assert ActionUpdate.objects.count() == updates


def test_progress_is_shown_on_a_terminal(api, users, import_world, tmp_path, monkeypatch):
    """Long files show a count on stderr, when it is a terminal (and only then)."""
    import io

    from django.core.management import call_command

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    path = tmp_path / "a.csv"
    path.write_bytes(api_export(api, "csv", users["brabant_editor"]))
    call_command("import_actions", str(path), "--dry-run", stdout=io.StringIO(), stderr=err)
    assert "Rij 3 van 3" in err.getvalue()


def test_a_refusal_of_the_whole_row_is_shown_at_the_one_column_changed(
    api, users, import_world, run_import
):
    """A done action's progress cannot change (a check constraint, which names no field): the
    message stands at the progress column, the only one the row changes."""
    from actions.services import action_add_update

    own_regional = import_world["own_regional"]
    action_add_update(action=own_regional, status="done", user=users["superuser"])
    data = api_export(api, "csv", users["brabant_editor"])
    row = row_of(csv_rows(data)[1], own_regional)
    code, out = run_import(edit_csv(data, {(row, "progress"): "80"}), "--as", "brabant")
    assert code == 1
    assert (
        f"Rij {row + 2}, kolom K “progress”: Een afgeronde actie heeft een afrondingsdatum en "
        "voortgang 100." in out
    ), out
