"""Every write to actions: keyword-only, atomic, row-locked, scope-checked, history-recorded."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.choices import ActionStatus, move_refusal
from actions.models import Action, ActionUpdate
from config.concurrency import lock_for_write
from config.history import recorded_by_next_save
from regions.models import Region

EDITABLE_FIELDS = (
    "agreement",
    "code",
    "title",
    "description",
    "owner",
    "region",
    "progress",
    "start_date",
    "due_date",
    "result",
    "source",
)


def _check_in_scope(action, user):
    if not Action.objects.editable_by(user).filter(pk=action.pk).exists():
        raise PermissionDenied(_("This action is outside your scope."))


def _validate(action):
    action.full_clean(exclude=["contributors"])
    agreement_regions = list(action.agreement.regions.all())
    if (
        action.region_id
        and agreement_regions
        and not Region.objects.within(*agreement_regions).filter(pk=action.region_id).exists()
    ):
        raise ValidationError(
            {"region": _("The region must lie inside one of the agreement's regions.")}
        )


def _save(action, user):
    action._history_user = user
    action.save()


@transaction.atomic
def action_create(*, user, contributors=(), **fields) -> Action:
    """A new action, always `planned`; refused unless the result lies in the user's scope."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    action = Action(status=ActionStatus.PLANNED, **fields)
    _validate(action)
    _save(action, user)
    action.contributors.set(contributors)
    _check_in_scope(action, user)
    return action


@transaction.atomic
def action_update(
    *, action, user, expected_version=None, contributors=None, status=None, note="", **fields
) -> Action:
    """Change an action's fields (and, through `action_move_status`, its status).
    A write may not move the action out of the writer's scope."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    _check_in_scope(locked, user)
    changed = {name for name, value in fields.items() if getattr(locked, name) != value}
    for name in changed:
        setattr(locked, name, fields[name])
    contributors_changed = contributors is not None and set(contributors) != set(
        locked.contributors.all()
    )
    if changed or contributors_changed:
        _validate(locked)
        locked.version += 1
        if contributors_changed:
            with recorded_by_next_save(locked):
                locked.contributors.set(contributors)
        _save(locked, user)
        _check_in_scope(locked, user)
    if status is not None and status != locked.status:
        locked = action_move_status(action=locked, to=status, user=user, note=note)
    return locked


@transaction.atomic
def action_move_status(
    *, action, to, user, note="", progress=None, expected_version=None
) -> Action:
    """Move an action along ACTION_STATUS_MOVES and log it. `done` completes the action;
    risks, cancellations and reopenings need a note."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    _check_in_scope(locked, user)
    status_from = ActionStatus(locked.status)
    refusal = move_refusal(status_from, to, note)
    if refusal:
        raise ValidationError(refusal)
    to = ActionStatus(to)
    note = (note or "").strip()

    locked.status = to
    if progress is not None:
        locked.progress = progress
    if to == ActionStatus.DONE:
        locked.progress = 100
        locked.completed_on = timezone.localdate()
    elif status_from == ActionStatus.DONE:
        locked.completed_on = None
    locked.version += 1
    locked.full_clean(exclude=["contributors"])
    _save(locked, user)
    ActionUpdate.objects.create(
        action=locked,
        author=user if user and user.is_authenticated else None,
        status_from=status_from,
        status_to=to,
        progress=locked.progress,
        note=note,
    )
    return locked


@transaction.atomic
def action_delete(*, action, user, expected_version=None):
    """Delete an action (its progress log goes with it; the history keeps the record)."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    _check_in_scope(locked, user)
    locked._history_user = user
    locked.delete()
