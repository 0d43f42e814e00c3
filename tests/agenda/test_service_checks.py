"""The agreement and token services check what they write themselves, whatever face calls
them (the admin's and the API's forms check before, an import or a shell does not): a budget
line or party link that breaks the model's rules is a form error at its field, an agreement
that would leave its writer's scope is refused after the write (and rolled back), and an
agreement change the actions show is passed on to them."""

import pytest
from django.core.exceptions import ValidationError

from actions.models import Action
from agenda.models import Agreement, AgreementParty, ApiToken, BudgetLine
from agenda.scope import OutOfScope
from agenda.services import agreement_create, agreement_update, api_token_create

pytestmark = pytest.mark.django_db

AFTER_WRITE = "buiten uw bevoegdheid"  # the reason a write that leaves one's scope gets


def test_a_budget_line_outside_the_models_rules_is_an_error_at_budget_lines(
    small_agenda, users, parties
):
    theme = small_agenda["generic"].theme
    with pytest.raises(ValidationError) as refused:
        agreement_create(
            user=users["superuser"],
            code="NIEUW",
            title="Nieuw",
            theme=theme,
            budget_lines=[{"year": 1999, "amount": 10, "party": parties["EZ"]}],
        )
    assert list(refused.value.message_dict) == ["budget_lines"]
    assert not Agreement.objects.filter(code="NIEUW").exists()
    assert not BudgetLine.objects.filter(year=1999).exists()


def test_a_party_link_with_an_unknown_role_is_refused(small_agenda, users, parties):
    generic = small_agenda["generic"]
    with pytest.raises(ValidationError) as refused:
        agreement_update(
            agreement=generic, user=users["superuser"], parties=[(parties["PV30"], "baas")]
        )
    assert "role" in refused.value.message_dict
    assert not AgreementParty.objects.filter(agreement=generic).exists()


def test_a_province_cannot_create_a_national_agreement(small_agenda, users):
    """Nothing it links is outside its area, but the result is generic: the ministry's."""
    with pytest.raises(OutOfScope) as refused:
        agreement_create(
            user=users["brabant_editor"],
            code="LANDELIJK",
            title="Landelijk",
            theme=small_agenda["generic"].theme,
        )
    assert AFTER_WRITE in refused.value.message
    assert not Agreement.objects.filter(code="LANDELIJK").exists()


def test_a_province_cannot_make_its_agreement_national(small_agenda, users):
    own = small_agenda["own"]
    with pytest.raises(OutOfScope) as refused:
        agreement_update(agreement=own, user=users["brabant_editor"], scope="generic", regions=[])
    assert AFTER_WRITE in refused.value.message
    own.refresh_from_db()
    assert own.scope == "regional"
    assert own.regions.exists()


def latest_records(actions):
    return {action.code: action.history.latest("history_date") for action in actions}


def test_a_title_change_is_recorded_on_the_agreements_actions(small_agenda, users):
    generic = small_agenda["generic"]
    before = {action.code: action.history.count() for action in generic.actions.all()}
    agreement_update(agreement=generic, user=users["superuser"], title="Nieuwe titel")
    records = latest_records(generic.actions.all())
    assert before
    assert {code: r.instance.history.count() for code, r in records.items()} == {
        code: count + 1 for code, count in before.items()
    }
    assert {(r.history_type, r.history_user) for r in records.values()} == {
        ("~", users["superuser"])
    }


def test_a_change_the_actions_do_not_show_leaves_them_alone(small_agenda, users):
    generic = small_agenda["generic"]
    before = {a.code: (a.updated_at, a.history.count()) for a in generic.actions.all()}
    agreement_update(agreement=generic, user=users["superuser"], description="Meer uitleg")
    after = {
        a.code: (a.updated_at, a.history.count()) for a in Action.objects.filter(agreement=generic)
    }
    assert before
    assert after == before


def test_a_region_change_is_passed_on_to_the_actions(small_agenda, users, tree):
    own = small_agenda["own"]
    before = {a.code: a.history.count() for a in own.actions.all()}
    agreement_update(agreement=own, user=users["superuser"], regions=[tree["PV30"], tree["PV27"]])
    assert before
    assert {a.code: a.history.count() for a in own.actions.all()} == {
        code: count + 1 for code, count in before.items()
    }


def test_a_token_name_longer_than_its_field_is_refused(users):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=users["ministry_editor"], name="x" * 101)
    assert "name" in refused.value.message_dict
    assert not ApiToken.objects.exists()
