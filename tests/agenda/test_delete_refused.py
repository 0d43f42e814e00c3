"""An agreement that a later version supersedes or a review decision refers to cannot be
deleted: the API answers a 400 that says why (in Dutch by default), the admin shows the
message, and the agreement, its successor and the decision are all still there."""

import pytest

from agenda.models import Agreement, ReviewDecision
from tests.factories import AgreementFactory, ReviewFactory


@pytest.fixture
def referred(small_agenda):
    """`OLD` (superseded by `NEW`) and `DECIDED` (a review decision's subject)."""
    old = AgreementFactory(code="OLD")
    AgreementFactory(code="NEW", supersedes=old)
    decided = AgreementFactory(code="DECIDED")
    ReviewDecision.objects.create(review=ReviewFactory(), agreement=decided, decision="continue")
    return {"OLD": old, "DECIDED": decided}


def kept():
    return (
        sorted(Agreement.objects.values_list("code", flat=True)),
        ReviewDecision.objects.count(),
        Agreement.history.count(),
    )


@pytest.mark.parametrize("code", ["OLD", "DECIDED"])
def test_api_refuses_to_delete_a_referred_agreement(token_client, users, referred, code):
    before = kept()
    response = token_client(users["ministry_editor"]).delete(f"/api/v1/agreements/{code}/")
    assert response.status_code == 400, response.content
    assert "beëindigd" in response.json()["detail"]  # Dutch, the API's default language
    assert kept() == before


@pytest.mark.parametrize("code", ["OLD", "DECIDED"])
def test_admin_refuses_to_delete_a_referred_agreement(client, users, referred, code):
    """The delete page says the agreement cannot be deleted and why (Django lists the
    protected rows); confirming anyway deletes nothing."""
    client.force_login(users["superuser"])
    url = f"/admin/agenda/agreement/{referred[code].pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert "kan niet worden verwijderd" in page.content.decode()
    before = kept()
    response = client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert kept() == before
