from actions.services import action_move_status, action_update
from tests.factories import ActionFactory


def test_history_records_who_and_which_fields(users):
    """Every change through a service leaves a historical record with the acting user."""
    editor = users["ministry_editor"]
    action = ActionFactory(title="Oud")
    action_update(action=action, user=editor, title="Nieuw")
    action_move_status(action=action, to="in_progress", user=editor)
    records = list(action.history.all())  # newest first
    assert [r.history_user for r in records[:2]] == [editor, editor]
    delta = records[1].diff_against(records[2])
    assert delta.changed_fields == ["title", "version"] or set(delta.changed_fields) >= {"title"}
    assert records[0].status == "in_progress"


def test_history_answers_state_as_of_a_date(users):
    editor = users["ministry_editor"]
    action = ActionFactory(title="Eerst")
    first = action.history.latest().history_date
    action_update(action=action, user=editor, title="Later")
    assert action.history.as_of(first).title == "Eerst"
