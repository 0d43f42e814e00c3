"""StateOnDay overrides a Django internal (`QuerySet._filter_or_exclude`) so that the live
model's lookups work on historical records: met here directly, lookup by lookup, against what
the live table answers."""

import datetime

import pytest
from django.db.models import Q

from actions.choices import ActionStatus
from actions.history import on_day
from actions.models import Action
from config.clock import today
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def state(small_agenda):
    """Today's records of the small agenda, after a change that gives every action a second
    history record (so history ids and row ids differ)."""
    for action in Action.objects.all():
        action.title = f"{action.title}."
        action.save()
    return on_day(Action, today())


def ids(records):
    return sorted(records.values_list("id", flat=True))


def test_pk_is_the_rows_own_id_not_the_records(state, small_agenda):
    own = small_agenda["own_action"]
    latest = state.get(id=own.pk).history_id
    assert latest != own.pk  # (were `pk` read as the record's id, it would find another)
    assert ids(state.filter(pk=own.pk)) == [own.pk]
    assert ids(state.filter(pk__in=[own.pk])) == [own.pk]
    assert own.pk not in ids(state.exclude(pk=own.pk))
    assert len(ids(state.exclude(pk=own.pk))) == Action.objects.count() - 1


def test_q_objects_keep_their_connector_and_negation(state, small_agenda):
    own = small_agenda["own_action"]
    every = ids(Action.objects.all())
    assert ids(state.filter(Q(pk=own.pk) | Q(code="NONE"))) == [own.pk]
    assert ids(state.filter(~Q(pk=own.pk))) == sorted(set(every) - {own.pk})
    assert ids(state.filter(Q(pk=own.pk) & Q(code="NONE"))) == []


def test_a_relation_the_record_lacks_is_asked_of_the_live_table(state, small_agenda, users):
    """A progress update (`updates`) exists only on the live action."""
    own = small_agenda["own_action"]
    own.updates.create(progress=10, note="Begonnen", author=users["superuser"])
    assert ids(state.filter(updates__note="Begonnen")) == [own.pk]
    assert own.pk not in ids(state.exclude(updates__note="Begonnen"))


def test_the_records_own_fields_are_those_of_that_day(small_agenda):
    own = small_agenda["own_action"]
    Action.objects.filter(pk=own.pk).update(status=ActionStatus.CANCELLED)  # no record: unknown
    assert ids(on_day(Action, today()).filter(status=ActionStatus.CANCELLED)) == []
    assert own.pk in ids(on_day(Action, today()).filter(status=own.status))


def test_nothing_before_the_first_record(state):
    assert ids(on_day(Action, datetime.date(2000, 1, 1))) == []
