"""New actions in batches (`action_create_many`, the import's new rows): `action_create`'s
rules for each, a fixed number of queries for the batch, all or nothing, and codes that are
generated in order and unique in any letter case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from actions.services import ActionCreation, action_create, action_create_many
from agenda.models import FeedEntry

pytestmark = pytest.mark.django_db


def new(agreement, owner, n, **fields):
    return ActionCreation(
        fields={"agreement": agreement, "owner": owner, "title": f"Nieuw {n}"} | fields
    )


def test_each_new_action_gets_a_generated_code_its_links_and_one_history_record(
    users, small_agenda, parties
):
    brabant, generic = users["brabant_editor"], small_agenda["generic"]
    creations = [new(generic, parties["PV30"], n) for n in range(3)]
    creations[1].contributors = [parties["PV30"]]
    results = action_create_many(user=brabant, creations=creations)
    assert [a.code for a in results] == ["GEN-A2", "GEN-A3", "GEN-A4"]  # GEN holds one already
    for n, action in enumerate(results):
        stored = Action.objects.get(pk=action.pk)
        assert (stored.title, stored.status, stored.version) == (f"Nieuw {n}", "planned", 1)
        [record] = stored.history.all()
        assert (record.history_type, record.history_user) == ("+", brabant)
    assert [p.code for p in Action.objects.get(pk=results[1].pk).contributors.all()] == ["PV30"]
    record = Action.objects.get(pk=results[1].pk).history.get()
    assert [link.party.code for link in record.contributors.all()] == ["PV30"]
    announced = set(FeedEntry.objects.filter(type="action").values_list("key", flat=True))
    assert {str(a.pk) for a in results} <= announced


def test_one_refused_new_action_writes_none_and_is_named_by_its_place(users, small_agenda, parties):
    """A province editor may not give an action another province as owner: the refusal is
    the one `action_create` gives, at its index, and nothing of the batch is saved."""
    brabant, generic = users["brabant_editor"], small_agenda["generic"]
    before = (Action.objects.count(), Action.history.count(), FeedEntry.objects.count())
    creations = [new(generic, parties["PV30"], 0), new(generic, parties["PV27"], 1)]
    results = action_create_many(user=brabant, creations=creations)
    assert isinstance(results[0], Action)
    assert isinstance(results[1], Exception)
    with pytest.raises(type(results[1])) as alone:
        action_create(user=brabant, **creations[1].fields)
    assert str(alone.value) == str(results[1])
    assert (Action.objects.count(), Action.history.count(), FeedEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "done"}, "status"),
        ({"progress": 101}, None),
        ({"owner": None}, "owner"),
        ({"code": "own"}, "code"),  # OWN exists: another letter case is the same key
    ],
)
def test_invalid_new_actions_are_refused_as_alone(users, small_agenda, parties, fields, field):
    superuser, generic = users["superuser"], small_agenda["generic"]
    status = fields.pop("status", None)
    creation = new(generic, parties["PV30"], 0)
    creation.fields |= fields
    creation.status = status
    [result] = action_create_many(user=superuser, creations=[creation])
    assert isinstance(result, Exception)
    if field is not None:
        assert field in result.message_dict
    assert not Action.objects.filter(title="Nieuw 0").exists()


def test_a_code_given_twice_in_one_batch_is_refused_at_the_second(users, small_agenda, parties):
    superuser, generic = users["superuser"], small_agenda["generic"]
    creations = [
        new(generic, parties["PV30"], 0, code="DUBBEL"),
        new(generic, parties["PV30"], 1, code="dubbel"),
    ]
    first, second = action_create_many(user=superuser, creations=creations)
    assert isinstance(first, Action)
    assert "code" in second.message_dict
    assert not Action.objects.filter(code__iexact="dubbel").exists()


def test_the_queries_of_a_batch_do_not_grow_with_its_size(users, small_agenda, parties):
    brabant, generic = users["brabant_editor"], small_agenda["generic"]

    def queries(size, start):
        creations = [new(generic, parties["PV30"], start + n) for n in range(size)]
        creations[0].contributors = [parties["PV30"]]
        with CaptureQueriesContext(connection) as captured:
            results = action_create_many(user=brabant, creations=creations)
        assert all(isinstance(r, Action) for r in results), results
        return len(captured.captured_queries)

    five, fifty = queries(5, 0), queries(50, 100)
    assert fifty <= five + 4, (five, fifty)  # SQLite splits a long insert
    assert Action.objects.filter(title__startswith="Nieuw").count() == 55


def test_generated_codes_pass_over_codes_taken_in_any_letter_case(users, small_agenda, parties):
    from tests.factories import ActionFactory

    generic = small_agenda["generic"]
    ActionFactory(code="gen-a3", agreement=small_agenda["own"], owner=parties["PV30"])
    creations = [new(generic, parties["PV30"], n) for n in range(3)]
    results = action_create_many(user=users["superuser"], creations=creations)
    assert [a.code for a in results] == ["GEN-A2", "GEN-A4", "GEN-A5"]
    # The next single create goes on from there, as a second batch would.
    assert action_create(
        user=users["superuser"], **new(generic, parties["PV30"], 9).fields
    ).code == ("GEN-A6")
