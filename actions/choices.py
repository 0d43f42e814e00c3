from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    AT_RISK = "at_risk", _("at risk")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# The only allowed status moves (DESIGN.md). The status service is the one place that reads it.
ACTION_STATUS_MOVES = {
    ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED},
    ActionStatus.IN_PROGRESS: {ActionStatus.AT_RISK, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.AT_RISK: {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.DONE: {ActionStatus.IN_PROGRESS},
    ActionStatus.CANCELLED: {ActionStatus.PLANNED},
}

# Moves that must say why: flagging a risk, cancelling, and reopening a closed action.
STATUSES_NEEDING_NOTE = {ActionStatus.AT_RISK, ActionStatus.CANCELLED}
CLOSED_STATUSES = {ActionStatus.DONE, ActionStatus.CANCELLED}


def move_needs_note(status_from, status_to):
    return status_to in STATUSES_NEEDING_NOTE or status_from in CLOSED_STATUSES


def allowed_moves(status_from):
    """The statuses an action in `status_from` may move to, in the order of ActionStatus:
    what forms offer, so that nobody is offered a move the status service refuses."""
    targets = ACTION_STATUS_MOVES[ActionStatus(status_from)]
    return [status for status in ActionStatus if status in targets]


def statuses_moving_to(status_to):
    """The statuses from which an action may move to `status_to`, in the order of
    ActionStatus."""
    return [status for status, targets in ACTION_STATUS_MOVES.items() if status_to in targets]


def move_refusal(status_from, status_to, note):
    """Why a move is refused, as {field: message}, or None when it is allowed. The status
    service enforces it; forms call it too, to show the refusal next to the field."""
    if status_to not in ActionStatus.values:
        return {"status": gettext("Unknown status “%(to)s”.") % {"to": status_to}}
    status_from, status_to = ActionStatus(status_from), ActionStatus(status_to)
    allowed = ACTION_STATUS_MOVES[status_from]
    if status_to not in allowed:
        names = ", ".join(sorted(str(s.label) for s in allowed))
        return {
            "status": gettext("“%(from)s” cannot move to “%(to)s”; allowed: %(allowed)s.")
            % {"from": status_from.label, "to": status_to.label, "allowed": names}
        }
    if move_needs_note(status_from, status_to) and not (note or "").strip():
        return {"note": gettext("Moving to “%(to)s” needs a note.") % {"to": status_to.label}}
    return None
