"""A provincial editor on a 1366x768 government laptop, in Dutch, in Chromium: sees what is
open and late for the province, finds the overdue actions in one click (the API's rows),
reads the list without scrolling sideways, keeps what was typed when a save is refused, and
reads the history in Dutch. axe-core finds no serious or critical problem on our pages, with
nothing excluded."""

import pytest
from django.core.management import call_command

from actions.models import Action
from agenda.models import Agreement, Party
from tests.factories import ActionFactory
from tests.paths import FIXTURES
from tests.system.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# Known problems of the stock API pages: Swagger UI (drf-spectacular's sidecar) as shipped,
# and the unnamed format drop-down button of DRF's browsable API (button-name).
STOCK_API = {"api": [".dropdown-toggle"], "gids": [], "docs": [".swagger-ui"]}


@pytest.fixture
def real_agenda(transactional_db, users):
    call_command("loaddata", *FIXTURES, verbosity=0)
    brabant = Party.objects.get(code="PV30")
    late = ActionFactory(
        code="NB-LAAT",
        title="Loket voor innovatieve starters in Noord-Brabant met een lange titel die niet past",
        agreement=Agreement.objects.get(code="MKB-2016-REG-ZUID"),
        owner=brabant,
        due_date="2016-05-01",
        progress=40,
    )
    editor = users["brabant_editor"]
    editor.memberships.update(party=brabant)
    editor.set_password("Provincie-2016!")
    editor.save()
    return {"late": late}


def test_a_day_of_a_provincial_editor_on_a_laptop(
    live_server, browser_page, real_agenda, screenshot, axe, api
):
    page, base = browser_page, live_server.url
    log_in(page, base, "brabant", "Provincie-2016!")
    problems = {}

    # The landing page: what is open and late for Noord-Brabant.
    assert page.locator("#my-agenda-title").inner_text() == "Mijn agenda"
    panel = page.locator(".my-agenda-panel", has_text="Geldt voor Noord-Brabant")
    assert panel.count() == 1
    screenshot(page, "laptop-1-mijn-agenda")
    problems["mijn agenda"] = axe(page)

    # One click: what is overdue for Noord-Brabant, the API's rows exactly.
    panel.locator(".my-agenda-overdue a").click()
    page.wait_for_url("**applies_to=PV30**")
    shown = set(page.locator("#result_list tbody tr td.field-agreement_code").all_inner_texts())
    titles = page.locator("#result_list tbody tr th a").all_inner_texts()
    api_rows = api.get("/api/v1/actions/?applies_to=PV30&overdue=true&page_size=500").json()
    assert {a["title"][:10] for a in api_rows["results"]} == {t[:10] for t in titles}
    assert len(titles) == api_rows["count"] == 1
    assert shown == {"MKB-2016-REG-ZUID"}
    assert "Gefilterd op" in page.locator(".active-filters").inner_text()

    # The list fits the laptop: every key column is on the screen without scrolling.
    page.goto(f"{base}/admin/actions/action/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    for column in [
        "title_link",
        "owner_name",
        "status_badge",
        "progress_bar",
        "due_date",
        "overdue_flag",
    ]:
        box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert box is not None, column
        assert box["x"] >= 0, column
        assert box["x"] + box["width"] <= 1366, column
    row = page.locator("#result_list tbody tr", has_text="Loket voor innovatieve")
    assert "40%" in row.inner_text()
    title = row.locator("th span.cut")
    assert title.get_attribute("title").endswith("die niet past")  # the whole title on hover
    screenshot(page, "laptop-2-acties", full_page=False)
    problems["acties"] = axe(page)

    # A refused save keeps what was typed, and says why at the field, in Dutch.
    late = real_agenda["late"]
    page.goto(f"{base}/admin/actions/action/{late.pk}/change/")
    page.fill("#id_title", "Loket voor starters, herzien")
    page.fill("#id_progress", "150")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert page.input_value("#id_title") == "Loket voor starters, herzien"
    assert page.input_value("#id_progress") == "150"
    error = page.locator(".field-progress .errorlist").inner_text()
    assert "100" in error
    assert "actions_action" not in page.content()
    screenshot(page, "laptop-3-geweigerd")
    problems["actie geweigerd"] = axe(page)

    # Corrected and moved on: the history reads in Dutch, with names and labels.
    page.fill("#id_progress", "60")
    page.select_option("#id_new_status", "in_progress")
    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/actions/action/")
    page.goto(f"{base}/admin/actions/action/{late.pk}/history/")
    history = page.locator("#recorded-changes").inner_text()
    for text in ["Voortgang", "40", "60", "in uitvoering", "gepland", "brabant", "gewijzigd"]:
        assert text in history, text
    assert "in_progress" not in history
    screenshot(page, "laptop-4-geschiedenis")
    problems["geschiedenis"] = axe(page)
    assert Action.objects.get(pk=late.pk).progress == 60

    # The partner-facing pages: the API root, its docs and the guide.
    for name, path in [("api", "/api/v1/"), ("gids", "/api/v1/guide/"), ("docs", "/api/v1/docs/")]:
        assert page.goto(f"{base}{path}").status == 200, path
        assert page.locator("html").get_attribute("lang") in ("nl", "en"), path
        if name == "docs":
            page.wait_for_selector(".swagger-ui .info")
        screenshot(page, f"laptop-5-{name}", full_page=False)
        problems[name] = axe(page, STOCK_API[name])
    assert problems == {key: [] for key in problems}
