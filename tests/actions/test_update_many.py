"""`action_update_many`, called directly (the import calls it through rows): the refusals it
gives per change, what the batch shares with the caller, and the statements it writes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from actions.services import SAME_VALUE_STATEMENTS, ActionChange, action_update_many
from agenda.scope import OutOfScope
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ActionFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

pytestmark = pytest.mark.django_db


def codes_and_versions():
    return dict(Action.objects.values_list("code", "version"))


def test_an_action_deleted_meanwhile_is_refused_and_nothing_written(users, small_agenda):
    kept, gone = small_agenda["own_action"], ActionFactory(agreement=small_agenda["generic"])
    Action.objects.filter(pk=gone.pk).delete()
    before = codes_and_versions()
    results = action_update_many(
        user=users["ministry_editor"],
        changes=[ActionChange(kept, fields={"title": "Nieuw"}), ActionChange(gone)],
    )
    assert isinstance(results[1], ValidationError)
    assert "bestaat niet meer" in results[1].messages[0]
    assert codes_and_versions() == before


def test_the_refusal_names_the_owner_stored_now_not_the_one_read(users, parties, small_agenda):
    """Read as Brabant's, handed to Noord-Holland meanwhile: the refusal names Noord-Holland's
    party (the locked row's), not the owner the caller had read."""
    action = Action.objects.select_related("owner").get(pk=small_agenda["own_action"].pk)
    Action.objects.filter(pk=action.pk).update(owner=parties["PV27"])
    [refusal] = action_update_many(
        user=users["brabant_editor"], changes=[ActionChange(action, fields={"title": "Nieuw"})]
    )
    assert isinstance(refusal, OutOfScope)
    assert refusal.message.startswith(f"Deze actie is van {parties['PV27'].name}")
    assert Action.objects.get(pk=action.pk).version == action.version


def test_a_move_to_an_open_agreement_is_written(users, small_agenda):
    action = small_agenda["own_action"]
    [saved] = action_update_many(
        user=users["ministry_editor"],
        changes=[ActionChange(action, fields={"agreement": small_agenda["own"]})],
    )
    assert not isinstance(saved, Exception), saved
    assert Action.objects.get(pk=action.pk).agreement == small_agenda["own"]


def test_a_move_to_an_agreement_closed_to_the_editor_is_refused(users, small_agenda):
    action = small_agenda["own_action"]
    [refusal] = action_update_many(
        user=users["brabant_editor"],
        changes=[ActionChange(action, fields={"agreement": small_agenda["other"]})],
    )
    assert isinstance(refusal, OutOfScope)
    assert refusal.field == "agreement"
    assert Action.objects.get(pk=action.pk).agreement == small_agenda["generic"]


def test_regions_inside_the_editors_area_cost_no_query_per_action(users, parties, tree):
    """Brabant places its actions in Noord-Brabant: allowed, and the area is read once for
    the batch (not once per action)."""

    def queries(count):
        actions = [ActionFactory(owner=parties["PV30"]) for _ in range(count)]
        changes = [ActionChange(a, fields={"region": tree["PV30"]}) for a in actions]
        with CaptureQueriesContext(connection) as captured:
            results = action_update_many(user=users["brabant_editor"], changes=changes)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert {a.region for a in Action.objects.filter(pk__in=[a.pk for a in actions])} == {
            tree["PV30"]
        }
        return len(captured.captured_queries)

    queries(1)  # the editor's scope is read once, then cached
    assert queries(8) == queries(2)


def test_a_value_refused_by_its_field_is_not_refused_again_by_a_constraint(users, small_agenda):
    """Progress 150 breaks the field's maximum and the progress constraint: one message, at
    the field."""
    [refusal] = action_update_many(
        user=users["ministry_editor"],
        changes=[ActionChange(small_agenda["own_action"], fields={"progress": 150})],
    )
    assert isinstance(refusal, ValidationError)
    assert list(refusal.message_dict) == ["progress"]


def test_codes_are_checked_for_the_batch(users, small_agenda):
    """A free code is taken; a code another action holds, or that two changes of the batch
    both take, is refused at its change; nothing of a refused batch is written."""
    generic = small_agenda["generic"]
    first, second = ActionFactory(agreement=generic), ActionFactory(agreement=generic)
    editor = users["ministry_editor"]
    [saved] = action_update_many(
        user=editor, changes=[ActionChange(first, fields={"code": "VRIJ-1"})]
    )
    assert not isinstance(saved, Exception), saved
    before = codes_and_versions()
    [taken] = action_update_many(
        user=editor, changes=[ActionChange(second, fields={"code": "OWN"})]
    )
    both = action_update_many(
        user=editor,
        changes=[
            ActionChange(small_agenda["own_action"], fields={"code": "DUBBEL"}),
            ActionChange(second, fields={"code": "DUBBEL"}),
        ],
    )
    assert list(taken.message_dict) == ["code"]
    assert not isinstance(both[0], Exception)
    assert list(both[1].message_dict) == ["code"]
    assert codes_and_versions() == before


def updates_written(changes, user):
    """The UPDATE statements on the actions' table: (plain, bulk with CASE)."""
    with CaptureQueriesContext(connection) as captured:
        results = action_update_many(user=user, changes=changes)
    assert not [r for r in results if isinstance(r, Exception)], results
    updates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('UPDATE "actions_action"')
    ]
    bulk = [sql for sql in updates if "CASE" in sql]
    return len(updates) - len(bulk), len(bulk)


def test_one_statement_per_group_given_the_same_values_the_rest_in_bulk(users, small_agenda):
    """A column edited in Excel (many actions, one value) is one UPDATE per value for the
    largest SAME_VALUE_STATEMENTS groups; single values and further groups go in one bulk
    UPDATE."""
    editor, generic = users["ministry_editor"], small_agenda["generic"]
    actions = [ActionFactory(agreement=generic) for _ in range(2 * SAME_VALUE_STATEMENTS + 2)]
    same = [ActionChange(a, fields={"title": "Zelfde"}) for a in actions[:4]]
    assert updates_written(same, editor) == (1, 0)
    single = [ActionChange(a, fields={"title": f"Eigen {i}"}) for i, a in enumerate(actions[:3])]
    assert updates_written(single, editor) == (0, 1)
    pairs = [
        ActionChange(a, fields={"title": f"Paar {i // 2}"})
        for i, a in enumerate(actions[: 2 * (SAME_VALUE_STATEMENTS + 1)])
    ]
    assert updates_written(pairs, editor) == (SAME_VALUE_STATEMENTS, 1)
    titles = Action.objects.filter(pk__in=[a.pk for a in actions]).values_list("title", flat=True)
    assert sorted(titles) == sorted(change.fields["title"] for change in pairs)


def test_a_taken_code_is_found_by_the_batch_not_by_the_database(users, small_agenda):
    """The batch finds a taken code itself: refusing it costs the same queries for 2 changes
    as for 8 (the database's duplicate-key refusal would send every change through
    `action_update` alone)."""
    editor = users["ministry_editor"]

    def queries(count):
        actions = [ActionFactory(agreement=small_agenda["generic"]) for _ in range(count)]
        changes = [ActionChange(a, fields={"title": "Nieuw"}) for a in actions[1:]]
        changes.append(ActionChange(actions[0], fields={"code": "OWN"}))
        with CaptureQueriesContext(connection) as captured:
            results = action_update_many(user=editor, changes=changes)
        assert list(results[-1].message_dict) == ["code"]
        return len(captured.captured_queries)

    queries(2)  # the editor's scope is read once, then cached
    assert queries(8) == queries(2)


def test_an_action_of_the_batch_keeping_its_code_is_not_refused_for_it(users, small_agenda):
    """A change takes the code of an action that is in the same batch but keeps its code:
    only the change is refused, at its code."""
    taker = ActionFactory(agreement=small_agenda["generic"])
    holder = small_agenda["own_action"]
    results = action_update_many(
        user=users["ministry_editor"],
        changes=[
            ActionChange(taker, fields={"code": holder.code}),
            ActionChange(holder, fields={"title": "Nieuw"}),
        ],
    )
    assert list(results[0].message_dict) == ["code"]
    assert results[1].pk == holder.pk
