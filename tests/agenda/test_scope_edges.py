"""Edges of the scope rule and the agreement service that the mutation run (tests/mutants.py)
found untested: changing any of these lines left the suite green."""

import pytest
from django.core.exceptions import ValidationError

from agenda.backends import MembershipBackend
from agenda.models import Agreement, BudgetLine
from agenda.scope import scope_for
from agenda.services import agreement_create, agreement_update
from tests.factories import (
    AgreementFactory,
    BudgetLineFactory,
    MembershipFactory,
    PartyFactory,
    ThemeFactory,
    UserFactory,
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
