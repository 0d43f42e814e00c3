"""What every write service shares: apply only what changed, validate, bump the version once,
and save with the acting user recorded in the history (django-simple-history)."""

import operator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import CheckConstraint, F, Q
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


# --- Check constraints evaluated on an instance ------------------------------------------

_COMPARISONS = {
    "exact": operator.eq,
    "gte": operator.ge,
    "lte": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
}


class _NotEvaluable(Exception):
    """A condition this evaluator does not know: the database is asked instead."""


def constraint_errors(instance, *, exclude=()):
    """The messages of the model's check constraints that `instance` violates, as
    `Model.validate_constraints` gives them, without a query per constraint: the conditions
    (comparisons, `in`, `isnull`, `F()` of the same row, and/or/not) are evaluated on the
    instance with SQL's three-valued logic (unknown passes, as in a CHECK). A condition of
    another kind is left to the database (`constraint.validate`). Constraints on a field in
    `exclude` are skipped."""
    messages = []
    model = type(instance)
    for constraint in model._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        if exclude and set(constraint.condition.referenced_base_fields) & set(exclude):
            continue
        try:
            holds = _holds(constraint.condition, instance) is not False
        except _NotEvaluable:
            try:
                constraint.validate(model, instance, exclude=exclude)
            except ValidationError as exc:
                messages.extend(exc.messages)
            continue
        if not holds:
            messages.append(constraint.get_violation_error_message())
    return messages


def _holds(condition, instance):
    """True, False or None (unknown) for a Q on the instance's own fields."""
    values = [
        _holds(child, instance) if isinstance(child, Q) else _lookup(child, instance)
        for child in condition.children
    ]
    if condition.connector == Q.AND:
        result = False if False in values else (None if None in values else True)
    elif condition.connector == Q.OR:
        result = True if True in values else (None if None in values else False)
    else:
        raise _NotEvaluable(condition.connector)
    if condition.negated:
        return None if result is None else not result
    return result


def _lookup(child, instance):
    lookup, expected = child
    name, _sep, kind = lookup.partition("__")
    kind = kind or "exact"
    try:
        value = getattr(instance, instance._meta.get_field(name).attname)
    except Exception:
        raise _NotEvaluable(lookup) from None
    if isinstance(expected, F):
        try:
            expected = getattr(instance, instance._meta.get_field(expected.name).attname)
        except Exception:
            raise _NotEvaluable(lookup) from None
    elif hasattr(expected, "resolve_expression"):
        raise _NotEvaluable(lookup)
    if kind == "isnull":
        return (value is None) == bool(expected)
    if value is None or expected is None:
        return None
    if kind == "in":
        return value in expected
    if kind not in _COMPARISONS:
        raise _NotEvaluable(lookup)
    return _COMPARISONS[kind](value, expected)
