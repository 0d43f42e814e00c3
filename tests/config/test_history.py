from actions.services import action_add_update, action_update
from tests.factories import ActionFactory
from tests.paths import FIXTURES


def test_history_records_who_and_which_fields(users):
    """Every change through a service leaves a historical record with the acting user."""
    editor = users["ministry_editor"]
    action = ActionFactory(title="Oud")
    action_update(action=action, user=editor, title="Nieuw")
    action_add_update(action=action, status="in_progress", user=editor)
    records = list(action.history.all())  # newest first
    assert [r.history_user for r in records[:2]] == [editor, editor]
    delta = records[1].diff_against(records[2])
    # version and updated_at are not editable fields: the diff names what the editor changed.
    assert delta.changed_fields == ["title"]
    assert (delta.changes[0].old, delta.changes[0].new) == ("Oud", "Nieuw")
    assert records[0].status == "in_progress"


def test_history_answers_state_as_of_a_date(users):
    editor = users["ministry_editor"]
    action = ActionFactory(title="Eerst")
    first = action.history.latest().history_date
    action_update(action=action, user=editor, title="Later")
    assert action.history.as_of(first).title == "Eerst"


def test_loaded_records_start_their_history_at_creation(db, users):
    """Loading the fixtures records one "created" entry per row, dated at its `created_at`,
    by no one, with its links, and for a row with dated states (fixtures/07_dated_states.json)
    one entry per state; a reload adds nothing; the first edit then shows its fields."""

    from django.core.management import call_command

    from agenda.models import Agreement
    from agenda.services import agreement_update
    from config.history import history_entries

    fixtures = FIXTURES
    call_command("loaddata", *fixtures, verbosity=0)
    call_command("loaddata", *fixtures, verbosity=0)
    travel = Agreement.objects.get(code="MKB-2014-SRA-01")
    [created] = history_entries(travel)
    assert (created["type"], created["user"], created["date"]) == (
        "created",
        None,
        travel.created_at,
    )
    zuid = Agreement.objects.get(code="MKB-2014-REG-ZUID")
    revised, created = history_entries(zuid)
    assert (created["type"], created["user"], created["date"]) == ("created", None, zuid.created_at)
    assert (revised["type"], revised["user"], revised["date"]) == ("changed", None, zuid.updated_at)
    assert revised["changes"] == [{"field": "status", "old": "active", "new": "revised"}]
    for record in zuid.history.all():
        assert {r.region.code for r in record.regions.all()} == {"AG-ZUID"}
        assert {(r.party.code, r.role) for r in record.parties.all()} == set(
            zuid.party_links.values_list("party__code", "role")
        )
    agreement_update(agreement=zuid, user=users["ministry_editor"], title="Zuid, herzien")
    changed = history_entries(zuid)[0]
    assert changed["user"] == "ez"
    assert [c["field"] for c in changed["changes"]] == ["title"]
