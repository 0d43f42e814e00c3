"""Codes are public keys (URLs, filters, spreadsheets): one validator at the model refuses
anything but ASCII letters, digits, "-" and "_", wherever the code comes from (API, admin,
import, services). A refusal is a 400 naming `code`, and nothing is saved."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from actions.models import Action
from agenda.models import Agreement, Goal, Party, Theme
from agenda.services import agreement_create
from regions.models import Region
from tests.paths import FIXTURES

BAD_CODES = [
    "A/B",  # a path separator: the record would be unreachable by URL
    "A,B",  # a list separator in filters
    "A.B",
    "A B",
    "A\u200bB",  # zero-width space: looks like "AB"
    "\u0410B",  # Cyrillic А: looks like "AB"
    "Ae\u0301",  # an accent, not even NFC
    "Aé",
    "A\x00",
    "A\nB",
]


@pytest.mark.parametrize("code", BAD_CODES, ids=repr)
def test_api_refuses_a_bad_agreement_code_and_saves_nothing(
    token_client, users, small_agenda, code
):
    """POST /agreements/ with a bad code is a 400 on `code`; no agreement, no history."""
    before = (Agreement.objects.count(), Agreement.history.count())
    response = token_client(users["ministry_editor"]).post(
        "/api/v1/agreements/",
        {"code": code, "title": "Nieuw", "theme": "MIT", "scope": "generic"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "code" in response.json()["errors"]
    assert (Agreement.objects.count(), Agreement.history.count()) == before


@pytest.mark.parametrize("code", ["A/B", "A\u200bB", "A,B"], ids=repr)
def test_api_refuses_a_bad_action_code_and_saves_nothing(token_client, users, small_agenda, code):
    before = (Action.objects.count(), Action.history.count())
    response = token_client(users["ministry_editor"]).post(
        "/api/v1/actions/",
        {"code": code, "agreement": "GEN", "owner": "PV30", "title": "x"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "code" in response.json()["errors"]
    assert (Action.objects.count(), Action.history.count()) == before


def test_the_service_refuses_a_bad_code(users, small_agenda):
    """The import and the admin write through the services: they get the same refusal."""
    with pytest.raises(ValidationError) as refused:
        agreement_create(
            user=users["ministry_editor"],
            code="X/1",
            title="x",
            theme=Theme.objects.get(code="MIT"),
            scope="generic",
        )
    assert "code" in refused.value.message_dict
    assert not Agreement.objects.filter(code="X/1").exists()


def test_admin_refuses_a_bad_code_at_the_field(client, users, small_agenda):
    client.force_login(users["superuser"])
    response = client.post(
        "/admin/agenda/theme/add/", {"code": "MIT/2", "name": "x", "description": ""}
    )
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert not Theme.objects.filter(code="MIT/2").exists()


def test_every_shipped_code_passes_the_validator(db):
    """The fixtures load and every coded row passes full_clean (the validator included)."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    rows = [
        *Region.objects.all(),
        *Party.objects.all(),
        *Theme.objects.all(),
        *Agreement.objects.all(),
        *Goal.objects.all(),
        *Action.objects.all(),
    ]
    assert len(rows) > 100
    for row in rows:
        row.full_clean()
