"""Every write to actions: keyword-only, atomic, row-locked, scope-checked before and after,
one version and one history record per write. Status moves happen here only, along
ACTION_STATUS_MOVES, each logged as an ActionUpdate."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from actions.choices import ActionStatus, move_refusal
from actions.models import Action, ActionUpdate
from agenda.scope import OutOfScope, ensure_editable, scope_for
from config.clock import today
from config.concurrency import lock_for_write
from config.services import (
    apply_changes,
    delete_as,
    history_user,
    refuse_unknown_fields,
    save_new_record,
    save_new_version,
    set_fields,
)
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


def _next_code(agreement):
    """`<agreement code>-A<n>`: the first number not taken under the agreement."""
    taken = set(
        Action.objects.filter(code__startswith=f"{agreement.code}-A").values_list("code", flat=True)
    )
    number = agreement.actions.count() + 1
    while f"{agreement.code}-A{number}" in taken:
        number += 1
    return f"{agreement.code}-A{number}"


def _validate(action):
    # The fields' own errors first: without an agreement no code could be generated, and
    # "needs an agreement" says what to fix where "needs a code" does not.
    action.full_clean(exclude=["contributors"] if action.code else ["contributors", "code"])
    if not action.code:
        raise ValidationError({"code": _("An action needs a code.")})
    agreement_regions = list(action.agreement.regions.all())
    if (
        action.region_id
        and agreement_regions
        and not Region.objects.within(*agreement_regions).filter(pk=action.region_id).exists()
    ):
        raise ValidationError(
            {"region": _("The region must lie inside one of the agreement's regions.")}
        )


def _check_links(user, action, changed, contributors_touched):
    """Non-ministry editors set only their own parties (owner, contributors) and regions
    inside their working area."""
    scope = scope_for(user)
    if "owner" in changed:
        scope.check_party_links("owner", [action.owner])
    if "region" in changed and action.region_id:
        scope.check_regions("region", [action.region])
    scope.check_party_links("contributors", contributors_touched)


def _ensure_addable(user, action):
    """Creating an action, or moving it to another agreement, needs the agreement to be open
    to the user (Action.objects.addable_by)."""
    if not Action.objects.addable_by(user).contains(action):
        raise OutOfScope(
            _("You cannot add actions to this agreement for this owner and region."),
            field="agreement",
        )


def _move(action, to, note):
    """Apply a status move to the (locked) action; the log entry's fields, or a refusal.
    `done` completes the action; risks, cancellations and reopenings need a note."""
    status_from = ActionStatus(action.status)
    refusal = move_refusal(status_from, to, note)
    if refusal:
        raise ValidationError(refusal)
    to = ActionStatus(to)
    action.status = to
    if to == ActionStatus.DONE:
        action.progress = 100
        action.completed_on = today()
    elif status_from == ActionStatus.DONE:
        action.completed_on = None
    return status_from


def _log(action, user, status_from, note):
    return ActionUpdate.objects.create(
        action=action,
        author=history_user(user),
        status_from=status_from,
        status_to=action.status,
        progress=action.progress,
        note=(note or "").strip(),
    )


@transaction.atomic
def action_create(*, user, contributors=(), status=None, **fields) -> Action:
    """A new action, always `planned`; refused unless the user may add it there."""
    refuse_unknown_fields(fields, EDITABLE_FIELDS)
    if status not in (None, ActionStatus.PLANNED):
        raise ValidationError({"status": _("New actions start as planned; move them afterwards.")})
    action = Action(status=ActionStatus.PLANNED, **fields)
    if not action.code and action.agreement_id:
        action.code = _next_code(action.agreement)
    _check_links(user, action, set_fields(action, fields), set(contributors))
    _validate(action)
    save_new_record(action, user, m2m={"contributors": contributors})
    ensure_editable(user, action)
    _ensure_addable(user, action)
    return action


@transaction.atomic
def action_update(
    *, action, user, expected_version=None, contributors=None, status=None, note="", **fields
) -> Action:
    """Change an action's fields and (through the status rules) its status, as one new
    version. Only what differs is written; a write may not move the action out of the
    writer's scope."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    ensure_editable(user, locked)
    changed = apply_changes(locked, fields, allowed=EDITABLE_FIELDS)
    if not locked.code:  # an action from before codes were required gets one now
        locked.code = _next_code(locked.agreement)
        changed.append("code")
    stored = set(locked.contributors.all())
    touched = set(contributors) ^ stored if contributors is not None else set()
    status_from = None
    if status is not None and status != locked.status:
        status_from = _move(locked, status, note)
    if not changed and not touched and status_from is None:
        return locked
    _check_links(user, locked, changed, touched)
    _validate(locked)
    save_new_version(locked, user, m2m={"contributors": contributors} if touched else None)
    if status_from is not None:
        _log(locked, user, status_from, note)
    ensure_editable(user, locked)
    if "agreement" in changed:
        _ensure_addable(user, locked)
    return locked


@transaction.atomic
def action_add_update(
    *, action, user, status=None, progress=None, note="", expected_version=None
) -> ActionUpdate:
    """A progress-log entry: a status move (by those who may change the action) or, keeping
    the status, a new progress and/or a note (contributors may add those too)."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    before = (locked.status, locked.progress)
    if status is not None and status != locked.status:
        ensure_editable(user, locked)
        status_from = _move(locked, status, note)
        if progress is not None and status != ActionStatus.DONE:
            locked.progress = progress
    else:
        if not Action.objects.updatable_by(user).contains(locked):
            raise OutOfScope(_("You cannot add progress updates to this action."))
        status_from = locked.status
        progress_changed = progress is not None and progress != locked.progress
        if not progress_changed and not (note or "").strip():
            raise ValidationError({"note": _("A progress update needs a note or a new progress.")})
        if progress_changed:
            locked.progress = progress
    if (locked.status, locked.progress) != before:
        locked.full_clean(exclude=["contributors"])
        save_new_version(locked, user)
    return _log(locked, user, status_from, note)


@transaction.atomic
def action_delete(*, action, user, expected_version=None):
    """Delete an action (its progress log goes with it; the history keeps the record)."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    ensure_editable(user, locked)
    delete_as(locked, user)
