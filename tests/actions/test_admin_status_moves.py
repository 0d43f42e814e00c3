"""The admin offers only the status moves the move table allows: the change form's drop-down
from the action's own status, the bulk moves from the statuses on the list; what a bulk move
cannot do is told per row by the action's title, and the progress log reads in labels."""

import re

import pytest
from django.utils import translation

from actions.models import Action, ActionUpdate
from actions.services import action_add_update
from tests.factories import ActionFactory, AgreementFactory

pytestmark = pytest.mark.django_db

# DESIGN.md's moves and the labels people read, written out (never derived from the code).
OFFERED = {
    "planned": ["in uitvoering", "vervallen (met toelichting)"],
    "in_progress": ["risico (met toelichting)", "afgerond", "vervallen (met toelichting)"],
    "at_risk": ["in uitvoering", "afgerond", "vervallen (met toelichting)"],
    "done": ["in uitvoering (met toelichting)"],
    "cancelled": ["gepland (met toelichting)"],
}
LABELS = {
    "planned": "gepland",
    "in_progress": "in uitvoering",
    "at_risk": "risico",
    "done": "afgerond",
    "cancelled": "vervallen",
}


def options(page, select):
    """The options of the select with this id or name, as shown."""
    found = re.search(rf'<select[^>]*\b(?:id|name)="{select}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1)) if found else []


@pytest.mark.parametrize("status", list(OFFERED))
def test_the_status_drop_down_offers_only_the_allowed_moves(client, users, parties, status):
    """From each status the drop-down offers staying as it is, and exactly the moves that the
    status service accepts from there; those that need a note say so."""
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    done = {"completed_on": "2016-06-01", "progress": 100} if status == "done" else {}
    Action.objects.filter(pk=action.pk).update(status=status, **done)
    client.force_login(users["brabant_editor"])
    page = client.get(f"/admin/actions/action/{action.pk}/change/").content.decode()
    assert options(page, "id_new_status") == [f"— blijft “{LABELS[status]}”", *OFFERED[status]]


def test_a_late_planned_action_is_not_offered_at_risk(client, users, parties):
    """The issue's case: a late "gepland" action cannot go straight to "risico", so the form
    does not offer it; a forged POST is refused at the field with the allowed moves, and
    nothing is written."""
    action = ActionFactory(
        agreement=AgreementFactory(), owner=parties["PV30"], due_date="2016-01-01"
    )
    client.force_login(users["brabant_editor"])
    url = f"/admin/actions/action/{action.pk}/change/"
    assert "risico" not in " ".join(options(client.get(url).content.decode(), "id_new_status"))
    forged = {
        "agreement": action.agreement_id,
        "code": action.code,
        "title": action.title,
        "owner": action.owner_id,
        "progress": 0,
        "new_status": "at_risk",
        "status_note": "Vertraagd",
        "loaded_version": action.version,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = client.post(url, forged)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["new_status"]
    assert errors == ["Van “gepland” kan niet naar “risico”; toegestaan: in uitvoering, vervallen."]
    action.refresh_from_db()
    assert action.status == "planned"
    assert not ActionUpdate.objects.exists()


def test_a_new_action_offers_no_status_move(client, users):
    """New actions start as planned: the add form shows that status, and no move."""
    client.force_login(users["brabant_editor"])
    page = client.get("/admin/actions/action/add/").content.decode()
    assert 'id="id_new_status"' not in page
    assert 'id="id_status_note"' not in page
    assert "gepland" in page


def bulk_moves(page):
    return [c for c in options(page, "action") if c.startswith("Naar")]


def test_bulk_moves_are_the_move_tables(client, users, small_agenda):
    """One bulk move per status that can be reached, naming where it applies from; a list
    filtered on statuses offers only the moves from them."""
    client.force_login(users["brabant_editor"])
    every = bulk_moves(client.get("/admin/actions/action/").content.decode())
    assert every == [
        "Naar “gepland” (vanuit vervallen (met toelichting))",
        "Naar “in uitvoering” (vanuit gepland, risico, afgerond (met toelichting))",
        "Naar “risico” (vanuit in uitvoering (met toelichting))",
        "Naar “afgerond” (vanuit in uitvoering, risico)",
        "Naar “vervallen” (vanuit gepland (met toelichting), in uitvoering (met toelichting), "
        "risico (met toelichting))",
    ]
    planned = bulk_moves(client.get("/admin/actions/action/?status=planned").content.decode())
    assert [m.split(" (")[0] for m in planned] == ["Naar “in uitvoering”", "Naar “vervallen”"]


def test_a_bulk_move_tells_per_row_by_title_what_it_could_not_do(client, users, small_agenda):
    """Rows that cannot make the move are refused by title with the reason (or that they are
    there already); the others move; nothing else is written."""
    own, regional = small_agenda["own_action"], small_agenda["own_regional"]
    action_add_update(action=regional, status="in_progress", user=users["superuser"])
    client.force_login(users["brabant_editor"])
    response = client.post(
        "/admin/actions/action/",
        {"action": "move_to_done", "_selected_action": [own.pk, regional.pk], "note": ""},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        f"Naar “afgerond” gezet (1): “{regional.title}”",
        f"Niet gewijzigd: “{own.title}”: Van “gepland” kan niet naar “afgerond”; toegestaan: "
        "in uitvoering, vervallen.",
    ]
    response = client.post(
        "/admin/actions/action/",
        {"action": "move_to_done", "_selected_action": [regional.pk], "note": ""},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Niet gewijzigd: “{regional.title}” staat al op “afgerond”."
    ]
    assert ActionUpdate.objects.filter(action=regional).count() == 2
    assert not ActionUpdate.objects.filter(action=own).exists()


def test_the_progress_log_reads_in_labels(client, users, small_agenda):
    """A progress-log entry names the statuses by their labels, in the log on the action's
    page and wherever the entry is named (the delete confirmation lists it)."""
    own = small_agenda["own_action"]
    action_add_update(action=own, status="in_progress", user=users["brabant_editor"])
    entry = ActionUpdate.objects.get()
    with translation.override("nl"):
        assert str(entry).endswith(": gepland → in uitvoering")
    client.force_login(users["brabant_editor"])
    for url in (
        f"/admin/actions/action/{own.pk}/change/",
        f"/admin/actions/action/{own.pk}/delete/",
    ):
        page = client.get(url).content.decode()
        assert "in uitvoering" in page
        assert "in_progress" not in re.sub(r'(class|value|name|id)="[^"]*"', "", page), url
