"""The change log of a record (django-simple-history) as the API shows it: who, when, which
fields, from what to what."""

import datetime
import functools
from collections import defaultdict
from contextlib import contextmanager
from itertools import islice

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.dispatch import Signal
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from simple_history.utils import get_m2m_reverse_field_name

from agenda.scope import author_shown_to, published_history, scope_for
from config.api.fields import UTCDateTimeField


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = UTCDateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}

# Sent with `records` after `record_in_bulk` wrote them (simple-history's own signals are
# not sent for bulk records): the `changes/` feed announces them (config/api/feedlog.py).
bulk_history_recorded = Signal()


@functools.cache
def historical_model(model):
    """`model`'s historical model. Reading `model.history` builds a new manager class every
    time (django-simple-history's descriptor), and the change feed asks for every record
    written (config/api/feedlog.py)."""
    return model.history.model


def history_entries(instance, *, reader=None):
    """Newest first; each entry lists the fields that changed against the record before, with
    references as codes. A fixed number of queries whatever the length of the history: the
    records, one per many-to-many field, one per kind of object referred to.

    For a `reader` (a user), only what they may read (`agenda.scope.published_history`): for
    readers who may not see drafts the history starts at publication — the first record they
    see is their "created", with nothing before it to compare — and who made a change is
    shown as the scope rule says. Without a reader (the registry itself): everything."""
    model = type(instance)
    history = instance.history.select_related("history_user")
    if reader is not None:
        history = published_history(reader, history)
    records = list(history.order_by("-history_date", "-history_id"))
    m2m_names = [field.name for field in records[0]._history_m2m_fields] if records else []
    m2m_codes = {name: _m2m_codes_by_record(model, records, name) for name in m2m_names}
    diffs = []
    previous_records = [*records[1:], None] if records else []
    for record, previous in zip(records, previous_records, strict=True):
        changes = []
        if previous is not None:
            delta = record.diff_against(
                previous, excluded_fields=m2m_names, foreign_keys_are_objs=False
            )
            changes = [[c.field, c.old, c.new] for c in delta.changes]
            for name in m2m_names:
                old, new = m2m_codes[name].get(previous.pk, []), m2m_codes[name].get(record.pk, [])
                if old != new:
                    changes.append([name, old, new])
        diffs.append((record, sorted(changes)))
    fk_codes = _foreign_key_codes(model, diffs)
    starts_at_publication = reader is not None and not scope_for(reader).sees_drafts
    first_shown = records[-1] if starts_at_publication and records else None
    return [
        {
            "history_id": record.history_id,
            "date": record.history_date,
            "type": "created" if record is first_shown else HISTORY_TYPES[record.history_type],
            "user": (
                author_shown_to(reader, record.history_user)
                if reader is not None
                else record.history_user and record.history_user.get_username()
            ),
            "changes": [
                {
                    "field": field,
                    "old": _plain(old, fk_codes.get(field)),
                    "new": _plain(new, fk_codes.get(field)),
                }
                for field, old, new in changes
            ],
        }
        for record, changes in diffs
    ]


def _m2m_codes_by_record(model, records, name):
    """{historical record id: sorted codes} for one many-to-many field, in one query."""
    field = model._meta.get_field(name)
    history_rows = getattr(records[0], name).model
    target = get_m2m_reverse_field_name(field)
    codes = defaultdict(list)
    rows = history_rows.objects.filter(history_id__in=[r.pk for r in records])
    # A link with a role (an agreement's parties) reads `PV30:lead`, as in the exports.
    with_role = any(f.name == "role" for f in history_rows._meta.fields)
    columns = ["history_id", f"{target}__code", *(["role"] if with_role else [])]
    for history_id, code, *role in rows.values_list(*columns):
        codes[history_id].append(f"{code}:{role[0]}" if role else code)
    return {history_id: sorted(values) for history_id, values in codes.items()}


def _foreign_key_codes(model, diffs):
    """{field: {id: code}} for the foreign keys that changed, one query per related model."""
    ids = defaultdict(set)
    for _record, changes in diffs:
        for field, old, new in changes:
            model_field = model._meta.get_field(field)
            if model_field.many_to_one and hasattr(model_field.related_model, "code"):
                ids[field] |= {old, new} - {None}
    return {
        field: dict(
            model._meta.get_field(field)
            .related_model._default_manager.filter(pk__in=values)
            .values_list("pk", "code")
        )
        for field, values in ids.items()
    }


def _plain(value, codes=None):
    """JSON-safe; a foreign key as its code (its id if the object is gone)."""
    if value is None or isinstance(value, list):
        return value
    if codes is not None:
        return codes.get(value, str(value))
    return value if isinstance(value, int | float | bool) else str(value)


@contextmanager
def recorded_by_next_save(instance):
    """Many-to-many writes that the instance's next save() records, together with its other
    changes, as one historical record (instead of one record per add and per remove)."""
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving


def record_initial_history(models):
    """A "created" record, dated at the row's `created_at` and attributed to no one, for every
    row of `models` that has no history yet (rows loaded from fixtures or bulk-created), with
    its many-to-many links. History then starts where the record did: "as of" a date, "changed
    since" a review and the first edit's diff all see the loaded state."""
    for model in models:
        recorded = model.history.values("id")
        for chunk in _chunks(model._default_manager.exclude(pk__in=recorded).order_by("pk")):
            record_in_bulk(model, chunk, changed=False, dates=[obj.created_at for obj in chunk])


def record_in_bulk(model, objects, *, changed, user=None, dates=None):
    """History records for many rows at once ("changed" or "created"), as their saves would
    have written them: the row's fields and its many-to-many links, by `user`."""
    if not objects:
        return
    for obj, date in zip(objects, dates or [None] * len(objects), strict=True):
        if date is not None:
            obj._history_date = date
    records = model.history.bulk_history_create(objects, update=changed, default_user=user)
    for field in model.history.model._history_m2m_fields:
        _record_m2m(model, field, objects, records)
    bulk_history_recorded.send(sender=model, records=records)


def _record_m2m(model, field, objects, records):
    through = getattr(model, field.name).through
    source = next(f.name for f in through._meta.fields if f.related_model is model)
    history_rows = getattr(records[0], field.name).model
    record_for = {record.id: record for record in records}
    names = [f.name for f in through._meta.fields]
    rows = through.objects.filter(**{f"{source}__in": objects})
    history_rows.objects.bulk_create(
        history_rows(
            history=record_for[getattr(row, f"{source}_id")], **{n: getattr(row, n) for n in names}
        )
        for row in rows
    )


def _chunks(queryset, size=1000):
    rows = queryset.iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        yield chunk


HISTORY_TYPE_LABELS = {
    "created": _("created"),
    "changed": _("changed"),
    "deleted": _("deleted"),
}


def readable_entries(instance, entries):
    """The entries as people read them in the admin: field labels, choice labels, names
    instead of codes, "—" for nothing. One query per kind of object named."""
    model = type(instance)
    names = _names_for_codes(model, entries)
    readable = []
    for entry in entries:
        changes = []
        for change in entry["changes"]:
            field = _model_field(model, change["field"])
            label = field.verbose_name if field is not None else change["field"]
            changes.append(
                {
                    "label": capfirst(str(label)),
                    "old": _readable(field, change["old"], names),
                    "new": _readable(field, change["new"], names),
                }
            )
        readable.append(
            {**entry, "type_label": HISTORY_TYPE_LABELS[entry["type"]], "changes": changes}
        )
    return readable


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _names_for_codes(model, entries):
    """{related model: {code: name}} for every code the entries mention."""
    wanted = defaultdict(set)
    for entry in entries:
        for change in entry["changes"]:
            field = _model_field(model, change["field"])
            if field is None or not field.is_relation:
                continue
            for value in (change["old"], change["new"]):
                values = value if isinstance(value, list) else [value]
                wanted[field.related_model] |= {str(v).split(":")[0] for v in values if v}
    names = {}
    for related, codes in wanted.items():
        label = "title" if _model_field(related, "title") else "name"
        rows = related._default_manager.filter(code__in=codes).values_list("code", label)
        names[related] = dict(rows)
    return names


def _readable(field, value, names):
    if value is None or value == "" or value == []:
        return "—"
    if field is None:
        return str(value)
    if field.is_relation:
        known = names.get(field.related_model, {})
        values = value if isinstance(value, list) else [value]
        return ", ".join(_name_with_role(field, v, known) for v in values)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return date_format(datetime.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    return str(value)


def _name_with_role(field, value, known):
    code, _sep, role = str(value).partition(":")
    name = known.get(code, code)
    if not role:
        return name
    role_field = field.remote_field.through._meta.get_field("role")
    return f"{name} ({dict(role_field.flatchoices).get(role, role)})"
