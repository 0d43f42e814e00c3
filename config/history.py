"""The change log of a record (django-simple-history) as the API shows it: who, when, which
fields, from what to what."""

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
    records = list(instance.history.select_related("history_user").order_by("-history_date"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            changes = [
                {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
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


def _plain(value):
    return value if value is None or isinstance(value, int | float | bool) else str(value)
