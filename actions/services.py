"""Every write to actions: keyword-only, atomic, row-locked, scope-checked before and after,
one version and one history record per write. Status moves happen here only, along
ACTION_STATUS_MOVES, each logged as an ActionUpdate."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.choices import ActionStatus, move_refusal
from actions.models import Action, ActionUpdate
from agenda.scope import (
    OutOfScope,
    ensure_editable,
    outside_after_write,
    read_only_reason,
    scope_for,
)
from config.clock import today
from config.concurrency import StaleVersionError, lock_for_write
from config.history import record_in_bulk
from config.services import (
    apply_changes,
    constraint_errors,
    delete_as,
    history_user,
    refuse_unknown_fields,
    save_new_record,
    save_new_version,
    set_fields,
)
from regions.models import Region, RegionClosure

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


CODE_WINDOW = 20


def _next_code(agreement, after=0):
    """`<agreement code>-A<n>`: the first number (above `after`) not taken, whatever the
    letter case."""
    return _next_codes(agreement, 1, after)[0]


def _next_codes(agreement, how_many, after=0):
    """The first `how_many` free codes `<agreement code>-A<n>` (n above `after`), in order.

    The search starts past the agreement's number of actions, or past the last number this
    agreement object handed out: a run of creates (an import of thousands of new rows) then
    looks up a window of candidate codes by index per batch, never every code again."""
    prefix = f"{agreement.code}-A"
    handed_out = getattr(agreement, "_last_code_number", None)
    number = max(after, agreement.actions.count() if handed_out is None else handed_out) + 1
    free = []
    while len(free) < how_many:
        size = min(how_many - len(free) + CODE_WINDOW, 500)
        window = {f"{prefix}{n}".upper(): n for n in range(number, number + size)}
        taken = set(
            Action.objects.order_by()
            .annotate(upper_code=Upper("code"))
            .filter(upper_code__in=window)
            .values_list("upper_code", flat=True)
        )
        free += [n for key, n in window.items() if key not in taken][: how_many - len(free)]
        number += size
    agreement._last_code_number = free[-1]
    return [f"{prefix}{n}" for n in free]


GENERATED_CODE_ATTEMPTS = 5


def _save_with_generated_code(action, user, contributors):
    """Save a new action whose code was generated: when a concurrent create took that code
    between the look-up and the insert (the unique index refuses the row), take the next
    free number and try again, each attempt in a savepoint. Never "code already exists"
    for a code the caller did not choose."""
    for attempt in range(GENERATED_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                save_new_record(action, user, m2m={"contributors": contributors})
            return
        except ValidationError as exc:
            if (
                "code" not in getattr(exc, "error_dict", {})
                or attempt + 1 == GENERATED_CODE_ATTEMPTS
            ):
                raise
            number = int(action.code.rsplit("-A", 1)[1])
            action.code = _next_code(action.agreement, after=number)
            action.pk = action.id = None


class _OneRow:
    """What the rules read from the database, for one action at a time (the single-row
    services). `_Batch` answers the same questions for many actions from a few queries."""

    def full_clean(self, action, exclude):
        action.full_clean(exclude=exclude)

    def region_inside_agreement(self, action):
        agreement_regions = list(action.agreement.regions.all())
        return (
            not agreement_regions
            or Region.objects.within(*agreement_regions).filter(pk=action.region_id).exists()
        )

    def working_area_ids(self, scope, regions):
        return None  # check_regions asks the database itself

    def contributors(self, action):
        return set(action.contributors.all())


ONE_ROW = _OneRow()


def _validate(action, rules=ONE_ROW):
    # The fields' own errors first: without an agreement no code could be generated, and
    # "needs an agreement" says what to fix where "needs a code" does not.
    rules.full_clean(action, ["contributors"] if action.code else ["contributors", "code"])
    if not action.code:
        raise ValidationError({"code": _("An action needs a code.")})
    if action.region_id and not rules.region_inside_agreement(action):
        raise ValidationError(
            {"region": _("The region must lie inside one of the agreement's regions.")}
        )


def _check_links(user, action, changed, contributors_touched, rules=ONE_ROW):
    """Non-ministry editors set only their own parties (owner, contributors) and regions
    inside their working area."""
    scope = scope_for(user)
    if "owner" in changed and action.owner_id is not None:  # no owner: validation refuses
        scope.check_party_links("owner", [action.owner])
    if "region" in changed and action.region_id:
        inside = rules.working_area_ids(scope, [action.region])
        scope.check_regions("region", [action.region], inside_ids=inside)
    scope.check_party_links("contributors", contributors_touched)


def _ensure_addable(user, action):
    """Creating an action, or moving it to another agreement, needs the agreement to be open
    to the user (Action.objects.addable_by)."""
    if not Action.objects.addable_by(user).contains(action):
        raise _not_addable()


def _not_addable():
    return OutOfScope(
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
    action = _new_action(fields, status)
    generated = not action.code and action.agreement_id
    if generated:
        action.code = _next_code(action.agreement)
    _check_links(user, action, set_fields(action, fields), set(contributors))
    _validate(action)
    if generated:
        _save_with_generated_code(action, user, contributors)
    else:
        save_new_record(action, user, m2m={"contributors": contributors})
    ensure_editable(user, action, after_write=True)
    _ensure_addable(user, action)
    return action


def _new_action(fields, status):
    refuse_unknown_fields(fields, EDITABLE_FIELDS)
    if status not in (None, ActionStatus.PLANNED):
        raise ValidationError({"status": _("New actions start as planned; move them afterwards.")})
    return Action(status=ActionStatus.PLANNED, **fields)


@dataclass
class ActionCreation:
    """One new action for `action_create_many`: `action_create`'s arguments."""

    fields: dict = field(default_factory=dict)
    contributors: list = field(default_factory=list)
    status: str | None = None


def action_create_many(*, user, creations):
    """`action_create` for many new actions in one go: the same rules (the agreement open to
    the user for this owner and region, their own parties and regions, validation, a code
    unique in any letter case, generated where none is given, one "created" history record
    by `user` each), read with a fixed number of queries for the whole batch and written in
    bulk.

    Returns one result per creation, in order: the new Action, or the refusal (the exception
    `action_create` would raise). All or nothing: when any is refused, nothing of the batch
    is written. When the database itself refuses the batch (a code taken meanwhile by a
    concurrent writer), each is created alone, so that a generated code moves on and a
    chosen one is refused by its row."""
    return _all_or_nothing(user, creations, _create_many, _create_one)


def _create_one(user, creation):
    try:
        return action_create(
            user=user,
            contributors=creation.contributors,
            status=creation.status,
            **creation.fields,
        )
    except (ValidationError, OutOfScope, IntegrityError) as exc:
        return exc


def _create_many(user, creations, results):
    rules = _Batch(creations, {})
    new = {}
    for index, creation in enumerate(creations):
        try:
            new[index] = _new_action(creation.fields, creation.status)
        except ValidationError as exc:
            results[index] = exc
    _generate_codes(new.values())
    built = []
    for index, action in new.items():
        creation = creations[index]
        try:
            changed = set_fields(action, creation.fields)
            _check_links(user, action, changed, set(creation.contributors), rules)
            _validate(action, rules)
        except (ValidationError, OutOfScope) as exc:
            results[index] = exc
            continue
        results[index] = action
        built.append((index, action, creation))
    _check_new_codes(built, results)
    built = [b for b in built if not isinstance(results[b[0]], Exception)]
    if not built:
        return
    author = history_user(user)
    actions = [action for _index, action, _creation in built]
    for action in actions:
        action._history_user = author
    Action.objects.bulk_create(actions, batch_size=500)
    through = Action.contributors.through
    through.objects.bulk_create(
        through(action=action, party=party)
        for _index, action, creation in built
        for party in creation.contributors
    )
    record_in_bulk(Action, actions, changed=False, user=author)
    ids = [action.pk for action in actions]
    editable = set(Action.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    addable = set(Action.objects.addable_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    for index, action, _creation in built:
        if action.pk not in editable:
            results[index] = outside_after_write(action)
        elif action.pk not in addable:
            results[index] = _not_addable()


def _generate_codes(actions):
    """A code for each new action without one: per agreement, the next free numbers in the
    order of the actions, from one look-up (not one per action)."""
    by_agreement = defaultdict(list)
    for action in actions:
        if not action.code and action.agreement_id:
            by_agreement[action.agreement_id].append(action)
    for waiting in by_agreement.values():
        # One agreement object for the batch, so that the numbers it handed out are known.
        codes = _next_codes(waiting[0].agreement, len(waiting))
        for action, code in zip(waiting, codes, strict=True):
            action.code = code


def _check_new_codes(built, results):
    """A code taken already, or twice in the batch, in any letter case: refused as
    `full_clean` refuses it."""
    holders = defaultdict(list)
    for index, action, _creation in built:
        holders[action.code.upper()].append((index, action))
    if not holders:
        return
    stored = set(
        Action.objects.order_by()
        .annotate(upper_code=Upper("code"))
        .filter(upper_code__in=list(holders))
        .values_list("upper_code", flat=True)
    )
    for key, group in holders.items():
        for index, action in group if key in stored else group[1:]:
            results[index] = ValidationError(
                {"code": action.unique_error_message(Action, ("code",))}
            )


@transaction.atomic
def action_update(
    *, action, user, expected_version=None, contributors=None, status=None, note="", **fields
) -> Action:
    """Change an action's fields and (through the status rules) its status, as one new
    version. Only what differs is written; a write may not move the action out of the
    writer's scope."""
    locked = lock_for_write(Action.objects.all(), action.pk, expected_version)
    ensure_editable(user, locked)
    change = ActionChange(action, expected_version, contributors, status, note, fields)
    prepared = _prepare_update(user, locked, change, ONE_ROW)
    if prepared is None:
        return locked
    changed, touched, status_from = prepared
    save_new_version(locked, user, m2m={"contributors": contributors} if touched else None)
    if status_from is not None:
        _log(locked, user, status_from, note)
    ensure_editable(user, locked, after_write=True)
    if "agreement" in changed:
        _ensure_addable(user, locked)
    return locked


def _prepare_update(user, locked, change, rules):
    """The rules of an update, applied to the locked action in memory: (changed fields,
    contributors touched, the status moved from or None), or None when nothing changes.
    Refuses (raises) as `action_update` does; `rules` reads what they need."""
    changed = apply_changes(locked, change.fields, allowed=EDITABLE_FIELDS)
    if not locked.code:  # an action from before codes were required gets one now
        locked.code = _next_code(locked.agreement)
        changed.append("code")
    contributors = change.contributors
    touched = set(contributors) ^ rules.contributors(locked) if contributors is not None else set()
    status_from = None
    if change.status is not None and change.status != locked.status:
        status_from = _move(locked, change.status, change.note)
    if not changed and not touched and status_from is None:
        return None
    _check_links(user, locked, changed, touched, rules)
    _validate(locked, rules)
    return changed, touched, status_from


@dataclass
class ActionChange:
    """One action's change for `action_update_many`: `action_update`'s arguments."""

    action: Action
    expected_version: int | None = None
    contributors: list | None = None
    status: str | None = None
    note: str = ""
    fields: dict = field(default_factory=dict)


def _all_or_nothing(user, items, many, one):
    """The batch services' one run: `many` answers per item in a savepoint, rolled back when
    any item is refused; when the database refuses the batch (a constraint, a concurrent
    duplicate), each item goes through `one` alone, so that the refusal names its item."""
    if not items:
        return []
    results = [None] * len(items)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    many(user, items, results)
            except IntegrityError:
                results = [one(user, item) for item in items]
            if any(isinstance(result, Exception) for result in results):
                raise _Refused
    except _Refused:
        pass
    return results


class _Refused(Exception):
    """A change of the batch was refused: its savepoint is rolled back."""


def action_update_many(*, user, changes):
    """`action_update` for many actions in one go: the same rules (scope before and after,
    the status moves, the version check, validation, one new version and one history record
    by `user` per changed action, a progress-log entry per move), read with a fixed number
    of queries for the whole batch rather than some per action, and written in bulk.

    Returns one result per change, in order: the saved (or unchanged) Action, or the refusal
    (the exception `action_update` would raise). All or nothing: when any change is refused,
    nothing of the batch is written. When the database itself refuses the batch (a
    constraint, a concurrent duplicate), each change is run through `action_update` alone, so
    that the refusal names its row."""
    return _all_or_nothing(user, changes, _update_many, _update_one)


def _update_one(user, change):
    try:
        return action_update(
            action=change.action,
            user=user,
            expected_version=change.expected_version,
            contributors=change.contributors,
            status=change.status,
            note=change.note,
            **change.fields,
        )
    except (ValidationError, OutOfScope, StaleVersionError, IntegrityError) as exc:
        return exc


def _update_many(user, changes, results):
    ids = [change.action.pk for change in changes]
    locked = {action.pk: action for action in Action.objects.select_for_update().filter(pk__in=ids)}
    for change in changes:
        if change.action.pk in locked:
            _share_related(locked[change.action.pk], change.action)
    editable = set(Action.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    rules = _Batch(changes, locked)
    written = []
    for index, change in enumerate(changes):
        action = locked.get(change.action.pk)
        try:
            if action is None:
                raise ValidationError(_("This action no longer exists."))
            expected = change.expected_version
            if expected is not None and action.version != int(expected):
                raise StaleVersionError(action)
            if action.pk not in editable:
                raise OutOfScope(read_only_reason(user, action))
            prepared = _prepare_update(user, action, change, rules)
        except (ValidationError, OutOfScope, StaleVersionError) as exc:
            results[index] = exc
            continue
        results[index] = action
        if prepared is not None:
            written.append((index, action, change, *prepared))
    rules.check_unique_codes(written, results)
    written = [w for w in written if not isinstance(results[w[0]], Exception)]
    if written:
        _write_many(user, written)
        _check_after_write(user, written, results)


RELATED = ("agreement", "owner", "region")


def _share_related(locked, read):
    """The objects the caller read with the action (agreement, owner, region), given to its
    locked copy where the keys are the same (others are read when needed)."""
    for name in RELATED:
        field = Action._meta.get_field(name)
        same = getattr(locked, field.attname) == getattr(read, field.attname)
        if same and field.is_cached(read):
            field.set_cached_value(locked, field.get_cached_value(read))


def _write_many(user, written):
    """One new version per action, its links, its history record (by `user`) and its
    progress-log entries, in bulk."""
    now, author = timezone.now(), history_user(user)
    names = {"version", "updated_at"}
    for _index, action, _change, changed, _touched, status_from in written:
        action.version += 1
        action.updated_at = now
        action._history_user = author
        names.update(changed)
        if status_from is not None:
            names.update(("status", "progress", "completed_on"))
    objects = [w[1] for w in written]
    _save_many(objects, sorted(names - {"version", "updated_at"}), now)
    through = Action.contributors.through
    relinked = [(w[1], w[2].contributors) for w in written if w[4]]
    if relinked:
        through.objects.filter(action__in=[a for a, _c in relinked]).delete()
        through.objects.bulk_create(
            through(action=action, party=party) for action, parties in relinked for party in parties
        )
    record_in_bulk(Action, objects, changed=True, user=author)
    ActionUpdate.objects.bulk_create(
        ActionUpdate(
            action=action,
            author=author,
            status_from=status_from,
            status_to=action.status,
            progress=action.progress,
            note=(change.note or "").strip(),
        )
        for _index, action, change, _changed, _touched, status_from in written
        if status_from is not None
    )


SAME_VALUE_STATEMENTS = 10


def _save_many(objects, names, now):
    """The actions' new versions: one UPDATE per group of actions given the same values (a
    column edited in Excel: one statement or a few), the largest SAME_VALUE_STATEMENTS
    groups so; the rest in one `bulk_update`. The rows are locked and their versions
    checked, so `version + 1` is the version each instance holds."""
    columns = [Action._meta.get_field(name).attname for name in names]
    groups = defaultdict(list)
    for action in objects:
        groups[tuple(getattr(action, column) for column in columns)].append(action)
    largest = sorted(groups.items(), key=lambda item: -len(item[1]))
    rest = []
    for number, (values, members) in enumerate(largest):
        if number >= SAME_VALUE_STATEMENTS or len(members) == 1:
            rest.extend(members)
            continue
        Action.objects.filter(pk__in=[action.pk for action in members]).update(
            **dict(zip(columns, values, strict=True)), version=F("version") + 1, updated_at=now
        )
    if rest:
        Action.objects.bulk_update(rest, [*names, "version", "updated_at"], batch_size=500)


def _check_after_write(user, written, results):
    """A write may not take an action out of the writer's scope, nor move it to an
    agreement not open to them (as `action_update` checks after its save)."""
    ids = [w[1].pk for w in written]
    editable = set(Action.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    moved = [w[1].pk for w in written if "agreement" in w[3]]
    addable = set()
    if moved:
        addable = set(
            Action.objects.addable_by(user).filter(pk__in=moved).values_list("pk", flat=True)
        )
    for index, action, _change, changed, _touched, _from in written:
        if action.pk not in editable:
            results[index] = outside_after_write(action)
        elif "agreement" in changed and action.pk not in addable:
            results[index] = _not_addable()


class _Batch(_OneRow):
    """The rules' questions for a batch of actions, answered from a few queries made once:
    the stored contributors, the agreements' regions and the regions' ancestors, the
    user's working area. Unique codes and the model's check constraints are checked for
    the whole batch (`check_unique_codes`, `constraint_errors`) instead of one query per
    action and constraint."""

    def __init__(self, changes, locked):
        actions = list(locked.values())
        ids = [action.pk for action in actions]
        through = Action.contributors.through
        self._contributors = {pk: set() for pk in ids}
        links = list(through.objects.filter(action_id__in=ids).values_list("action_id", "party_id"))
        parties = Action._meta.get_field("owner").related_model.objects.in_bulk(
            {party_id for _action_id, party_id in links}
        )
        for action_id, party_id in links:
            self._contributors[action_id].add(parties[party_id])
        agreement_ids = {a.agreement_id for a in actions} | {
            c.fields["agreement"].pk for c in changes if c.fields.get("agreement") is not None
        }
        self._agreement_regions = {pk: set() for pk in agreement_ids}
        agreement_links = Action._meta.get_field("agreement").related_model.regions.through
        for agreement_id, region_id in agreement_links.objects.filter(
            agreement_id__in=agreement_ids
        ).values_list("agreement_id", "region_id"):
            self._agreement_regions[agreement_id].add(region_id)
        region_ids = {a.region_id for a in actions} | {
            c.fields["region"].pk for c in changes if c.fields.get("region") is not None
        }
        region_ids.discard(None)
        self._ancestors = {pk: set() for pk in region_ids}
        for descendant, ancestor in RegionClosure.objects.filter(
            descendant_id__in=region_ids
        ).values_list("descendant_id", "ancestor_id"):
            self._ancestors[descendant].add(ancestor)
        self._region_ids = region_ids
        self._working_area = None

    def contributors(self, action):
        return set(self._contributors.get(action.pk, ()))

    def region_inside_agreement(self, action):
        agreement_regions = self._agreement_regions.get(action.agreement_id)
        if agreement_regions is None:  # an agreement outside the batch's own
            return super().region_inside_agreement(action)
        ancestors = self._ancestors.get(action.region_id)
        if ancestors is None:
            return super().region_inside_agreement(action)
        return not agreement_regions or bool(ancestors & agreement_regions)

    def working_area_ids(self, scope, regions):
        if self._working_area is None:
            self._working_area = set(
                Region.objects.filter(pk__in=self._region_ids)
                .filter(pk__in=scope.working_area())
                .values_list("pk", flat=True)
            )
        if any(region.pk not in self._region_ids for region in regions):
            return None
        return self._working_area

    def full_clean(self, action, exclude):
        """`Model.full_clean` without its queries: references that are objects the batch
        holds need no lookup, uniqueness is checked for the batch, the check constraints
        are evaluated on the instance (`constraint_errors`)."""
        exclude = set(exclude) | {
            f.name
            for f in Action._meta.concrete_fields
            if f.many_to_one and getattr(action, f.attname) is not None
        }
        errors = {}
        try:
            action.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        failed = exclude | {name for name in errors if name != NON_FIELD_ERRORS}
        for message in constraint_errors(action, exclude=failed):
            errors.setdefault(NON_FIELD_ERRORS, []).append(message)
        if errors:
            raise ValidationError(errors)

    def check_unique_codes(self, written, results):
        """A code taken by another action, or by two of the batch, is refused as
        `full_clean` refuses it."""
        codes = {}
        for index, action, _change, changed, _touched, _from in written:
            if "code" in changed and action.code:
                codes.setdefault(action.code, []).append((index, action))
        if not codes:
            return
        stored = dict(Action.objects.filter(code__in=list(codes)).values_list("code", "pk"))
        for code, holders in codes.items():
            taken = stored.get(code) not in (None, holders[0][1].pk)
            if taken or len(holders) > 1:
                for index, action in holders if taken else holders[1:]:
                    results[index] = ValidationError(
                        {"code": action.unique_error_message(Action, ("code",))}
                    )


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
            raise OutOfScope(
                " ".join(
                    [
                        _("You cannot add progress updates to this action."),
                        read_only_reason(user, locked),
                    ]
                )
            )
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
