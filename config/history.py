"""The change log of a record (django-simple-history) as the API shows it: who, when, which
fields, from what to what."""

from contextlib import contextmanager

from rest_framework import serializers


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def history_entries(instance):
    """Newest first; each entry lists the fields that changed against the record before."""
    own = type(instance)
    records = list(instance.history.select_related("history_user").order_by("-history_date"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, foreign_keys_are_objs=True)
            changes = [
                {"field": c.field, "old": _plain(c.old, own), "new": _plain(c.new, own)}
                for c in delta.changes
            ]
        entries.append(
            {
                "history_id": record.history_id,
                "date": record.history_date,
                "type": HISTORY_TYPES[record.history_type],
                "user": record.history_user.get_username() if record.history_user else None,
                "changes": changes,
            }
        )
    return entries


def _plain(value, own):
    """JSON-safe, and references as codes: a many-to-many value is the list of through rows,
    each holding the record (of model `own`) and the related object; a foreign key is the
    related object itself."""
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, list):
        related = (obj for row in value for obj in row.values() if not isinstance(obj, own))
        return sorted(_code(obj) for obj in related)
    return _code(value)


def _code(obj):
    return getattr(obj, "code", None) or str(obj)


@contextmanager
def recorded_by_next_save(instance):
    """Many-to-many writes that the instance's next save() records, together with its other
    changes, as one historical record (instead of one record per add and per remove)."""
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving
