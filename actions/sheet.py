"""The action list's columns, as the export writes them and the import reads them back:
one layout for both (DESIGN.md, "Spreadsheets")."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.api.rows import ACTION_ROWS
from actions.api.serializers import ActionSerializer
from actions.choices import ACTION_STATUS_MOVES, ActionStatus, move_needs_note
from actions.models import Action
from actions.services import EDITABLE_FIELDS
from agenda.models import Theme
from config.spreadsheets.writing import SheetLayout

# The columns the import reads; `note` is an input only (a status move's note).
READ_COLUMNS = (
    "id",
    "version",
    "code",
    "agreement",
    "title",
    "description",
    "owner",
    "contributors",
    "region",
    "status",
    "note",
    "progress",
    "start_date",
    "due_date",
    "result",
    "source",
)
# Read, but not for changing: they say which action, and which version of it, a row is.
KEY_COLUMNS = ("id", "version")
CHANGEABLE = (*EDITABLE_FIELDS, "contributors")


def _theme_names():
    return dict(Theme.objects.values_list("code", "name"))


def _sheet_notes():
    """The explanation sheet's sections on status moves and on importing the file."""
    moves = []
    for status_from, targets in ACTION_STATUS_MOVES.items():
        allowed = []
        for status_to in sorted(targets, key=list(ActionStatus).index):
            needs_note = move_needs_note(status_from, status_to)
            allowed.append(
                f"{status_to.label} ({status_to.value})"
                + (" — " + _("with a note") if needs_note else "")
            )
        moves.append((f"{status_from.label} ({status_from.value})", "; ".join(allowed)))
    howto = [
        (_("Change"), _("Change the values in the blue columns; leave id and version alone.")),
        (
            _("New action"),
            _(
                "Add a row with an empty id; fill in at least agreement, title and owner "
                "(codes). New actions start as planned."
            ),
        ),
        (
            _("Status"),
            _(
                "Type the new status code (or its label). Moves to at risk or cancelled, and "
                "reopening, need a note in the Note column."
            ),
        ),
        (_("Dates"), _("As dates, or as text like 31-12-2026 or 2026-12-31.")),
        (
            _("Rows left out"),
            _("Rows you remove from the file stay in the registry; nothing is deleted."),
        ),
        (
            _("Check first"),
            _(
                "In the admin the import first shows what will change; on the command line "
                "use --dry-run. One bad row means nothing is saved."
            ),
        ),
    ]
    return [(_("Status moves allowed"), moves), (_("Importing this file"), howto)]


def _access(user, ids):
    """What `user` may do with each of these actions, in words: change it, or (a contributor)
    add progress only; the others are for reading."""
    actions = Action.objects.filter(pk__in=ids)
    access = {
        pk: _("progress only") for pk in actions.updatable_by(user).values_list("pk", flat=True)
    }
    access.update({pk: _("yes") for pk in actions.editable_by(user).values_list("pk", flat=True)})
    return access


ACTION_SHEET = SheetLayout(
    serializer_class=ActionSerializer,
    model=Action,
    row_builder=ACTION_ROWS,
    headers={"theme": gettext_lazy("theme"), "overdue": gettext_lazy("overdue")},
    labels={"theme": _theme_names},
    inputs_after={"status": (("note", gettext_lazy("note")),)},
    imported=frozenset(READ_COLUMNS) - set(KEY_COLUMNS),
    meanings={
        "id": gettext_lazy("The action's number. Do not change; empty for a new action."),
        "version": gettext_lazy(
            "The action's version when exported. Do not change: if the action changed since, "
            "the import refuses the row instead of overwriting that change."
        ),
        "note": gettext_lazy("Why the status moves; needed for at risk, cancelled, reopening."),
        "contributors": gettext_lazy("Other parties' codes, separated by commas."),
        "progress": gettext_lazy("0 to 100."),
        "completed_on": gettext_lazy("Set when the action is done."),
    },
    notes=_sheet_notes,
    access=_access,
)


def field_label(name):
    if name == "note":
        return str(_("note"))
    return str(Action._meta.get_field(name).verbose_name)
