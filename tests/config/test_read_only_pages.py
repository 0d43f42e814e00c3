"""A page an editor may only read says so, and why: whose record it is, what they change
instead, and what else they may do (a contributor adds a progress update, right there). It
offers nothing they may not do: no save or delete button, no add, change or delete icons
beside link fields. Refusals name parties and regions by name, at the field concerned."""

import re

import pytest

from actions.models import Action, ActionUpdate
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db

ICONS = ("add-related", "change-related", "delete-related")


@pytest.fixture
def contributed_agenda(small_agenda, parties):
    """Another province's action to which Brabant contributes, and one it has nothing to do
    with."""
    other = small_agenda["other_action"]
    contributed = ActionFactory(
        code="NH-BIJ", title="Samen met Brabant", agreement=other.agreement, owner=other.owner
    )
    contributed.contributors.add(parties["PV30"])
    return {**small_agenda, "contributed": contributed}


def page_of(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def note_of(page):
    found = re.search(r'<div class="read-only-note".*?<p>(.*?)</p>', page, re.S)
    return found.group(1) if found else None


def test_another_provinces_action_is_read_only_and_says_why(
    client, users, contributed_agenda, parties
):
    page = page_of(
        client,
        users["brabant_editor"],
        f"/admin/actions/action/{contributed_agenda['other_action'].pk}/change/",
    )
    assert "U kunt dit lezen, niet wijzigen" in page
    assert note_of(page) == (
        f"Deze actie is van {parties['PV27'].name} (Noord-Holland). U wijzigt de acties van "
        f"{parties['PV30'].name} en de acties in Noord-Brabant."
    )
    assert 'name="_save"' not in page
    assert "deletelink" not in page
    assert 'id="progress-update"' not in page  # not a contributor


def test_a_contributor_reads_why_and_adds_a_progress_update_there(
    client, users, contributed_agenda
):
    """The contributor's page offers the progress update; it goes through the progress
    service (a log entry by them, the new progress), and says so."""
    action = contributed_agenda["contributed"]
    url = f"/admin/actions/action/{action.pk}/change/"
    page = page_of(client, users["brabant_editor"], url)
    assert note_of(page).endswith(
        "Als bijdrager kunt u wel een voortgangsmelding toevoegen (voortgang en een toelichting)."
    )
    assert 'id="progress-update"' in page
    response = client.post(
        f"/admin/actions/action/{action.pk}/progress/",
        {"progress": 35, "note": "Eerste loket open", "loaded_version": action.version},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Uw voortgangsmelding bij “{action.title}” is toegevoegd."
    ]
    entry = ActionUpdate.objects.get(action=action)
    assert (entry.author.username, entry.progress, entry.note) == (
        "brabant",
        35,
        "Eerste loket open",
    )
    action.refresh_from_db()
    assert (action.progress, action.title) == (35, "Samen met Brabant")


def test_a_progress_update_by_someone_who_may_not_is_refused_and_writes_nothing(
    client, users, contributed_agenda
):
    action = contributed_agenda["other_action"]
    client.force_login(users["brabant_editor"])
    response = client.post(
        f"/admin/actions/action/{action.pk}/progress/",
        {"progress": 90, "note": "Overgenomen"},
        follow=True,
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("U kunt bij deze actie geen voortgang melden. Deze actie is van")
    assert "PV27" not in message
    assert not ActionUpdate.objects.exists()
    assert Action.objects.get(pk=action.pk).progress == 0
    assert client.get(f"/admin/actions/action/{action.pk}/progress/").status_code == 405


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "generic",
            "Dit is een landelijke (generieke) afspraak: alleen redacteuren van het "
            "ministerie wijzigen die. U kunt er wel acties aan toevoegen voor {PV30}.",
        ),
        (
            "other",
            "Deze afspraak geldt voor Noord-Holland. U wijzigt regionale afspraken binnen "
            "Noord-Brabant en afspraken die {PV30} trekt.",
        ),
    ],
)
def test_agreements_say_why_they_are_read_only(
    client, users, contributed_agenda, parties, key, expected
):
    page = page_of(
        client,
        users["brabant_editor"],
        f"/admin/agenda/agreement/{contributed_agenda[key].pk}/change/",
    )
    assert note_of(page) == expected.format(PV30=parties["PV30"].name)
    assert 'name="_save"' not in page
    assert "deletelink" not in page


def test_a_viewer_reads_that_they_are_a_viewer(client, users, contributed_agenda):
    page = page_of(
        client,
        users["brabant_viewer"],
        f"/admin/actions/action/{contributed_agenda['own_action'].pk}/change/",
    )
    assert note_of(page).startswith("U kunt alleen lezen: u bent lid als lezer.")


def test_reference_data_is_the_ministrys(client, users, parties):
    page = page_of(
        client, users["brabant_editor"], f"/admin/agenda/party/{parties['PV27'].pk}/change/"
    )
    assert (
        note_of(page) == "Alleen redacteuren van het ministerie wijzigen partijen; u kunt ze lezen."
    )


def test_own_records_have_no_read_only_note_and_no_icons_for_provincial_editors(
    client, users, contributed_agenda
):
    """An editor's own action is a form, without the icons that would add, change or delete
    the linked party or agreement (which are not theirs to change); ministry editors keep
    them."""
    url = f"/admin/actions/action/{contributed_agenda['own_action'].pk}/change/"
    page = page_of(client, users["brabant_editor"], url)
    assert note_of(page) is None
    assert 'name="_save"' in page
    assert not [icon for icon in ICONS if icon in page]
    ministry = page_of(client, users["ministry_editor"], url)
    assert all(icon in ministry for icon in ICONS)


def test_a_refused_link_is_at_its_field_naming_the_party(
    client, users, contributed_agenda, parties
):
    """Linking another party as contributor: refused at that field (not on top), naming the
    parties by name, and nothing written."""
    action = contributed_agenda["own_action"]
    client.force_login(users["brabant_editor"])
    data = {
        "agreement": action.agreement_id,
        "code": action.code,
        "title": action.title,
        "owner": action.owner_id,
        "contributors": [parties["BOM"].pk],
        "progress": 0,
        "loaded_version": action.version,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = client.post(f"/admin/actions/action/{action.pk}/change/", data)
    form = response.context["adminform"].form
    assert form.errors["contributors"] == [
        f"U kunt hier alleen uw eigen partijen koppelen ({parties['PV30'].name}); "
        f"niet: {parties['BOM'].name}."
    ]
    assert "__all__" not in form.errors
    assert not Action.objects.get(pk=action.pk).contributors.exists()


def test_the_403_page_is_dutch_in_the_sites_look(client, users, contributed_agenda):
    """A forbidden write (another province's action) answers the site's own 403 page, in
    Dutch (English when asked), never a bare "403 Forbidden"."""
    client.force_login(users["brabant_editor"])
    url = f"/admin/actions/action/{contributed_agenda['other_action'].pk}/change/"
    response = client.post(url, {"title": "Van ons"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Geen toegang</h1>" in page
    assert "registry/site.css" in page
    assert "Forbidden" not in page
    english = client.post(url, {"title": "Van ons"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>No access</h1>" in english
