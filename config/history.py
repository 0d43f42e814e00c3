"""The change log of a record (django-simple-history) as the API shows it: who, when, which
fields, from what to what."""

from collections import defaultdict
from contextlib import contextmanager
from itertools import islice

from rest_framework import serializers
from simple_history.utils import get_m2m_reverse_field_name


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def history_entries(instance):
    """Newest first; each entry lists the fields that changed against the record before, with
    references as codes. A fixed number of queries whatever the length of the history: the
    records, one per many-to-many field, one per kind of object referred to."""
    model = type(instance)
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
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
    return [
        {
            "history_id": record.history_id,
            "date": record.history_date,
            "type": HISTORY_TYPES[record.history_type],
            "user": record.history_user.get_username() if record.history_user else None,
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
    for history_id, code in rows.values_list("history_id", f"{target}__code"):
        codes[history_id].append(code)
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
