"""Dated states: a fixture's records as they stood on the days the sources give, replayed into
their recorded history (django-simple-history) when the fixtures are loaded.

The other fixtures hold each record as it stands now. A dated-states file holds, per period
of the agenda, the events that led there, each with its source:

    {"dated_states": "<what this file is>",
     "periods": [{"name": "…", "from": "2014-12-11", "until": "2015-06-08",
                  "events": [{"at": "2014-12-11T12:00:00+01:00", "model": "actions.action",
                              "key": ["MKB-2014-MIT-01-A1"], "created": {"status": "planned"},
                              "source": "…"},
                             {"at": "2015-05-19T12:00:00+02:00", …, "changed": {…}}]}]}

- A record's first event is its creation, at its `created_at`: `created` names the fields
  whose value then differs from the loaded record. Each later event is a change: `changed`
  names the fields that changed, to their new value. The other fields keep their value.
- The last state is the loaded record: every field an event names ends at the record's
  value, the last event is at its `updated_at`, and a record with a `version` has one version
  per state. An event lies inside its period (`until` may be absent: up to now).
- Records are named by their natural key, never by a database id; fields are the model's own
  plain fields (no links).

Replaying writes one "created" and one "changed" history record per event, attributed to no
one (loading is no edit), with the record's many-to-many links. A record whose history holds
anything but what an earlier load wrote (an edit by someone) is left alone, and a record whose
history already is these states is not written again, so loading twice records nothing new.
"""

import copy
import datetime
import json
from pathlib import Path

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from config.history import record_in_bulk

MARKER = "dated_states"
NOT_STATES = {"id", "created_at", "updated_at", "version"}  # kept by the replay itself


class DatedStatesError(ValueError):
    """A dated-states file that does not lead to the loaded records."""


def is_dated_states(label):
    """Whether a fixture label names a dated-states file (a JSON object with MARKER)."""
    path = Path(label)
    if path.suffix != ".json" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        head = handle.read(200).lstrip()
    return head.startswith("{") and f'"{MARKER}"' in head


def replay(label):
    """Writes the dated states of the file `label` into the history of its records; returns
    the number of records whose history was written."""
    document = json.loads(Path(label).read_text(encoding="utf-8"))
    records = {}
    for period in document["periods"]:
        start = datetime.date.fromisoformat(period["from"])
        end = datetime.date.fromisoformat(period["until"]) if period.get("until") else None
        for event in period["events"]:
            at = datetime.datetime.fromisoformat(event["at"])
            if at.tzinfo is None or not (start <= at.date() and (end is None or at.date() <= end)):
                raise DatedStatesError(
                    f"{event['model']} {event['key']}: {event['at']} is not an aware moment "
                    f"inside the period {period['name']!r}."
                )
            if not event.get("source", "").strip():
                raise DatedStatesError(f"{event['model']} {event['key']}: no source.")
            key = (event["model"], tuple(event["key"]))
            records.setdefault(key, []).append((at, event))
    written = 0
    for (model_label, natural_key), events in records.items():
        model = apps.get_model(model_label)
        try:
            record = model._default_manager.get_by_natural_key(*natural_key)
        except model.DoesNotExist:
            raise DatedStatesError(f"{model_label} {list(natural_key)}: no such record.") from None
        history = model.history.filter(id=record.pk)
        if history.exclude(history_user__isnull=True).exists():
            continue  # someone edited it: its history is theirs now
        states = _states(model, record, sorted(events, key=lambda pair: pair[0]))
        if _write(model, history, states):
            written += 1
    return written


def _states(model, record, events):
    """[(moment, instance as it stood then)] from the events, checked against the record."""
    name = f"{model._meta.label_lower} {record.natural_key()}"
    first_at, first = events[0]
    if "created" not in first or any("created" in event for _at, event in events[1:]):
        raise DatedStatesError(f"{name}: the first event, and only it, is its creation.")
    if first_at != record.created_at:
        raise DatedStatesError(
            f"{name}: created at {first_at}, but created_at is {record.created_at}."
        )
    if events[-1][0] != record.updated_at:
        raise DatedStatesError(
            f"{name}: the last event is at {events[-1][0]}, but updated_at is {record.updated_at}."
        )
    has_version = any(f.name == "version" for f in model._meta.concrete_fields)
    if has_version and record.version != len(events):
        raise DatedStatesError(f"{name}: {len(events)} states, but version {record.version}.")
    current = copy.copy(record)
    named = set()
    states = []
    for number, (at, event) in enumerate(events, start=1):
        for field_name, value in (event.get("created") or event.get("changed") or {}).items():
            field = _plain_field(model, name, field_name)
            setattr(current, field.attname, field.to_python(value))
            named.add(field)
        state = copy.copy(current)
        state.updated_at = at
        if has_version:
            state.version = number
        states.append((at, state))
    for field in named:
        if getattr(current, field.attname) != getattr(record, field.attname):
            raise DatedStatesError(
                f"{name}: the states end with {field.name}={getattr(current, field.attname)!r}, "
                f"but the record has {getattr(record, field.attname)!r}."
            )
    return states


def _plain_field(model, name, field_name):
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        raise DatedStatesError(f"{name}: no field {field_name!r}.") from None
    if field.is_relation or not field.concrete or field.name in NOT_STATES:
        raise DatedStatesError(f"{name}: {field_name!r} is no plain field of its own.")
    return field


def _write(model, history, states):
    """Replaces a history that only loading wrote by the states; False when it already is."""
    fields = [field.attname for field in model.history.model.tracked_fields]
    recorded = list(
        history.order_by("history_date", "history_id").values_list(
            "history_date", "history_type", *fields
        )
    )
    wanted = [
        (at, "+" if number == 0 else "~", *(getattr(state, name) for name in fields))
        for number, (at, state) in enumerate(states)
    ]
    if recorded == wanted:
        return False
    history.delete()
    for number, (at, state) in enumerate(states):
        record_in_bulk(model, [state], changed=number > 0, dates=[at])
    return True
