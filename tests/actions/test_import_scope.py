"""The import has the importing user's rights, no more: the services decide, row by row.
An id in a file opens nothing that the admin would not open."""

import pytest

from actions.models import Action, ActionUpdate
from actions.services import action_add_update
from tests.actions.conftest import (
    add_csv_row,
    api_export,
    build_people_and_import_world,
    csv_rows,
    edit_csv,
    row_of,
    state,
)
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_import_world)
tree, parties, users, small_agenda, import_world = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda", "import_world"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(api, users, import_world):
    """The whole list as a Brabant editor exports it (every member reads every action)."""
    data = api_export(api, "csv", users["brabant_editor"])
    return data, csv_rows(data)[1]


def test_another_provinces_action_cannot_be_changed_by_its_id(
    export, import_world, parties, run_import
):
    """Progress alone goes to the progress service (contributors may add progress), which
    refuses; any other change to the action service, which refuses too. Each refusal is at
    the column that was changed and says whose action it is (by name), what the editor may
    change instead and what to do with the row. Nothing written."""
    data, rows = export
    index = row_of(rows, import_world["other_action"])
    row = index + 2
    whose = (
        f"Deze actie is van {parties['PV27'].name} (Noord-Holland). U wijzigt de acties van "
        f"{parties['PV30'].name} en de acties in Noord-Brabant."
    )
    leave = "Laat de rij staan zoals die is geëxporteerd, of haal hem uit het bestand."
    before = state()
    code, out = run_import(edit_csv(data, {(index, "progress"): "90"}), "--as", "brabant")
    assert code == 1
    assert (
        f"Rij {row}, kolom K “progress”: U kunt bij deze actie geen voortgang melden. {whose} "
        f"(gewijzigd: voortgang (%)) {leave}" in out
    ), out
    code, out = run_import(edit_csv(data, {(index, "title"): "Overgenomen"}), "--as", "brabant")
    assert code == 1
    assert f"Rij {row}, kolom E “title”: {whose} (gewijzigd: titel) {leave}" in out, out
    assert "PV27" not in out
    assert state() == before


def test_unchanged_rows_of_other_provinces_are_skipped_and_counted(
    export, import_world, run_import
):
    """The export holds everyone's actions; a row of an action the editor may not change,
    left as exported, is skipped (and counted), while the editor's own change is saved."""
    data, rows = export
    own = import_world["own_action"]
    edited = edit_csv(data, {(row_of(rows, own), "progress"): "41"})
    code, out = run_import(edited, "--as", "brabant")
    assert code == 0, out
    assert "Gewijzigd: 1" in out
    assert "Overgeslagen (ongewijzigd, acties die u niet mag wijzigen): 1" in out
    assert "Rijen met fouten: 0" in out
    own.refresh_from_db()
    assert own.progress == 41


def test_no_action_is_created_for_another_party(export, parties, run_import):
    """The refusal names the parties by name: the editor's own, and the other one."""
    data, _rows = export
    before = state()
    code, out = run_import(
        add_csv_row(data, {"agreement": "GEN", "title": "Voor Holland", "owner": "PV27"}),
        "--as",
        "brabant",
    )
    assert code == 1
    assert (
        "Rij 5, kolom G “owner”: U kunt hier alleen uw eigen partijen koppelen "
        f"({parties['PV30'].name}); niet: {parties['PV27'].name}." in out
    ), out
    assert state() == before


def test_no_action_is_planted_in_another_provinces_agreement(export, run_import):
    data, _rows = export
    code, out = run_import(
        add_csv_row(data, {"agreement": "NH-1", "title": "Bij Holland", "owner": "PV30"}),
        "--as",
        "brabant",
    )
    assert code == 1
    assert "Rij 5, kolom C “agreement”" in out


def test_an_owner_cannot_be_moved_to_another_party(export, import_world, run_import):
    data, rows = export
    row = row_of(rows, import_world["own_action"])
    code, out = run_import(edit_csv(data, {(row, "owner"): "PV27"}), "--as", "brabant")
    assert code == 1
    assert f"Rij {row + 2}, kolom G “owner”" in out


def test_a_viewer_changes_nothing(export, run_import):
    data, _rows = export
    before = state()
    code, out = run_import(
        edit_csv(data, {(0, "progress"): "41", (1, "title"): "Anders"}), "--as", "brabant-lezer"
    )
    assert code == 1
    viewer = "U kunt alleen lezen: u bent lid als lezer."
    assert (
        f"Rij 2, kolom K “progress”: U kunt bij deze actie geen voortgang melden. {viewer}" in out
    )
    assert f"Rij 3, kolom E “title”: {viewer}" in out
    assert state() == before


def test_a_contributor_adds_progress_but_changes_nothing_else(
    api, users, import_world, parties, run_import
):
    """Contributing gives the right to add progress (a progress-log entry, as the service
    allows), not to change the action."""
    own = import_world["own_regional"]
    own.contributors.add(parties["PV27"])
    data = api_export(api, "csv", users["holland_editor"])
    row = row_of(csv_rows(data)[1], own)
    updates = ActionUpdate.objects.count()

    code, out = run_import(edit_csv(data, {(row, "progress"): "30"}), "--as", "holland")

    assert code == 0, out
    own.refresh_from_db()
    assert own.progress == 30
    entry = own.updates.first()
    assert (entry.author.username, entry.progress) == ("holland", 30)
    assert ActionUpdate.objects.count() == updates + 1
    code, out = run_import(
        edit_csv(api_export(api, "csv", users["holland_editor"]), {(row, "title"): "Anders"}),
        "--as",
        "holland",
    )
    assert code == 1
    assert "Als bijdrager kunt u wel een voortgangsmelding toevoegen" in out, out


def test_a_draft_the_user_cannot_see_is_no_action_to_them(
    users, tree, parties, import_world, run_import
):
    """Someone without a membership sees no drafts: a draft's id is "no action", revealing
    nothing of it."""
    draft = AgreementFactory(
        code="NB-CONCEPT", status="draft", scope="regional", regions=[tree["PV30"]]
    )
    hidden = ActionFactory(agreement=draft, owner=parties["PV30"], title="Geheim concept")
    data = f"id;version;progress\n{hidden.pk};{hidden.version};50\n".encode()
    code, out = run_import(data, "--as", "outsider")
    assert code == 1
    assert f"er is geen actie met ID {hidden.pk}." in out
    assert "Geheim" not in out
    hidden.refresh_from_db()
    assert hidden.progress == 0
    # A Brabant editor sees and may change it (it lies in their area).
    code, out = run_import(data, "--as", "brabant")
    assert code == 0, out


def test_scope_errors_do_not_hide_other_rows_errors(export, import_world, run_import):
    data, rows = export
    other = row_of(rows, import_world["other_action"])
    own = row_of(rows, import_world["own_action"])
    code, out = run_import(
        edit_csv(data, {(other, "progress"): "90", (own, "progress"): "x"}), "--as", "brabant"
    )
    assert code == 1
    assert "Rijen met fouten: 2" in out


def test_a_ministry_editor_changes_any_action(export, import_world, run_import):
    data, rows = export
    other = import_world["other_action"]
    code, out = run_import(
        edit_csv(data, {(row_of(rows, other), "status"): "in_progress"}), "--as", "ez"
    )
    assert code == 0, out
    assert Action.objects.get(pk=other.pk).status == "in_progress"


def test_history_and_log_name_the_importing_user(export, import_world, run_import, users):
    data, rows = export
    own = import_world["own_regional"]
    action_add_update(action=own, status="at_risk", note="x", user=users["superuser"])
    data = edit_csv(
        data, {(row_of(rows, own), "version"): str(Action.objects.get(pk=own.pk).version)}
    )
    code, out = run_import(
        edit_csv(data, {(row_of(rows, own), "status"): "in_progress"}), "--as", "brabant"
    )
    assert code == 0, out
    own.refresh_from_db()
    assert own.history.first().history_user.username == "brabant"
    assert own.updates.first().author.username == "brabant"
