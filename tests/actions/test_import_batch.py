"""The import writes its changes in batches (`action_update_many`) without losing a rule:
a fixed number of queries whatever the number of rows, one new version and one history
record per changed action by the importing user, a progress-log entry per status move, the
scope refusals per row with names, the model's constraints per row, and all or nothing."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from actions.importing.importer import ActionImporter
from actions.models import Action, ActionUpdate
from actions.services import ActionChange, action_update_many
from config.services import constraint_errors
from config.spreadsheets.reading import ImportSource
from tests.actions.conftest import state
from tests.datasets import build_people, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
people_rows, people = shared_dataset("people", build_people)
tree, parties, users = dataset_parts("people", "tree", "parties", "users")

pytestmark = pytest.mark.django_db


@pytest.fixture
def brabant(users, import_world):
    return users["brabant_editor"]


@pytest.fixture
def many(import_world, parties):
    """200 actions of Noord-Brabant (owned by the province) under the generic agreement."""
    Action.objects.bulk_create(
        Action(
            agreement=import_world["generic"],
            owner=parties["PV30"],
            code=f"NB-BATCH-{n}",
            title=f"Actie {n}",
        )
        for n in range(200)
    )
    return list(Action.objects.filter(code__startswith="NB-BATCH-").order_by("pk"))


def csv_of(rows, columns=("id", "version", "progress", "title", "status", "note")):
    lines = [";".join(columns)]
    lines += [";".join(str(row.get(c, "")) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def edits(actions, extra=None):
    """Each action's row with progress, title and status changed (a move with a note)."""
    return [
        {
            "id": a.pk,
            "version": a.version,
            "progress": 30 + i % 50,
            "title": f"Nieuwe titel {i}",
            "status": "in_progress",
            "note": "Gestart",
            **(extra or {}).get(i, {}),
        }
        for i, a in enumerate(actions)
    ]


def run(user, data, **options):
    with translation.override("nl"):
        return ActionImporter(user).run(ImportSource.from_bytes("acties.csv", data), **options)


def queries_of(user, data):
    with CaptureQueriesContext(connection) as captured:
        report = run(user, data)
    assert report.committed, [str(p) for p in report.problems]
    return len(captured.captured_queries)


def test_the_queries_of_an_import_do_not_grow_with_its_rows(brabant, many):
    """10 rows and 100 rows (one batch each): the same queries, give or take the statements
    SQLite needs to split a large insert. Row by row it was about 25 a row."""
    ten = queries_of(brabant, csv_of(edits(many[:10])))
    hundred = queries_of(brabant, csv_of(edits(many[100:200])))
    assert hundred <= ten + 6, (ten, hundred)
    assert ten < 60, ten


def test_every_changed_row_has_its_history_record_by_the_importing_user(brabant, many):
    rows = many[:50]
    history = {a.pk: a.history.count() for a in rows}
    report = run(brabant, csv_of(edits(rows)))
    assert report.committed
    assert len(report.changed) == 50
    for i, action in enumerate(rows):
        action.refresh_from_db()
        assert (action.version, action.progress, action.status) == (2, 30 + i % 50, "in_progress")
        assert action.title == f"Nieuwe titel {i}"
        assert action.history.count() == history[action.pk] + 1
        latest = action.history.first()
        assert latest.history_user == brabant
        assert latest.history_type == "~"
        assert (latest.progress, latest.version, latest.title) == (action.progress, 2, action.title)
        [entry] = action.updates.all()
        assert (entry.author, entry.status_from, entry.status_to, entry.note) == (
            brabant,
            "planned",
            "in_progress",
            "Gestart",
        )


def test_one_refused_row_in_a_batch_rolls_back_every_row(brabant, many, parties):
    """Row 40 of 100 gives the action to another province: the whole file is refused, the
    refusal at its row names the parties by name (not by code), nothing is written."""
    rows = [{**row, "owner": "PV30"} for row in edits(many[:100], {38: {"owner": "PV27"}})]
    rows[38]["owner"] = "PV27"
    data = csv_of(
        rows,
        columns=("id", "version", "progress", "title", "status", "note", "owner"),
    )
    before = state()
    report = run(brabant, data)
    assert not report.committed
    assert state() == before
    [problem] = report.problems
    assert problem.row == 40
    assert str(problem.message) == (
        f"U kunt hier alleen uw eigen partijen koppelen ({parties['PV30'].name}); "
        f"niet: {parties['PV27'].name}."
    )
    assert "PV27" not in str(problem)


def test_a_region_outside_the_working_area_is_refused_per_row_by_name(brabant, many, tree):
    data = csv_of(
        edits(many[:20], {4: {"region": "GM0392"}}),
        columns=("id", "version", "progress", "title", "region"),
    )
    before = state()
    report = run(brabant, data)
    assert not report.committed
    assert state() == before
    [problem] = report.problems
    assert problem.row == 6
    assert f"daarbuiten: {tree['GM0392'].name}" in str(problem.message), str(problem.message)
    assert "GM0392" not in str(problem.message)


def test_a_stale_row_and_a_broken_constraint_are_refused_at_their_rows(brabant, many):
    """The version check and the model's check constraints hold per row in a batch: a
    version the action no longer has, and progress below 100 on a done action."""
    done = many[7]
    Action.objects.filter(pk=done.pk).update(
        status="done", progress=100, completed_on=date(2016, 5, 1)
    )
    rows = edits(many[:10], {3: {"version": 7}, 7: {"status": "done", "note": ""}})
    before = state()
    report = run(brabant, csv_of(rows))
    assert not report.committed
    assert state() == before
    problems = {p.row: str(p.message) for p in report.problems}
    assert set(problems) == {5, 9}, problems
    assert "de actie is na uw export gewijzigd" in problems[5]
    assert problems[9] == "Een afgeronde actie heeft een afrondingsdatum en voortgang 100."


def test_action_update_many_is_all_or_nothing_and_answers_per_change(brabant, many, parties):
    first, second = many[:2]
    results = action_update_many(
        user=brabant,
        changes=[
            ActionChange(first, expected_version=1, fields={"progress": 10}),
            ActionChange(second, fields={"owner": parties["PV27"]}),
        ],
    )
    assert results[0].pk == first.pk
    assert isinstance(results[1], Exception)
    first.refresh_from_db()
    assert (first.progress, first.version) == (0, 1)
    results = action_update_many(
        user=brabant, changes=[ActionChange(first, fields={"progress": 10})]
    )
    first.refresh_from_db()
    assert (first.progress, first.version, results[0].version) == (10, 2, 2)
    assert ActionUpdate.objects.filter(action=first).count() == 0


@pytest.mark.parametrize(
    ("status", "progress", "completed_on", "start", "due"),
    [
        ("planned", 0, None, None, None),
        ("done", 100, date(2016, 1, 1), None, None),
        ("done", 90, date(2016, 1, 1), None, None),
        ("done", 100, None, None, None),
        ("planned", 101, None, None, None),
        ("unknown", 5, None, None, None),
        ("planned", 5, None, date(2016, 2, 1), date(2016, 1, 1)),
        ("planned", 5, None, date(2016, 1, 1), date(2016, 1, 1)),
        ("planned", 5, None, None, date(2016, 1, 1)),
    ],
)
def test_constraints_evaluated_on_the_instance_agree_with_the_database(
    many, status, progress, completed_on, start, due
):
    """`constraint_errors` gives what Django's `validate_constraints` (a query per
    constraint) gives."""
    action = many[0]
    action.status, action.progress, action.completed_on = status, progress, completed_on
    action.start_date, action.due_date = start, due
    try:
        action.validate_constraints()
        expected = []
    except Exception as exc:  # a ValidationError with the violated constraints' messages
        expected = exc.messages
    assert sorted(map(str, constraint_errors(action))) == sorted(expected)


def test_an_emptied_owner_cell_is_a_row_error_not_a_crash(brabant, many):
    """The owner cannot be emptied: the row is refused at the owner column (before, the
    scope check read the missing owner and the import failed with an exception)."""
    rows = [{**row, "owner": "PV30"} for row in edits(many[:5])]
    rows[2]["owner"] = ""
    before = state()
    report = run(brabant, csv_of(rows, columns=("id", "version", "progress", "owner")))
    assert not report.committed
    assert state() == before
    [problem] = report.problems
    assert (problem.row, problem.header) == (4, "owner"), problem
