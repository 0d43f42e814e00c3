"""What every write service shares: apply only what changed, validate, bump the version once,
and save with the acting user recorded in the history (django-simple-history)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from config.history import recorded_by_next_save


def apply_changes(instance, fields, *, allowed):
    """Set the fields whose value differs from the instance's; return their names. A field
    the service does not accept is refused, naming it."""
    refuse_unknown_fields(fields, allowed)
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    return changed


def set_fields(instance, fields):
    """The names of `fields` that a new record sets to something other than the default."""
    return {
        name
        for name, value in fields.items()
        if value != instance._meta.get_field(name).get_default()
    }


def history_user(user):
    return user if user is not None and user.is_authenticated else None


def save_as(instance, user):
    """Save, recording `user` as the author of the change."""
    instance._history_user = history_user(user)
    with duplicates_refused(instance):
        instance.save()


@contextmanager
def duplicates_refused(instance):
    """full_clean() found the code free, but a concurrent writer may take it before this
    insert: the unique index then refuses the row. That is the refusal full_clean would have
    given (a ValidationError on the field), not a server error. The caller's transaction is
    rolled back by the exception, so nothing of the write remains."""
    try:
        yield
    except IntegrityError as exc:
        field = _unique_field_named_in(instance, str(exc))
        if field is None:
            raise
        raise ValidationError(
            {field: instance.unique_error_message(type(instance), (field,))}
        ) from exc


def _unique_field_named_in(instance, message):
    """The unique field that a database's duplicate-key message names: SQLite says
    `UNIQUE constraint failed: agenda_agreement.code`, PostgreSQL `Key (code)=(…)`."""
    table = instance._meta.db_table
    for field in instance._meta.concrete_fields:
        named = f"{table}.{field.column}" in message or f"Key ({field.column})=" in message
        if field.unique and not field.primary_key and named:
            return field.name
    return None


def delete_as(instance, user):
    instance._history_user = history_user(user)
    instance.delete()


def save_new_version(instance, user, *, m2m=None):
    """One new version of a versioned record: its version goes up by one and its history gets
    one record, many-to-many changes (`{field: objects}`) included."""
    instance.version += 1
    with recorded_by_next_save(instance):
        for name, objects in (m2m or {}).items():
            getattr(instance, name).set(objects)
    save_as(instance, user)


def refuse_unknown_fields(fields, allowed):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def save_new_record(instance, user, *, m2m=None):
    """A new record and its many-to-many links, recorded as one "created" history entry
    (not one entry for the row and one more per link). A record saved already (without
    history, to give rows that refer to it a key) gets its entry now."""
    with recorded_by_next_save(instance):
        if instance._state.adding:
            with duplicates_refused(instance):
                instance.save()
        for name, objects in (m2m or {}).items():
            getattr(instance, name).set(objects)
    save_as(instance, user)
    latest = instance.history.order_by("-history_id").values("history_id")[:1]
    instance.history.filter(history_id__in=latest).update(history_type="+")
