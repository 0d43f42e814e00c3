"""The admin as a civil servant's daily tool: the landing page, lists and filters people can
use, Dutch numbers, bounded agreement pages, a short path to add actions, readable history."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from actions.models import Action
from agenda.admin import DutchAmountField, euros
from agenda.models import Agreement, BudgetLine
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory, BudgetLineFactory, ThemeFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.500.000", Decimal("1500000")),
        ("1.500.000,50", Decimal("1500000.50")),
        ("€ 32.000.000", Decimal("32000000")),
        ("12,5", Decimal("12.5")),
        ("1500000.5", Decimal("1500000.5")),
        ("1.5", Decimal("1.5")),
        ("750", Decimal("750")),
    ],
)
def test_amounts_are_typed_the_dutch_way(typed, value):
    field = DutchAmountField(max_digits=14, decimal_places=2)
    assert field.clean(typed) == value


@pytest.mark.parametrize("typed", ["1.50.0", "tien", "1,5,5", "-"])
def test_amounts_that_are_no_number_are_a_form_error(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        DutchAmountField(max_digits=14, decimal_places=2).clean(typed)


def test_amounts_are_shown_the_dutch_way(settings):
    from django.utils import translation

    with translation.override("nl"):
        assert DutchAmountField().prepare_value(Decimal("32000000")) == "32.000.000,00"
        assert euros(Decimal("32000000")) == "€ 32.000.000"


@pytest.fixture
def brabant(client, users):
    client.force_login(users["brabant_editor"])
    return client


def test_landing_page_counts_are_the_lists_counts(brabant, api, small_agenda, tree, parties):
    """ "Mijn agenda": each count is the number of rows its link shows, which are the API's
    rows for the same parameters."""
    ActionFactory(
        code="LATE", agreement=small_agenda["generic"], owner=parties["PV30"], due_date="2015-01-01"
    )
    page = brabant.get("/admin/")
    panels = page.context["my_agenda"]
    titles = [panel["title"] for panel in panels]
    assert any("Noord-Brabant" in t for t in titles)
    assert "Recente acties" not in page.content.decode()
    for panel in panels:
        for row in panel["rows"]:
            listed = brabant.get(row["url"])
            assert listed.status_code == 200, row["url"]
            assert listed.context["cl"].result_count == row["count"], (panel["title"], row)
    applies = next(p for p in panels if p["rows"][1]["url"].find("applies_to=PV30") > 0)
    overdue = applies["rows"][1]
    assert overdue["key"] == "overdue"
    query = overdue["url"].split("?", 1)[1]
    api_rows = api.get(f"/api/v1/actions/?{query}&page_size=500").json()["results"]
    assert overdue["count"] == len(api_rows) == 1


def test_ministry_landing_page_is_per_agenda_region(client, users, small_agenda):
    client.force_login(users["ministry_editor"])
    titles = [p["title"] for p in client.get("/admin/").context["my_agenda"]]
    assert titles == ["Geldt voor Zuid"]  # the one agenda region in this small tree


def test_active_filters_show_above_the_list_each_removable(brabant, small_agenda):
    page = brabant.get("/admin/actions/action/?applies_to=PV30&status=planned,in_progress")
    chips = page.context["active_filters"]
    assert [c["title"] for c in chips] == ["geldt voor", "status"]
    assert chips[1]["value"] == "gepland, in uitvoering"
    assert "applies_to" not in chips[0]["remove_url"]
    assert "status=planned%2Cin_progress" in chips[0]["remove_url"]


def test_long_filters_are_drop_downs_with_provinces_first(brabant, small_agenda):
    html = brabant.get("/admin/actions/action/").content.decode()
    select = re.search(
        r'<select id="filter-applies_to" name="applies_to">(.*?)</select>', html, re.S
    )
    assert select
    options = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert options[:5] == ["", "PV31", "PV30", "PV27", "PV29"]  # provinces by name first


def test_action_list_shows_title_owner_status_progress_with_the_number(brabant, small_agenda):
    Action.objects.filter(code="OWN").update(progress=60, status="in_progress")
    html = brabant.get("/admin/actions/action/").content.decode()
    assert re.search(
        r'<progress max="100" value="60"[^>]*></progress><span class="progress-number">60%', html
    )
    assert 'class="status-label status-in_progress"' in html
    assert "style=" not in html.split('id="result_list"')[1].split("</table>")[0]


def test_open_work_comes_first(brabant, small_agenda, parties):
    generic = small_agenda["generic"]
    ActionFactory(
        code="DONE-1",
        agreement=generic,
        owner=parties["PV30"],
        status="done",
        progress=100,
        completed_on="2016-01-01",
        due_date="2015-01-01",
    )
    ActionFactory(code="SOON", agreement=generic, owner=parties["PV30"], due_date="2030-01-01")
    ActionFactory(code="LATE", agreement=generic, owner=parties["PV30"], due_date="2015-01-01")
    rows = [a.code for a in brabant.get("/admin/actions/action/").context["cl"].result_list]
    assert rows.index("LATE") < rows.index("SOON") < rows.index("OWN") < rows.index("DONE-1")
    assert rows[-1] == "DONE-1"


def test_new_actions_get_a_code_and_return_to_their_agreement(brabant, small_agenda, parties):
    agreement = small_agenda["own"]
    url = reverse("admin:actions_action_add") + f"?agreement={agreement.pk}&return=agreement"
    form = brabant.get(url).context["adminform"].form
    assert form["agreement"].value() == str(agreement.pk)
    response = brabant.post(
        url,
        {
            "agreement": agreement.pk,
            "title": "Nieuwe actie",
            "owner": parties["PV30"].pk,
            "progress": 0,
            "code": "",
            "new_status": "",
            "updates-TOTAL_FORMS": 0,
            "updates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agenda_agreement_change", args=[agreement.pk])
    created = Action.objects.get(title="Nieuwe actie")
    assert created.code == "NB-1-A2"  # the agreement's second action


def test_constraint_violations_read_as_sentences(brabant, small_agenda):
    from tests.config.test_admin import action_form

    action = small_agenda["own_action"]
    response = brabant.post(
        f"/admin/actions/action/{action.pk}/change/", action_form(action, progress=150)
    )
    form = response.context["adminform"].form
    assert "progress" in form.errors
    text = " ".join(form.errors["progress"])
    assert "100" in text
    assert "actions_action" not in str(form.errors)
    assert form["progress"].value() == "150"  # kept as typed


@pytest.mark.django_db
def test_an_agreement_with_thousands_of_actions_opens_small_and_saves(client, users, parties):
    """The agreement page lists a bounded overview (not an inline of 5,000 rows): the same
    number of queries and a small page whatever the number of actions, and it saves."""
    ThemeFactory(code="MIT")
    agreement = AgreementFactory(code="BIG", title="Groot")
    BudgetLineFactory(agreement=agreement, party=parties["EZ"], amount=Decimal("32000000"))
    Action.objects.bulk_create(
        Action(agreement=agreement, owner=parties["EZ"], title=f"Actie {n}", code=f"BIG-{n}")
        for n in range(5000)
    )
    client.force_login(users["ministry_editor"])
    url = reverse("admin:agenda_agreement_change", args=[agreement.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.content) < 300_000
    html = page.content.decode()
    assert "Alle 5.000 acties" in html
    assert "€ 32.000.000" in html
    from tests.agenda.test_permissions import admin_form_data

    response = client.post(url, admin_form_data(page, title="Groot, herzien"))
    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).title == "Groot, herzien"
    assert BudgetLine.objects.get(agreement=agreement).amount == Decimal("32000000")


def test_agreement_page_queries_do_not_grow_with_its_actions(
    client, users, parties, django_assert_max_num_queries
):
    ThemeFactory(code="MIT")
    agreement = AgreementFactory(code="SOME")
    client.force_login(users["ministry_editor"])
    url = reverse("admin:agenda_agreement_change", args=[agreement.pk])
    for n in range(3):
        ActionFactory(agreement=agreement, owner=parties["EZ"], code=f"S-{n}")
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for n in range(3, 40):
        ActionFactory(agreement=agreement, owner=parties["EZ"], code=f"S-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_history_user_is_no_link_to_a_forbidden_page(brabant, small_agenda, users):
    from actions.services import action_update

    action = small_agenda["own_action"]
    action_update(action=action, user=users["ministry_editor"], title="Door EZ")
    html = brabant.get(f"/admin/actions/action/{action.pk}/history/").content.decode()
    assert "ez" in html
    assert "/admin/auth/user/" not in html
