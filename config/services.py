"""What every write service shares: apply only what changed, validate, bump the version once,
and save with the acting user recorded in the history (django-simple-history)."""

from django.core.exceptions import ValidationError
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
    instance.save()


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
            instance.save()
        for name, objects in (m2m or {}).items():
            getattr(instance, name).set(objects)
    save_as(instance, user)
    latest = instance.history.order_by("-history_id").values("history_id")[:1]
    instance.history.filter(history_id__in=latest).update(history_type="+")
