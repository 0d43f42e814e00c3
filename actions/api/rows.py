"""The action list's rows without model instances: a page's actions as the serializer shows
them, built from plain column values.

Why: building an `Action` with its agreement, theme, owner and region instances and running
the nested serializers was about 40 % of a list page's time. This is the same
representation, not a second one: every value is formatted by the `ActionSerializer`'s own
fields, and a test compares the two byte for byte on every filter of the list.
"""

from collections import defaultdict

from actions.api.serializers import ActionSerializer
from actions.models import Action, overdue_on
from config.api.rows import RowBuilder, brief, formats_of
from config.api.rows import plain as plain_value
from config.clock import today

# Columns formatted by the serializer's field of the same name; the briefs are rebuilt below.
PLAIN_FIELDS = (
    "id",
    "code",
    "title",
    "description",
    "status",
    "progress",
    "start_date",
    "due_date",
    "completed_on",
    "result",
    "source",
    "version",
    "created_at",
    "updated_at",
)
RELATED_COLUMNS = (
    "agreement__code",
    "agreement__title",
    "agreement__theme__code",
    "owner__code",
    "owner__name",
    "region__code",
    "region__name",
)


def action_rows(ids):
    """The actions with these ids, in this order, as `ActionSerializer(…).data` gives them."""
    if not ids:
        return []
    formats = formats_of(ActionSerializer, PLAIN_FIELDS)
    contributors = defaultdict(list)
    links = (
        Action.contributors.through.objects.filter(action_id__in=ids)
        .order_by("party__code")
        .values_list("action_id", "party__code", "party__name")
    )
    for action_id, code, name in links:
        contributors[action_id].append({"code": code, "name": name})
    values = Action.objects.filter(pk__in=ids).values(*PLAIN_FIELDS, *RELATED_COLUMNS)
    by_id = {row["id"]: row for row in values}
    on_day = today()
    return [_row(by_id[pk], formats, contributors[pk], on_day) for pk in ids if pk in by_id]


def _row(values, formats, contributors, on_day):
    def plain(name):
        return plain_value(values, name, formats)

    return {
        "id": plain("id"),
        "code": plain("code"),
        "agreement": {"code": values["agreement__code"], "name": values["agreement__title"]},
        "theme": values["agreement__theme__code"],
        "title": plain("title"),
        "description": plain("description"),
        "owner": {"code": values["owner__code"], "name": values["owner__name"]},
        "contributors": contributors,
        "region": brief(values["region__code"], values["region__name"]),
        "status": plain("status"),
        "progress": plain("progress"),
        "start_date": plain("start_date"),
        "due_date": plain("due_date"),
        "completed_on": plain("completed_on"),
        "overdue": overdue_on(values["due_date"], values["status"], on_day),
        "result": plain("result"),
        "source": plain("source"),
        "version": plain("version"),
        "created_at": plain("created_at"),
        "updated_at": plain("updated_at"),
    }


ACTION_ROWS = RowBuilder(Action, action_rows)
