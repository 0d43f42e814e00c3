"""Edges of the scope rule and the agreement service that the mutation run (tests/mutants.py)
found untested: changing any of these lines left the suite green."""

import pytest
from django.core.exceptions import ValidationError

from agenda.backends import MembershipBackend
from agenda.models import Agreement, BudgetLine
from agenda.scope import scope_for
from agenda.services import agreement_create, agreement_update
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import (
    AgreementFactory,
    BudgetLineFactory,
    MembershipFactory,
    PartyFactory,
    ThemeFactory,
    UserFactory,
)

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)


def test_no_user_has_no_scope(db):
    """Code paths without a request (commands, signals) pass None: that is nobody."""
    AgreementFactory(status="draft")
    scope = scope_for(None)
    assert not scope.is_member
    assert not scope.sees_drafts
    assert not scope.edits_everything
    assert not Agreement.objects.visible_to(None).filter(status="draft").exists()


def test_memberships_grant_model_permissions_never_object_permissions(db):
    """Object-level answers are the scope's (services and querysets), never the backend's:
    a backend that granted per object would let the admin bypass the scope."""
    editor = MembershipFactory(role="editor").user
    agreement = AgreementFactory()
    backend = MembershipBackend()
    assert "agenda.change_agreement" in backend.get_all_permissions(editor)
    assert backend.get_all_permissions(editor, obj=agreement) == set()
    assert not backend.has_perm(editor, "agenda.change_agreement", obj=agreement)


def test_a_generic_agreement_with_regions_is_refused(db, tree):
    superuser = UserFactory(is_superuser=True)
    with pytest.raises(ValidationError) as refused:
        agreement_create(
            user=superuser,
            code="GEN-REG",
            title="Landelijk",
            theme=ThemeFactory(),
            scope="generic",
            regions=[tree["PV30"]],
        )
    assert "regions" in refused.value.message_dict
    assert not Agreement.objects.filter(code="GEN-REG").exists()


def test_removing_only_a_budget_line_is_a_change(db):
    """An update whose only change is a removed budget line writes a new version and its
    history, like any other change."""
    superuser = UserFactory(is_superuser=True)
    agreement = AgreementFactory()
    BudgetLineFactory(agreement=agreement, party=PartyFactory())
    version, records = agreement.version, agreement.history.count()
    agreement_update(agreement=agreement, user=superuser, budget_lines=[])
    agreement.refresh_from_db()
    assert not BudgetLine.objects.filter(agreement=agreement).exists()
    assert agreement.version == version + 1
    assert agreement.history.count() == records + 1


def test_only_who_prepares_reviews_records_a_decision_in_the_service(small_agenda, users):
    """The service refuses a provincial editor itself (not only the page): nothing written."""
    from agenda.models import ReviewDecision
    from agenda.scope import OutOfScope
    from agenda.services import review_decision_save
    from tests.factories import ReviewFactory

    review = ReviewFactory(date="2016-06-08", title="Herijking")
    agreement = small_agenda["own"]
    with pytest.raises(OutOfScope):
        review_decision_save(
            review=review, agreement=agreement, user=users["brabant_editor"], decision="adjust"
        )
    assert not ReviewDecision.objects.exists()
    review_decision_save(
        review=review, agreement=agreement, user=users["ministry_editor"], decision="adjust"
    )
    assert ReviewDecision.objects.get().decision == "adjust"


def test_a_write_that_takes_a_row_out_of_scope_says_so(small_agenda, users):
    """After a write, a row the writer may no longer change is refused with its own reason,
    not the read-only one of a row they never could change."""
    from agenda.scope import OutOfScope, ensure_editable

    other = small_agenda["other_action"]
    editor = users["brabant_editor"]
    with pytest.raises(OutOfScope, match="buiten uw bevoegdheid"):
        ensure_editable(editor, other, after_write=True)
    with pytest.raises(OutOfScope) as refused:
        ensure_editable(editor, other)
    assert "buiten uw bevoegdheid" not in refused.value.message
    ensure_editable(editor, small_agenda["own_action"], after_write=True)  # theirs: no refusal


def test_an_inactive_member_has_no_permissions_even_asked_directly(db):
    """Django's `has_perm` stops an inactive user before the backend; `get_all_permissions`
    (the admin's app list, templates' `perms`) asks the backend itself."""
    editor = MembershipFactory(role="editor", user__is_active=False).user
    assert MembershipBackend().get_all_permissions(editor) == set()
    assert editor.get_all_permissions() == set()
