"""An agreement with many actions keeps a small admin page that saves: its actions are a
bounded overview with a link to all of them, never an inline with a form per action (an
agreement with 5,000 actions once gave an 8 MB page that could not be saved: more than
1,000 form fields)."""

import re

import pytest
from django.conf import settings

from actions.models import Action
from agenda.models import Agreement
from tests.agenda.test_permissions import admin_change_url, admin_form_data

pytestmark = pytest.mark.django_db

ACTIONS = 1_200
MAX_PAGE_BYTES = 300_000


@pytest.fixture
def large_agreement(small_agenda, parties):
    agreement = small_agenda["generic"]
    Action.objects.bulk_create(
        Action(agreement=agreement, code=f"MANY-{n:04d}", title=f"Actie {n}", owner=parties["BOM"])
        for n in range(ACTIONS)
    )
    return agreement


def test_the_change_page_is_bounded_and_saves(client, users, large_agreement):
    client.force_login(users["superuser"])
    url = admin_change_url(large_agreement)
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.content) < MAX_PAGE_BYTES, len(page.content)
    html = page.content.decode()
    shown = set(re.findall(r'href="/admin/actions/action/(\d+)/change/"', html))
    assert 0 < len(shown) <= 25
    assert "1.201" in html or "1201" in html  # the total, beside the link to all of them
    assert f"agreement={large_agreement.code}" in html  # the link to all of them

    data = admin_form_data(page, title="Een nieuwe titel")
    fields = sum(len(v) if isinstance(v, list) else 1 for v in data.values())
    assert fields < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS / 10
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Agreement.objects.get(pk=large_agreement.pk).title == "Een nieuwe titel"
    assert large_agreement.actions.count() == ACTIONS + 1


def test_an_action_of_the_large_agreement_opens_and_saves(client, users, large_agreement):
    """The action's own page does not list its agreement's siblings either."""
    action = large_agreement.actions.get(code="MANY-0600")
    client.force_login(users["superuser"])
    page = client.get(admin_change_url(action))
    assert page.status_code == 200
    assert len(page.content) < MAX_PAGE_BYTES, len(page.content)
    response = client.post(admin_change_url(action), admin_form_data(page, title="Anders"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.title == "Anders"
