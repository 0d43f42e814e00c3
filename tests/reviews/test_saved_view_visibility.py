"""Who may open a saved filter: the rule in SavedView.objects.visible_to, met directly."""

import pytest

from agenda.choices import AgreementStatus
from reviews.choices import SavedViewList
from reviews.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(users, small_agenda):
    draft = small_agenda["generic"]
    type(draft).objects.filter(pk=draft.pk).update(status=AgreementStatus.DRAFT)
    owner = users["superuser"]

    def make(name, query, shared=True, by=owner):
        return SavedView.objects.create(
            name=name, owner=by, list=SavedViewList.ACTIONS, query=query, shared=shared
        )

    return {
        "draft_code": draft.code,
        "plain": make("Alles", "overdue=true"),
        "naming_draft": make("Concept", f"agreement=X-NONE,{draft.code}"),
        "private": make("Privé", "overdue=false", shared=False),
    }


def names(user):
    return set(SavedView.objects.visible_to(user).values_list("name", flat=True))


def test_shared_filters_naming_a_draft_stay_hidden_from_who_may_not_see_drafts(saved, users):
    """Staff without a membership use the review pages but see no drafts."""
    assert names(users["outsider"]) == {"Alles"}
    assert names(users["brabant_editor"]) == {"Alles", "Concept"}  # members see drafts


def test_who_sees_drafts_sees_every_shared_filter_and_the_owner_their_own(saved, users):
    assert names(users["superuser"]) == {"Alles", "Concept", "Privé"}


def test_one_always_sees_ones_own_filter_even_naming_a_draft(saved, users):
    editor = users["outsider"]
    SavedView.objects.create(
        name="Mijn concept",
        owner=editor,
        list=SavedViewList.ACTIONS,
        query=f"agreement={saved['draft_code']}",
    )
    assert names(editor) == {"Alles", "Mijn concept"}
    assert "Mijn concept" not in names(users["brabant_editor"])  # not shared


def test_anonymous_sees_none(saved):
    from django.contrib.auth.models import AnonymousUser

    assert names(AnonymousUser()) == set()


def test_the_link_of_a_hidden_filter_is_refused(client, saved, users):
    client.force_login(users["outsider"])
    assert client.get(saved["naming_draft"].get_absolute_url()).status_code == 403
    assert client.get(saved["private"].get_absolute_url()).status_code == 403
    assert client.get(saved["plain"].get_absolute_url()).status_code == 302
