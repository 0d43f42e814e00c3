"""The write helpers every face uses (config/services.py), tested directly: the author of a
change, unknown fields, a duplicate key named as its field, and the check-constraint
evaluator's hand-over to the database for conditions it does not know."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F, Q, Value

from actions.models import Action
from config.services import (
    _holds,
    _NotEvaluable,
    constraint_errors,
    duplicates_refused,
    history_user,
    refuse_unknown_fields,
)
from tests.factories import UserFactory


def test_only_a_signed_in_user_is_recorded_as_author(db):
    user = UserFactory()
    assert history_user(user) is user
    assert history_user(AnonymousUser()) is None
    assert history_user(None) is None


def test_unknown_fields_are_refused_by_name():
    refuse_unknown_fields({"title": "T"}, allowed=["title", "note"])
    with pytest.raises(ValidationError) as refused:
        refuse_unknown_fields({"title": "T", "version": 9, "id": 1}, allowed=["title"])
    assert sorted(refused.value.message_dict) == ["id", "version"]


def test_a_duplicate_key_becomes_the_fields_refusal():
    with pytest.raises(ValidationError) as refused, duplicates_refused(Action()):
        raise IntegrityError("UNIQUE constraint failed: actions_action.code")
    assert list(refused.value.message_dict) == ["code"]


@pytest.mark.parametrize(
    "message",
    [
        "NOT NULL constraint failed: actions_action.title",  # not a unique field
        'Key (title)=(x) is not present in table "y".',
        "CHECK constraint failed: actions_action_progress_range",
    ],
)
def test_other_integrity_errors_stay_what_they_are(message):
    with pytest.raises(IntegrityError), duplicates_refused(Action()):
        raise IntegrityError(message)


@pytest.mark.parametrize(
    "condition",
    [
        Q(progress=1) ^ Q(progress=2),  # XOR: no connector the evaluator knows
        Q(no_such_field=1),
        Q(progress=F("no_such_field")),
        Q(progress=Value(1)),  # an expression, not a value
        Q(title__icontains="x"),  # a lookup it does not compare
    ],
    ids=["xor", "unknown-field", "unknown-f", "expression", "icontains"],
)
def test_conditions_it_does_not_know_are_handed_to_the_database(condition):
    with pytest.raises(_NotEvaluable):
        _holds(condition, Action(progress=1, title="x"))


def test_a_constraint_on_other_fields_is_checked_whatever_is_excluded():
    """Excluding a field skips only the constraints that read it."""
    action = Action(progress=150, status="planned")
    message = "Voortgang is een percentage van 0 tot en met 100."
    assert [str(m) for m in constraint_errors(action, exclude=["contributors"])] == [message]
    assert constraint_errors(action, exclude=["progress"]) == []
