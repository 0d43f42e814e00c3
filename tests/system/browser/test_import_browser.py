"""A provincial editor's round trip in a real browser (Playwright, Debian's Chromium), at
1366×768 in Dutch: export the list to Excel from the button, edit progress and status in the
workbook, upload it, read the preview, confirm, see the edits in the list and the history; a
file with bad rows says which and changes nothing. Screenshots go to tmp_path (and to
$SCREENSHOT_DIR when set) for a person to look at."""

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from actions.models import Action
from actions.services import action_add_update
from tests.conftest import require_or_skip
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory
from tests.system.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# English that must not show on these Dutch pages (the templates' and the messages' msgids).
ENGLISH = [
    "Import actions",
    "Check the file",
    "How it works",
    "rows read",
    "unchanged",
    "with errors",
    "Nothing has been saved",
    "Reason",
    "Changes",
    "Export to",
    "not a date",
    "outside your scope",
    "Preview",
    "Choose File",
    "No file chosen",
]


@pytest.fixture
def page_1366():
    require_or_skip(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            locale="nl-NL", viewport={"width": 1366, "height": 768}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def brabant_actions(transactional_db, tree, parties, users):
    mit = ThemeFactory(code="MIT", name="MKB Innovatiestimulering Topsectoren")
    nb = AgreementFactory(
        code="NB-MIT",
        title="MIT-regeling Noord-Brabant",
        theme=mit,
        scope="regional",
        regions=[tree["PV30"]],
        parties=[(parties["PV30"], "lead")],
    )
    nh = AgreementFactory(
        code="NH-MIT",
        title="MIT-regeling Noord-Holland",
        theme=mit,
        scope="regional",
        regions=[tree["PV27"]],
        parties=[(parties["PV27"], "lead")],
    )
    loket = ActionFactory(
        code="NB-MIT-1", title="MIT-loket Brabant openen", agreement=nb, owner=parties["PV30"]
    )
    action_add_update(action=loket, status="in_progress", user=users["superuser"])
    voucher = ActionFactory(
        code="NB-MIT-2", title="Kennisvouchers uitgeven", agreement=nb, owner=parties["PV30"]
    )
    action_add_update(action=voucher, status="in_progress", user=users["superuser"])
    holland = ActionFactory(
        code="NH-MIT-1", title="MIT-loket Holland", agreement=nh, owner=parties["PV27"]
    )
    return {"loket": loket, "voucher": voucher, "holland": holland}


def shoot(page, tmp_path, name):
    path = tmp_path / name
    page.screenshot(path=path, full_page=True)
    target = os.environ.get("SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)


def assert_dutch_and_fits(page):
    text = page.inner_text("body")
    assert [word for word in ENGLISH if word in text] == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def edit(path, edits):
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    code = header.index("Code") + 1
    rows = {sheet.cell(row=r, column=code).value: r for r in range(2, sheet.max_row + 1)}
    for (code, column), value in edits.items():
        sheet.cell(row=rows[code], column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_editor_round_trips_an_excel_list(live_server, page_1366, brabant_actions, tmp_path):
    page, base = page_1366, live_server.url
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "brabant")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    # The list offers the export of the whole (filtered) list and the import.
    page.goto(f"{base}/admin/actions/action/")
    tools = page.locator(".object-tools")
    assert tools.locator("a", has_text="Importeren uit Excel of CSV").count() == 1
    shoot(page, tmp_path, "import-1-lijst.png")
    assert_dutch_and_fits(page)
    with page.expect_download() as download_info:
        tools.locator("a", has_text="Exporteren naar Excel").click()
    download = download_info.value
    assert re.fullmatch(r"acties-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    assert load_workbook(exported).sheetnames == ["Acties", "Uitleg"]

    # Edits progress and status in Excel; uploads the workbook.
    edited = tmp_path / "acties-bewerkt.xlsx"
    edited.write_bytes(
        edit(
            exported,
            {
                ("NB-MIT-1", "Voortgang (%)"): 60,
                ("NB-MIT-2", "Status"): "risico",
                ("NB-MIT-2", "Toelichting"): "Minder aanvragen dan verwacht",
            },
        )
    )
    tools.locator("a", has_text="Importeren uit Excel of CSV").click()
    page.wait_for_url("**/import/")
    shoot(page, tmp_path, "import-2-uploaden.png")
    assert_dutch_and_fits(page)
    page.set_input_files("#id_file", str(edited))
    page.click("input[type=submit]")
    page.wait_for_selector("#import-preview")

    # The preview: what changes, from what to what; nothing saved yet.
    preview = page.inner_text("#content-main")
    assert "Er is nog niets opgeslagen." in preview
    assert "40 → 60" not in preview  # progress was 0
    assert "0 → 60" in preview
    assert "in uitvoering → risico" in preview
    assert Action.objects.get(pk=brabant_actions["loket"].pk).progress == 0
    shoot(page, tmp_path, "import-3-voorbeeld.png")
    assert_dutch_and_fits(page)

    # Confirms: back on the list, with the outcome said and the edits in the list.
    page.click("#import-confirm input[type=submit]")
    page.wait_for_url(f"{base}/admin/actions/action/")
    message = page.inner_text(".messagelist")
    assert "Geïmporteerd uit acties-bewerkt.xlsx: 0 nieuw, 2 gewijzigd, 0 ongewijzigd." in message
    assert "Overgeslagen, als rijen van acties die u niet mag wijzigen: 1." in message
    assert "risico" in page.inner_text("#result_list")
    shoot(page, tmp_path, "import-4-opgeslagen.png")
    loket = Action.objects.get(pk=brabant_actions["loket"].pk)
    assert loket.progress == 60
    page.goto(f"{base}/admin/actions/action/{loket.pk}/change/")
    changes = page.inner_text("#recorded-changes")
    assert "brabant" in changes
    shoot(page, tmp_path, "import-5-geschiedenis.png")

    # A file with bad rows: which row, which column, why; nothing saved.
    bad = tmp_path / "acties-fout.xlsx"
    bad.write_bytes(
        edit(
            exported,
            {
                ("NB-MIT-1", "Deadline"): "eind 2026",
                ("NH-MIT-1", "Titel"): "Door Brabant overgenomen",
                ("NB-MIT-2", "Status"): "afgerond",
            },
        )
    )
    page.goto(f"{base}/admin/actions/action/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("input[type=submit]")
    page.wait_for_selector("#import-problems")
    problems = page.inner_text("#import-problems")
    assert "“eind 2026” is geen datum" in problems
    assert "Deze actie is van" in problems  # whose it is, at the column changed
    assert "Laat de rij staan zoals die is geëxporteerd" in problems
    assert "De actie is na uw export gewijzigd" in problems  # NB-MIT-2 moved on since
    assert page.locator("#import-confirm").count() == 0
    shoot(page, tmp_path, "import-6-fouten.png")
    assert_dutch_and_fits(page)
    assert Action.objects.get(pk=brabant_actions["holland"].pk).title == "MIT-loket Holland"
    assert len(list(tmp_path.glob("import-*.png"))) == 6
