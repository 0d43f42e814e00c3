"""The admin in a real browser: Playwright driving Debian's Chromium against a live server.
Skips outside CI when Chromium is absent; in CI (CI=true) a missing Chromium fails."""

import pytest

from actions.services import action_add_update
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def brabant_world(transactional_db, tree, parties, users):
    main = ThemeFactory(code="INNOVATIESTIMULERING", name="Mkb-innovatiestimulering")
    mit = ThemeFactory(code="MIT", name="MKB Innovatiestimulering Topsectoren", parent=main)
    ir = ThemeFactory(code="IR", name="Investor Relations")
    nb = AgreementFactory(
        code="NB-MIT",
        theme=mit,
        scope="regional",
        regions=[tree["PV30"]],
        parties=[(parties["PV30"], "lead")],
    )
    nb_ir = AgreementFactory(
        code="NB-IR",
        theme=ir,
        scope="regional",
        regions=[tree["PV30"]],
        parties=[(parties["PV30"], "lead")],
    )
    nh = AgreementFactory(
        code="NH-MIT",
        theme=mit,
        scope="regional",
        regions=[tree["PV27"]],
        parties=[(parties["PV27"], "lead")],
    )
    own = ActionFactory(
        code="NB-MIT-1", title="MIT-loket Brabant", agreement=nb, owner=parties["PV30"]
    )
    action_add_update(action=own, status="in_progress", user=users["superuser"])
    ActionFactory(
        code="NB-IR-1", title="Investor relations Brabant", agreement=nb_ir, owner=parties["PV30"]
    )
    other = ActionFactory(
        code="NH-MIT-1", title="MIT-loket Holland", agreement=nh, owner=parties["PV27"]
    )
    return {"own": own, "other": other}


def test_provincial_editor_works_in_the_admin(live_server, browser_page, brabant_world, tmp_path):
    page = browser_page
    base = live_server.url

    # Logs in, in Dutch.
    page.goto(f"{base}/admin/login/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "Gebruikersnaam" in page.content()
    page.fill("#id_username", "brabant")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    assert "MKB-samenwerkingsagenda" in page.content()
    page.screenshot(path=tmp_path / "1-index.png", full_page=True)

    # Filters actions by region, then by theme, with the filters' drop-downs.
    page.goto(f"{base}/admin/actions/action/")
    page.select_option("#filter-region", "PV30")
    page.locator("#filter-region ~ button").click()
    page.wait_for_url("**region=PV30**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    page.select_option("#filter-theme", "MIT")
    page.locator("#filter-theme ~ button").click()
    page.wait_for_url("**theme=MIT**")
    assert "region=PV30" in page.url
    assert rows.count() == 1
    assert "MIT-loket Brabant" in rows.first.inner_text()
    page.screenshot(path=tmp_path / "2-filtered.png", full_page=True)

    # Moves its own action to "risico" with a note, through the status service.
    rows.first.locator("th a").click()
    page.select_option("#id_new_status", "at_risk")
    page.fill("#id_status_note", "Vertraging door onzeker budget")
    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/actions/action/**")
    assert page.locator(".messagelist .success").count() == 1
    assert "risico" in page.locator("#result_list").inner_text()
    page.screenshot(path=tmp_path / "3-moved.png", full_page=True)

    # Cannot change another province's action: read-only, no save button.
    other = brabant_world["other"]
    page.goto(f"{base}/admin/actions/action/{other.pk}/change/")
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("#id_title").count() == 0
    assert "Nieuwe status" not in page.content()
    page.screenshot(path=tmp_path / "4-other-read-only.png", full_page=True)

    # Sees the change in the history: on the change page and on the history page.
    own = brabant_world["own"]
    page.goto(f"{base}/admin/actions/action/{own.pk}/change/")
    changes = page.locator("#recorded-changes").inner_text()
    assert "brabant" in changes
    assert "risico" in changes
    assert "at_risk" not in changes
    page.locator(".object-tools a", has_text="Geschiedenis").click()
    page.wait_for_url(f"**/{own.pk}/history/")
    assert "brabant" in page.content()
    page.screenshot(path=tmp_path / "5-history.png", full_page=True)

    own.refresh_from_db()
    assert own.status == "at_risk"
    assert own.updates.first().note == "Vertraging door onzeker budget"
    assert len(list(tmp_path.glob("*.png"))) == 5
