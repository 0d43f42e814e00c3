import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from actions.choices import ACTION_STATUS_MOVES, ActionStatus
from actions.models import Action, ActionUpdate
from actions.services import (
    _save_with_generated_code,
    action_add_update,
    action_create,
    action_delete,
    action_update,
)
from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError
from tests.datasets import build_people, dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory, PartyFactory, UserFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
people_rows, people = shared_dataset("people", build_people)
tree, parties, users = dataset_parts("people", "tree", "parties", "users")

ALL_MOVES = list(itertools.product(ActionStatus.values, repeat=2))
# DESIGN.md's table of status moves, written out: the tests never derive it from the code.
DESIGN_MOVES = {
    ("planned", "in_progress"),
    ("planned", "cancelled"),
    ("in_progress", "at_risk"),
    ("in_progress", "done"),
    ("in_progress", "cancelled"),
    ("at_risk", "in_progress"),
    ("at_risk", "done"),
    ("at_risk", "cancelled"),
    ("done", "in_progress"),
    ("cancelled", "planned"),
}


def test_the_move_table_is_designs():
    """ACTION_STATUS_MOVES holds exactly DESIGN.md's moves, no more, no fewer."""
    assert {(a, b) for a, tos in ACTION_STATUS_MOVES.items() for b in tos} == DESIGN_MOVES


def put_in_status(action, status):
    """Bring a fresh action into `status` the way a user would (through the service)."""
    admin = UserFactory(username="setup-admin", is_superuser=True)
    path = {
        "planned": [],
        "in_progress": ["in_progress"],
        "at_risk": ["in_progress", "at_risk"],
        "done": ["in_progress", "done"],
        "cancelled": ["cancelled"],
    }[status]
    for step in path:
        action = action_add_update(action=action, status=step, user=admin, note="setup").action
    return action


@pytest.fixture
def ministry(users):
    return users["ministry_editor"]


@pytest.mark.parametrize(("status_from", "status_to"), sorted(DESIGN_MOVES))
def test_every_allowed_move_succeeds_and_is_logged(db, users, status_from, status_to):
    """Each move of DESIGN.md's table works, bumps the version once and writes exactly one
    progress-log entry."""
    action = put_in_status(ActionFactory(), status_from)
    logged, version = ActionUpdate.objects.count(), action.version
    entry = action_add_update(
        action=action, status=status_to, user=users["ministry_editor"], note="because"
    )
    action.refresh_from_db()
    assert (action.status, action.version) == (status_to, version + 1)
    assert ActionUpdate.objects.count() == logged + 1
    assert (entry.status_from, entry.status_to, entry.author) == (
        status_from,
        status_to,
        users["ministry_editor"],
    )


@pytest.mark.parametrize(
    ("status_from", "status_to"), [m for m in ALL_MOVES if m not in DESIGN_MOVES and m[0] != m[1]]
)
def test_every_other_move_is_refused_and_changes_nothing(db, users, status_from, status_to):
    """Moves outside the table are refused; nothing is written."""
    action = put_in_status(ActionFactory(), status_from)
    version, logged = action.version, ActionUpdate.objects.count()
    with pytest.raises(ValidationError) as refused:
        action_add_update(
            action=action, status=status_to, user=users["ministry_editor"], note="because"
        )
    assert "status" in refused.value.message_dict
    action.refresh_from_db()
    assert (action.status, action.version) == (status_from, version)
    assert ActionUpdate.objects.count() == logged


def test_unknown_status_is_refused(db, ministry):
    action = ActionFactory()
    with pytest.raises(ValidationError):
        action_add_update(action=action, status="paused", user=ministry, note="x")
    action.refresh_from_db()
    assert action.status == "planned"


@pytest.mark.parametrize(
    ("status_from", "status_to"),
    [
        ("in_progress", "at_risk"),
        ("planned", "cancelled"),
        ("in_progress", "cancelled"),
        ("done", "in_progress"),
        ("cancelled", "planned"),
    ],
)
def test_risk_cancel_and_reopen_need_a_note(db, ministry, status_from, status_to):
    action = put_in_status(ActionFactory(), status_from)
    with pytest.raises(ValidationError) as refused:
        action_add_update(action=action, status=status_to, user=ministry, note="   ")
    assert "note" in refused.value.message_dict
    action.refresh_from_db()
    assert action.status == status_from


def test_done_completes_the_action_and_reopening_clears_the_date(db, ministry):
    action = put_in_status(ActionFactory(progress=30), "in_progress")
    done = action_add_update(action=action, status="done", user=ministry).action
    assert (done.progress, done.completed_on) == (100, timezone.localdate())
    reopened = action_add_update(
        action=done, status="in_progress", user=ministry, note="nog niet"
    ).action
    assert reopened.completed_on is None


def test_stale_version_is_refused(db, ministry):
    """Two editors read version 1; the second to write is refused and nothing changes."""
    action = ActionFactory()
    action_update(action=action, user=ministry, expected_version=1, title="Eerste")
    with pytest.raises(StaleVersionError):
        action_update(action=action, user=ministry, expected_version=1, title="Tweede")
    action.refresh_from_db()
    assert (action.title, action.version) == ("Eerste", 2)


def test_overdue_is_derived_from_due_date_and_status(db):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    late = ActionFactory(due_date=yesterday)
    ActionFactory(due_date=today)
    ActionFactory(due_date=None)
    finished = put_in_status(ActionFactory(due_date=yesterday), "done")
    cancelled = put_in_status(ActionFactory(due_date=yesterday), "cancelled")
    at_risk = put_in_status(ActionFactory(due_date=yesterday), "at_risk")
    assert set(Action.objects.overdue()) == {late, at_risk}
    assert late.is_overdue
    assert not finished.is_overdue
    assert not cancelled.is_overdue
    assert set(Action.objects.not_overdue()) == set(Action.objects.all()) - {late, at_risk}


def test_editor_cannot_move_an_action_outside_their_scope(db, users, parties):
    action = ActionFactory(owner=parties["PV27"])
    with pytest.raises(PermissionDenied):
        action_add_update(action=action, status="in_progress", user=users["brabant_editor"])
    action.refresh_from_db()
    assert action.status == "planned"
    assert not ActionUpdate.objects.exists()


def test_update_may_not_move_an_action_out_of_scope(db, users, parties):
    """A Brabant editor cannot hand their action to Noord-Holland: refused, rolled back."""
    action = ActionFactory(owner=parties["PV30"])
    with pytest.raises(PermissionDenied):
        action_update(action=action, user=users["brabant_editor"], owner=parties["PV27"])
    action.refresh_from_db()
    assert (action.owner, action.version) == (parties["PV30"], 1)


def test_create_outside_scope_writes_nothing(db, users, parties):
    """Anyone in scope adds actions to a generic agreement, but only for their own party."""
    generic = AgreementFactory()
    own = action_create(
        user=users["brabant_editor"], agreement=generic, owner=parties["PV30"], title="Eigen"
    )
    assert own.status == "planned"
    with pytest.raises(PermissionDenied):
        action_create(
            user=users["brabant_editor"], agreement=generic, owner=parties["PV27"], title="Ander"
        )
    assert list(Action.objects.values_list("title", flat=True)) == ["Eigen"]


def test_a_generated_code_is_the_next_free_one_and_the_action_is_recorded_once(db, users, parties):
    """No code given: `<agreement>-A<n>`, past the numbers taken (in any letter case), and one
    "created" history record by the user."""
    agreement = AgreementFactory(code="GEN")
    ActionFactory(agreement=agreement, code="gen-a2")
    first = action_create(
        user=users["superuser"], agreement=agreement, owner=parties["PV30"], title="Een"
    )
    second = action_create(
        user=users["superuser"], agreement=agreement, owner=parties["PV30"], title="Twee"
    )
    assert (first.code, second.code) == ("GEN-A3", "GEN-A4")
    for action in (first, second):
        assert [(r.history_type, r.history_user) for r in action.history.all()] == [
            ("+", users["superuser"])
        ]


def test_a_generated_code_taken_meanwhile_is_replaced_by_the_next_free_one(db, users, parties):
    """The race of two creates on PostgreSQL (tests/config/test_concurrent_creates.py), played
    in one thread: the code looked up as free is taken by the time of the insert. The save
    takes the next free number instead of failing with "code already exists"."""
    agreement = AgreementFactory(code="GEN")
    ActionFactory(agreement=agreement, code="GEN-A1", title="Eerste")
    late = Action(agreement=agreement, owner=parties["PV30"], title="Laat", code="GEN-A1")
    _save_with_generated_code(late, users["superuser"], [])
    assert late.code == "GEN-A2"
    assert list(Action.objects.order_by("code").values_list("code", "title")) == [
        ("GEN-A1", "Eerste"),
        ("GEN-A2", "Laat"),
    ]


def test_an_update_that_clears_the_code_gets_a_generated_one(db, ministry):
    """An action always has a code: cleared (or from before codes were required), the next
    free one of its agreement."""
    agreement = AgreementFactory(code="GEN")
    action = ActionFactory(agreement=agreement, code="EIGEN")
    action_update(action=action, user=ministry, code="")
    action.refresh_from_db()
    assert action.code == "GEN-A2"


def test_only_a_changed_region_is_checked_against_the_editors_area(db, users, parties, tree):
    """Brabant's own action, placed by the ministry in another province: Brabant may still
    change its title (only the links a write changes are the writer's to check)."""
    action = ActionFactory(owner=parties["PV30"], region=tree["PV27"])
    action_update(action=action, user=users["brabant_editor"], title="Nieuwe titel")
    action.refresh_from_db()
    assert (action.title, action.region) == ("Nieuwe titel", tree["PV27"])


def test_action_region_must_lie_inside_the_agreements_regions(db, tree, ministry):
    regional = AgreementFactory(scope="regional", regions=[tree["PV30"]])
    with pytest.raises(ValidationError) as refused:
        action_create(
            user=ministry,
            agreement=regional,
            owner=PartyFactory(),
            title="Elders",
            region=tree["GM0392"],
        )
    assert "region" in refused.value.message_dict
    assert not Action.objects.exists()


def test_stalled_means_open_and_untouched_for_n_days(db):
    """Stalled: open, not changed and no progress-log entry in the last N days."""
    now = timezone.now()
    quiet = ActionFactory(code="QUIET")
    logged = ActionFactory(code="LOGGED")
    finished = put_in_status(ActionFactory(code="DONE"), "done")
    fresh = ActionFactory(code="FRESH")
    # Test setup only: age the rows (auto_now cannot be set through save()).
    long_ago = now - datetime.timedelta(days=60)
    Action.objects.exclude(pk=fresh.pk).update(updated_at=long_ago)
    logged.updates.create(status_from="planned", status_to="planned", progress=0, note="bezig")
    assert set(Action.objects.stalled(30, now=now)) == {quiet}
    assert set(Action.objects.stalled(90, now=now)) == set()
    assert finished not in Action.objects.stalled(0, now=now + datetime.timedelta(days=1))


def test_stalled_is_judged_now_unless_a_moment_is_given(db):
    """Without a moment, stalled is judged now; with one, on that moment (a month on, an
    action untouched since today is stalled)."""
    action = ActionFactory(code="RECENT")
    assert action not in Action.objects.stalled(30)
    a_month_on = timezone.now() + datetime.timedelta(days=31)
    assert set(Action.objects.stalled(30, now=a_month_on)) == {action}


def test_not_stalled_is_everything_else(db):
    """The "stalled: no" filter is the complement of "stalled: yes" for the same day."""
    now = timezone.now()
    quiet = ActionFactory(code="QUIET")
    fresh = ActionFactory(code="FRESH")
    finished = put_in_status(ActionFactory(code="DONE"), "done")
    Action.objects.exclude(pk=fresh.pk).update(updated_at=now - datetime.timedelta(days=60))
    assert set(Action.objects.stalled(30, now=now)) == {quiet}
    assert set(Action.objects.not_stalled(30, now=now)) == {fresh, finished}


def test_involving_a_party_is_owning_or_contributing(db):
    """Either role is enough: an action the party only contributes to is in, as is one it
    only owns; an action of others is not."""
    party, other = PartyFactory(), PartyFactory()
    owned = ActionFactory(owner=party)
    contributed = ActionFactory(owner=other, contributors=[party])
    ActionFactory(owner=other)
    assert set(Action.objects.involving(party)) == {owned, contributed}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": 60}, "Een afgeronde actie heeft een afrondingsdatum en voortgang 100."),
        ({"progress": 150}, "Zorg ervoor dat deze waarde hoogstens 100 is."),
    ],
)
def test_a_refused_constraint_says_why_in_words(db, fields, message):
    """A check constraint that refuses a write names the rule in Dutch, never its internal
    name (the admin form and the import show this text to people)."""
    superuser = UserFactory(is_superuser=True)
    action = ActionFactory()
    action_add_update(action=action, status="in_progress", user=superuser)
    action_add_update(action=action, status="done", user=superuser)
    with pytest.raises(ValidationError) as refused:
        action_update(action=action, user=superuser, **fields)
    text = " ".join(refused.value.messages)
    assert message in text
    assert "actions_action" not in text
    action.refresh_from_db()
    assert action.progress == 100


def test_a_code_given_on_create_is_kept(db, users, parties):
    """Only a new action without a code gets a generated one: a code the editor chose stays."""
    agreement = AgreementFactory(code="GEN")
    action = action_create(
        user=users["superuser"], agreement=agreement, owner=parties["PV30"], title="Eigen",
        code="EIGEN-1",
    )  # fmt: skip
    assert Action.objects.get(pk=action.pk).code == "EIGEN-1"


@pytest.mark.parametrize("fields", [{}, {"title": "Nieuwe titel"}])
def test_an_update_of_a_read_only_action_says_whose_it_is(db, users, parties, small_agenda, fields):
    """Another province's action: refused before anything is compared, even a write that
    changes nothing, with the reason it is read-only (whose it is), not the refusal of a
    write that leaves the editor's scope."""
    action = small_agenda["other_action"]
    with pytest.raises(OutOfScope) as refused:
        action_update(action=action, user=users["brabant_editor"], **fields)
    assert refused.value.message.startswith(f"Deze actie is van {parties['PV27'].name}")
    assert Action.objects.get(pk=action.pk).version == action.version


def test_moving_an_action_to_another_agreement_may_not_leave_the_editors_scope(
    db, users, parties, small_agenda
):
    """Noord-Holland's action without a region in Brabant's agreement is Brabant's to change
    (it lies in Brabant's area); moved to the national agreement it would no longer be:
    refused as a write that leaves the scope, nothing written."""
    action = ActionFactory(code="NH-IN-NB", agreement=small_agenda["own"], owner=parties["PV27"])
    with pytest.raises(OutOfScope) as refused:
        action_update(
            action=action, user=users["brabant_editor"], agreement=small_agenda["generic"]
        )
    assert "buiten uw bevoegdheid" in refused.value.message
    assert Action.objects.get(pk=action.pk).agreement == small_agenda["own"]


def test_moving_ones_own_action_to_an_agreement_closed_to_the_editor_is_refused(
    db, users, small_agenda
):
    """Brabant's own action stays Brabant's to change anywhere, but Noord-Holland's agreement
    takes no actions from Brabant: refused at the agreement, nothing written."""
    action = small_agenda["own_action"]
    with pytest.raises(OutOfScope) as refused:
        action_update(action=action, user=users["brabant_editor"], agreement=small_agenda["other"])
    assert refused.value.field == "agreement"
    assert "geen acties toevoegen" in refused.value.message
    assert Action.objects.get(pk=action.pk).agreement == small_agenda["generic"]


def test_another_provinces_action_cannot_be_deleted(db, users, small_agenda):
    action = small_agenda["other_action"]
    with pytest.raises(OutOfScope) as refused:
        action_delete(action=action, user=users["brabant_editor"])
    assert refused.value.message.startswith("Deze actie is van")
    assert Action.objects.filter(pk=action.pk).exists()


@pytest.mark.parametrize(("status", "progress"), [("in_progress", 30), ("done", 100)])
def test_a_status_move_takes_the_progress_given_unless_done(db, ministry, status, progress):
    """The progress given with a status move is kept, except on done: always 100 %."""
    action = ActionFactory()
    if status == "done":
        action = put_in_status(action, "in_progress")
    action_add_update(action=action, user=ministry, status=status, progress=30)
    action.refresh_from_db()
    assert (action.status, action.progress) == (status, progress)


def test_a_progress_update_without_note_or_new_progress_is_refused(db, ministry):
    action = ActionFactory(progress=20)
    with pytest.raises(ValidationError) as refused:
        action_add_update(action=action, user=ministry, progress=20, note="  ")
    assert "note" in refused.value.message_dict
    assert Action.objects.get(pk=action.pk).version == 1
    assert not ActionUpdate.objects.exists()


def test_a_progress_beyond_100_is_refused_and_nothing_written(db, ministry):
    action = ActionFactory(progress=20)
    with pytest.raises(ValidationError) as refused:
        action_add_update(action=action, user=ministry, progress=150, note="Te veel")
    assert "progress" in refused.value.message_dict
    action.refresh_from_db()
    assert (action.progress, action.version) == (20, 1)
    assert not ActionUpdate.objects.exists()


def test_linked_within_a_region_goes_by_the_actions_own_region_first(db, tree):
    """An agreement of Noord-Brabant and Noord-Holland: its action placed in Noord-Holland is
    not linked within Noord-Brabant; its action without a region is, through the agreement."""
    both = AgreementFactory(scope="regional", regions=[tree["PV30"], tree["PV27"]])
    in_holland = ActionFactory(agreement=both, region=tree["PV27"])
    unplaced = ActionFactory(agreement=both, region=None)
    assert set(Action.objects.linked_within(tree["PV30"])) == {unplaced}
    assert set(Action.objects.linked_within(tree["PV27"])) == {in_holland, unplaced}
