"""A service's refusal, told to people: one answer for the admin, the review pages and the
import (the API has its own error body, config/api/errors.py).

The services refuse with a ValidationError (per field or for the whole record), an
OutOfScope (naming the field that would leave the writer's scope), or a StaleVersionError
(someone saved first). Faces catch `REFUSALS` and place the messages where people look."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError

# Not Django's own PermissionDenied: a plain permission check stays a 403 page.
REFUSALS = (ValidationError, OutOfScope, StaleVersionError)
WHOLE_RECORD = None  # the key of messages that name no field


def last_change(instance):
    """{"user", "when"} of the record's last recorded change (who saved first), or None."""
    last = instance.history.select_related("history_user").first()
    if last is None:
        return None
    return {
        "user": last.history_user or "?",
        "when": date_format(timezone.localtime(last.history_date), "DATETIME_FORMAT"),
    }


def stale_text(instance):
    """Who saved first and when: "Changed by X at T — reload the page; nothing was saved."""
    change = last_change(instance)
    if change is None:
        return str(StaleVersionError(instance))
    return _("Changed by %(user)s at %(when)s — reload the page; nothing was saved.") % change


def refusal_errors(exc):
    """{field name or WHOLE_RECORD: [messages]}: where each part of the refusal belongs."""
    if isinstance(exc, StaleVersionError):
        return {WHOLE_RECORD: [stale_text(exc.instance)]}
    if isinstance(exc, OutOfScope):
        return {exc.field or WHOLE_RECORD: [exc.message]}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return {
            (WHOLE_RECORD if name == "__all__" else name): messages
            for name, messages in exc.message_dict.items()
        }
    if isinstance(exc, ValidationError):
        return {WHOLE_RECORD: exc.messages}
    return {WHOLE_RECORD: [str(exc)]}


def refusal_text(exc):
    """The refusal as one line of text (for a message about one of several rows)."""
    return " ".join(message for messages in refusal_errors(exc).values() for message in messages)
