"""The permission scope matrix (DESIGN.md, "Who may do what"): role × own / other / generic ×
agreement / action, answered by `visible_to` and `editable_by` alone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from actions.models import Action
from agenda.models import Agreement
from tests.factories import ActionFactory, AgreementFactory


@pytest.fixture
def world(tree, parties):
    p = parties
    agreements = {
        "generic": AgreementFactory(code="GEN"),
        "draft": AgreementFactory(code="DRAFT", status="draft"),
        "own_party": AgreementFactory(
            code="OWN", scope="regional", regions=[tree["AG-ZUID"]], parties=[(p["PV30"], "lead")]
        ),
        "inside_area": AgreementFactory(
            code="INSIDE", scope="regional", regions=[tree["GM0772"]], parties=[(p["EZ"], "lead")]
        ),
        "spanning": AgreementFactory(
            code="SPAN", scope="regional", regions=[tree["AG-ZUID"]], parties=[(p["PV31"], "lead")]
        ),
        "other": AgreementFactory(
            code="OTHER", scope="regional", regions=[tree["PV27"]], parties=[(p["PV27"], "lead")]
        ),
    }
    a = agreements
    actions = {
        "owned": ActionFactory(code="OWNED", agreement=a["generic"], owner=p["PV30"]),
        "contributed": ActionFactory(
            code="CONTRIB", agreement=a["generic"], owner=p["EZ"], contributors=[p["PV30"]]
        ),
        "region_inside": ActionFactory(
            code="REGION", agreement=a["spanning"], owner=p["PV31"], region=tree["GM0772"]
        ),
        "agreement_inside": ActionFactory(
            code="AGR-INSIDE", agreement=a["inside_area"], owner=p["EZ"]
        ),
        "spanning": ActionFactory(code="SPAN-ACT", agreement=a["spanning"], owner=p["PV31"]),
        "other": ActionFactory(code="OTHER-ACT", agreement=a["other"], owner=p["PV27"]),
        "generic_other": ActionFactory(code="GEN-OTHER", agreement=a["generic"], owner=p["EZ"]),
        "in_draft": ActionFactory(code="IN-DRAFT", agreement=a["draft"], owner=p["PV30"]),
    }
    return {"agreements": agreements, "actions": actions}


def editable_keys(objects, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {key for key, obj in objects.items() if obj.pk in ids}


AGREEMENTS_EDITABLE = {
    "anonymous": set(),
    "outsider": set(),
    "brabant_viewer": set(),
    "brabant_editor": {"own_party", "inside_area"},
    "holland_editor": {"other"},
    "ministry_editor": {"generic", "draft", "own_party", "inside_area", "spanning", "other"},
    "superuser": {"generic", "draft", "own_party", "inside_area", "spanning", "other"},
}
ACTIONS_EDITABLE = {
    "anonymous": set(),
    "outsider": set(),
    "brabant_viewer": set(),
    "brabant_editor": {"owned", "contributed", "region_inside", "agreement_inside", "in_draft"},
    "holland_editor": {"other"},
    "ministry_editor": {
        "owned",
        "contributed",
        "region_inside",
        "agreement_inside",
        "spanning",
        "other",
        "generic_other",
        "in_draft",
    },
}
ACTIONS_EDITABLE["superuser"] = ACTIONS_EDITABLE["ministry_editor"]


def user_for(users, role):
    return AnonymousUser() if role == "anonymous" else users[role]


@pytest.mark.parametrize("role", sorted(AGREEMENTS_EDITABLE))
def test_agreements_editable_by(world, users, role):
    editable = Agreement.objects.editable_by(user_for(users, role))
    assert editable_keys(world["agreements"], editable) == AGREEMENTS_EDITABLE[role]


@pytest.mark.parametrize("role", sorted(ACTIONS_EDITABLE))
def test_actions_editable_by(world, users, role):
    editable = Action.objects.editable_by(user_for(users, role))
    assert editable_keys(world["actions"], editable) == ACTIONS_EDITABLE[role]


@pytest.mark.parametrize(
    ("role", "sees_drafts"),
    [
        ("anonymous", False),
        ("outsider", False),
        ("brabant_viewer", True),
        ("brabant_editor", True),
        ("ministry_editor", True),
        ("superuser", True),
    ],
)
def test_drafts_are_visible_to_members_only(world, users, role, sees_drafts):
    """Anonymous readers (and users without a membership) see everything but drafts; any
    membership sees everything."""
    user = user_for(users, role)
    agreements = editable_keys(world["agreements"], Agreement.objects.visible_to(user))
    actions = editable_keys(world["actions"], Action.objects.visible_to(user))
    assert ("draft" in agreements) is sees_drafts
    assert ("in_draft" in actions) is sees_drafts
    assert agreements >= set(world["agreements"]) - {"draft"}
    assert actions >= set(world["actions"]) - {"in_draft"}


def test_scope_takes_a_bounded_number_of_queries(world, users, django_assert_max_num_queries):
    """The scope is one query for the memberships plus one for the rows."""
    user = users["brabant_editor"]
    with django_assert_max_num_queries(2):
        list(Action.objects.editable_by(user))
