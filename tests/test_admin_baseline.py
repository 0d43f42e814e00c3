"""The admin baseline: every model's pages open; scope and status rules hold in the admin
exactly as in the API (same QuerySet methods, same services)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from actions.models import Action, ActionUpdate
from tests.factories import ActionFactory, AgreementFactory


@pytest.fixture
def editor_client(client, users):
    user = users["brabant_editor"]
    user.groups.set(Group.objects.filter(name="Redacteur"))
    client.force_login(user)
    return client


def action_form(action, **overrides):
    data = {
        "agreement": action.agreement_id,
        "code": action.code or "",
        "title": action.title,
        "description": "",
        "owner": action.owner_id,
        "region": "",
        "progress": action.progress,
        "start_date": "",
        "due_date": "",
        "result": "",
        "source": "",
        "contributors": [],
        "new_status": "",
        "status_note": "",
        "loaded_version": action.version,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_every_admin_changelist_and_add_page_opens(client, users, model):
    client.force_login(users["superuser"])
    opts = model._meta
    assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200
    assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code == 200


def test_admin_speaks_dutch_by_default_and_english_on_request(client, users):
    client.force_login(users["superuser"])
    assert "MKB-samenwerkingsagenda" in client.get("/admin/").content.decode()
    dutch = client.get("/admin/actions/action/").content.decode()
    english = client.get("/admin/actions/action/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Selecteer" in dutch or "selecteer" in dutch
    assert "Select" in english


def test_editor_moves_own_action_through_the_status_service(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    response = editor_client.post(url, action_form(action, new_status="in_progress"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert ActionUpdate.objects.get().author.username == "brabant"


def test_illegal_move_in_the_admin_is_refused_and_saves_nothing(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    response = editor_client.post(
        url, action_form(action, new_status="done", title="Gewijzigd"), follow=True
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert (action.status, action.title) == ("planned", action.title)
    assert action.title != "Gewijzigd"
    assert not ActionUpdate.objects.exists()


def test_second_editor_with_a_stale_version_overwrites_nothing(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    stale = action_form(action, title="Tweede")
    assert editor_client.post(url, action_form(action, title="Eerste")).status_code == 302
    response = editor_client.post(url, stale, follow=True)
    assert "Reload" in response.content.decode() or "Herlaad" in response.content.decode()
    action.refresh_from_db()
    assert (action.title, action.version) == ("Eerste", 2)


def test_editor_cannot_change_another_provinces_action(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV27"])
    url = f"/admin/actions/action/{action.pk}/change/"
    page = editor_client.get(url)
    assert page.status_code == 200  # read-only view for members
    assert 'name="_save"' not in page.content.decode()
    assert editor_client.post(url, action_form(action, title="Van ons")).status_code == 403
    assert (
        editor_client.post(
            f"/admin/actions/action/{action.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    action.refresh_from_db()
    assert action.title != "Van ons"
    assert Action.objects.filter(pk=action.pk).exists()
