"""Dated states (config.dated_states): a fixture's events replayed into the recorded history
by `loaddata`, checked against the loaded records, all or nothing, and not written twice."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from actions.models import Action
from actions.services import action_update
from tests.factories import ActionFactory

SIGNED = "2014-12-11T12:00:00+01:00"
OPENED = "2015-05-19T12:00:00+02:00"


@pytest.fixture
def opening(db):
    """An action as a fixture loads it: done on 19 May 2015, two versions, created at the
    signing."""
    action = ActionFactory(
        code="OPENING",
        status="done",
        progress=100,
        completed_on=datetime.date(2015, 5, 19),
        result="Opengesteld.",
    )
    Action.objects.filter(pk=action.pk).update(
        version=2,
        created_at=datetime.datetime.fromisoformat(SIGNED),
        updated_at=datetime.datetime.fromisoformat(OPENED),
    )
    return action


def states_file(tmp_path, events, until=None):
    path = tmp_path / "dated.json"
    period = {"name": "Proef", "from": "2014-12-11", "events": events}
    if until:
        period["until"] = until
    path.write_text(json.dumps({"dated_states": "test", "periods": [period]}))
    return str(path)


def created(**fields):
    return {
        "at": SIGNED,
        "model": "actions.action",
        "key": ["OPENING"],
        "created": {"status": "planned", "progress": 0, "completed_on": None, "result": ""},
        "source": "Bron A",
        **fields,
    }


DONE = {"status": "done", "progress": 100, "completed_on": "2015-05-19", "result": "Opengesteld."}


def changed(**fields):
    return {
        "at": OPENED,
        "model": "actions.action",
        "key": ["OPENING"],
        "changed": DONE,
        "source": "Bron B",
        **fields,
    }


def recorded(action):
    return [
        (h.history_date.date().isoformat(), h.history_type, h.status, h.version, h.result)
        for h in Action.history.filter(id=action.pk).order_by("history_date")
    ]


def test_the_states_become_the_history(opening, tmp_path):
    """Each event is a history record on its day, created then changed, attributed to no one;
    fields no event names keep the record's value."""
    call_command("loaddata", states_file(tmp_path, [created(), changed()]), verbosity=0)
    assert recorded(opening) == [
        ("2014-12-11", "+", "planned", 1, ""),
        ("2015-05-19", "~", "done", 2, "Opengesteld."),
    ]
    assert set(Action.history.filter(id=opening.pk).values_list("history_user", flat=True)) == {
        None
    }


def test_loading_again_writes_nothing_new(opening, tmp_path):
    """A second load finds the same states in the history and leaves it as it is."""
    label = states_file(tmp_path, [created(), changed()])
    call_command("loaddata", label, verbosity=0)
    ids = list(Action.history.filter(id=opening.pk).values_list("history_id", flat=True))
    call_command("loaddata", label, verbosity=0)
    assert list(Action.history.filter(id=opening.pk).values_list("history_id", flat=True)) == ids


def test_a_history_with_someones_edit_is_left_alone(opening, tmp_path, users):
    """A record someone changed keeps its history: loading is no edit."""
    action_update(action=opening, user=users["ministry_editor"], title="Nieuwe titel")
    before = recorded(opening)
    call_command("loaddata", states_file(tmp_path, [created(), changed()]), verbosity=0)
    assert recorded(opening) == before


@pytest.mark.parametrize(
    ("events", "until", "message"),
    [
        ([created(), changed(changed={**DONE, "status": "in_progress"})], None, "status"),
        ([created()], None, "the last event is at"),
        ([changed()], None, "the first event, and only it, is its creation"),
        ([created(at="2014-12-12T12:00:00+01:00"), changed()], None, "created_at"),
        ([created(source=" "), changed()], None, "no source"),
        ([created(), changed()], "2015-01-01", "inside the period"),
        ([created(), changed(changed={"owner": "EZ"})], None, "no plain field"),
        ([created(), changed(changed={"colour": "red"})], None, "no field"),
        ([created(), changed(), created(key=["ONBEKEND"])], None, "no such record"),
    ],
)
def test_states_that_do_not_lead_to_the_record_are_refused(
    opening, tmp_path, events, until, message
):
    """A file whose states do not end in the loaded record (or break a rule of the format) is
    refused with the reason, and nothing is written."""
    before = recorded(opening)
    with pytest.raises(CommandError, match=message):
        call_command("loaddata", states_file(tmp_path, events, until), verbosity=0)
    assert recorded(opening) == before
    assert Action.objects.get(pk=opening.pk).status == "done"


def test_changed_states_are_written_again(opening, tmp_path):
    """A reload after the dated states changed (same days, another value) writes the new ones."""
    call_command("loaddata", states_file(tmp_path, [created(), changed()]), verbosity=0)
    started = created(created={**created()["created"], "status": "in_progress"})
    call_command("loaddata", states_file(tmp_path, [started, changed()]), verbosity=0)
    assert recorded(opening)[0] == ("2014-12-11", "+", "in_progress", 1, "")
