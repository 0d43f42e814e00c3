"""In Chromium, as a provincial editor: a big export is prepared as a job (its page shows the
progress bar, then the file), and an import runs as jobs (upload → the preview job's page →
the preview → confirm → the import job's page → the list); My jobs lists them."""

import pytest

from actions.models import Action
from tests.system.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_export_and_an_import_as_jobs(
    live_server, browser_context, provincial_week, screenshot, settings, tmp_path
):
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 10
    base = live_server.url
    page = browser_context()
    page.context.set_default_timeout(30000)
    log_in(page, base, "brabant")

    page.goto(f"{base}/reviews/actions/?export=csv")
    assert "op de achtergrond voorbereid" in page.inner_text("main")
    screenshot(page, "taak-1-voorbereiden")
    page.click("text=Voorbereiden")
    page.wait_for_url("**/jobs/*/")
    assert page.locator("#job-progress").count() == 1
    screenshot(page, "taak-2-bezig")
    page.wait_for_selector("#job-download")
    assert page.get_attribute("#job-progress", "value") == "100"
    assert "Klaar" in page.inner_text("#job-state")
    screenshot(page, "taak-3-klaar")
    with page.expect_download() as download_info:
        page.click("#job-download")
    saved = tmp_path / "export.csv"
    download_info.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) - 1 == Action.objects.count() > 10

    own = provincial_week["own"]
    page.goto(f"{base}/admin/actions/action/import/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "voortgang.csv",
                "mimeType": "text/csv",
                "buffer": f"id;progress\n{own.pk};77\n".encode(),
            }
        ],
    )
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-preview")
    assert "/import/job/" in page.url
    screenshot(page, "taak-4-voorbeeld")
    page.click("#import-confirm input[type=submit]")
    page.wait_for_url(f"{base}/admin/actions/action/")
    assert "Geïmporteerd uit voortgang.csv" in page.inner_text("body")
    assert Action.objects.get(pk=own.pk).progress == 77

    page.goto(f"{base}/jobs/")
    listing = page.inner_text("main")
    assert "Voorbeeld van de import: voortgang.csv" in listing
    assert "Import: voortgang.csv" in listing
    assert "Acties (CSV)" in listing
    screenshot(page, "taak-5-mijn-taken")
