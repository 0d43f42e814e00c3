"""The scope rule's refusals in words people know: parties and regions by name (never a code
such as PV29), at the field concerned, and why a record is not theirs to change."""

import pytest
from django.utils import translation

from actions.services import action_update
from agenda.scope import OutOfScope, join_names, read_only_reason, scope_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def test_a_region_outside_the_working_area_is_named(users, tree):
    with pytest.raises(OutOfScope) as refused:
        scope_for(users["brabant_editor"]).check_regions("region", [tree["GM0392"]])
    assert refused.value.field == "region"
    assert refused.value.message == (
        "U kunt alleen regio's binnen uw werkgebied (Noord-Brabant) kiezen; daarbuiten: Haarlem."
    )


def test_another_party_is_named(users, parties):
    with pytest.raises(OutOfScope) as refused:
        scope_for(users["brabant_editor"]).check_party_links("owner", [parties["PV27"]])
    assert refused.value.field == "owner"
    assert refused.value.message == (
        f"U kunt hier alleen uw eigen partijen koppelen ({parties['PV30'].name}); "
        f"niet: {parties['PV27'].name}."
    )
    assert "PV27" not in refused.value.message


def test_a_write_that_leaves_the_scope_says_so(users, small_agenda, tree):
    """Moving one's own action (by its owner) to another province's region is refused at
    the region, by name; nothing is written."""
    action = small_agenda["own_action"]
    with pytest.raises(OutOfScope) as refused:
        action_update(action=action, user=users["brabant_editor"], region=tree["PV27"])
    assert refused.value.field == "region"
    assert "Noord-Holland" in refused.value.message
    action.refresh_from_db()
    assert action.region is None


def test_why_read_only_names_owner_and_the_editors_own_scope(users, small_agenda, parties):
    reason = read_only_reason(users["brabant_editor"], small_agenda["other_action"])
    assert reason == (
        f"Deze actie is van {parties['PV27'].name} (Noord-Holland). U wijzigt de acties van "
        f"{parties['PV30'].name} en de acties in Noord-Brabant."
    )


@pytest.mark.parametrize(
    ("names", "sentence"),
    [([], "—"), (["Zeeland"], "Zeeland"), (["A", "B", "C"], "A, B en C")],
)
def test_names_read_as_a_sentence(names, sentence):
    assert join_names(names) == sentence
