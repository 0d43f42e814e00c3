"""A new provincial editor's week, in Chromium at 1366×768 in Dutch, on the real agenda:
Monday an update (the form offers only the moves allowed), Tuesday a progress update on an
action they contribute to (the page says why it is read-only), Wednesday an import of the
"geldt voor" export (their rows marked, the others skipped; an edit to another province's row
refused with its reason), Thursday the review list, Friday the review's report. No message
misleads, names a code they do not know, or is in English; axe-core finds nothing serious or
critical on any page; nothing scrolls sideways. Screenshots go to $SCREENSHOT_DIR."""

import re

import pytest
from openpyxl import load_workbook

from actions.models import Action, ActionUpdate
from tests.system.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# Words of the msgids (and codes of the statuses) that must not show on a Dutch page.
ENGLISH = re.compile(
    r"\b(Save|Delete|History|Forbidden|Welcome|View site|Log out|Import|Export|planned|"
    r"in_progress|at_risk|cancelled|overdue|Expected|outside your scope|not allowed|"
    r"Page not found)\b"
)
# Codes a new editor does not know: parties', regions' and the actions' own.
CODES = re.compile(r"\b(PV\d\d|GM\d{4}|AG-[A-Z]+|LD0\d|NB-LOKET|ZE-LOKET)\b")
MESSAGES = (
    ".messagelist li, .messages li, .errorlist li, .errornote, .read-only-note, #import-problems"
)


@pytest.fixture
def look(screenshot, axe):
    """Each page the editor sees: photographed, checked by axe-core, in Dutch, not wider than
    the laptop, its messages free of codes and English. Returns the messages' text."""
    seen = []

    def check(page, name):
        page.wait_for_load_state()
        screenshot(page, f"week-{len(seen) + 1:02d}-{name}")
        assert axe(page) == [], name
        assert page.locator("html").get_attribute("lang") == "nl", name
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, name
        body = page.inner_text("body")
        assert ENGLISH.findall(body) == [], name
        said = " ".join(page.locator(MESSAGES).all_inner_texts())
        assert CODES.findall(said) == [], (name, said)
        seen.append(name)
        return said

    check.seen = seen
    return check


def options(page, selector):
    return [o.strip() for o in page.locator(f"{selector} option").all_inner_texts()]


def test_a_week_of_a_new_provincial_editor(
    live_server, browser_page, provincial_week, look, tmp_path
):
    page, base = browser_page, live_server.url
    week = provincial_week
    own, shared, review = week["own"], week["shared"], week["review"]
    log_in(page, base, "brabant")
    look(page, "maandag-mijn-agenda")

    # Monday: the late action, from the landing page. The form offers only allowed moves.
    panel = page.locator(".my-agenda-panel", has_text="Geldt voor Noord-Brabant")
    panel.locator(".my-agenda-overdue a").click()
    page.wait_for_url("**overdue=true**")
    look(page, "maandag-te-laat")
    page.click("#result_list a:has-text('Loket innovatieve starters')")
    page.wait_for_selector("#id_new_status")
    assert options(page, "#id_new_status") == [
        "— blijft “gepland”",
        "in uitvoering",
        "vervallen (met toelichting)",
    ]
    look(page, "maandag-actie")
    page.select_option("#id_new_status", "in_progress")
    page.fill("#id_progress", "30")
    page.click("input[name=_save]")
    said = look(page, "maandag-opgeslagen")
    assert "De actie ‘Loket innovatieve starters’ is met succes gewijzigd." in said

    # Risk needs a note: the form says so at the note, keeps what was typed, saves nothing.
    page.goto(f"{base}/admin/actions/action/{own.pk}/change/")
    assert "risico (met toelichting)" in options(page, "#id_new_status")
    page.select_option("#id_new_status", "at_risk")
    page.click("input[name=_save]")
    said = look(page, "maandag-toelichting-nodig")
    assert "Voor “risico” is een toelichting nodig." in said
    assert Action.objects.get(pk=own.pk).status == "in_progress"
    page.fill("#id_status_note", "Subsidieregeling nog niet open")
    page.click("input[name=_save]")
    look(page, "maandag-risico")
    assert Action.objects.get(pk=own.pk).status == "at_risk"

    # Tuesday: Zeeland's action, to which Brabant contributes: read-only, saying why, with
    # the progress update on the page.
    page.goto(f"{base}/admin/actions/action/{shared.pk}/change/")
    said = look(page, "dinsdag-bijdrage")
    assert "Deze actie is van Provincie Zeeland" in said
    assert "Als bijdrager kunt u wel een voortgangsmelding toevoegen" in said
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator(".deletelink").count() == 0
    page.fill("#progress-update input[name=progress]", "20")
    page.fill("#progress-update textarea[name=note]", "Brabantse ondernemers doorverwezen")
    page.click("#progress-update input[type=submit]")
    said = look(page, "dinsdag-voortgang-gemeld")
    assert "Uw voortgangsmelding bij “Loket Zeeland” is toegevoegd." in said
    assert ActionUpdate.objects.filter(action=shared, author__username="brabant").count() == 1

    # Wednesday: the "geldt voor Noord-Brabant" list to Excel; its rows say which are theirs.
    page.goto(f"{base}/admin/actions/action/?applies_to=PV30")
    look(page, "woensdag-geldt-voor")
    with page.expect_download() as download:
        page.locator(".object-tools a", has_text="Exporteren naar Excel").click()
    exported = tmp_path / "acties.xlsx"
    download.value.save_as(exported)
    workbook = load_workbook(exported)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("Code")].value: r for r in sheet.iter_rows(min_row=2)}
    may = {code: row[header.index("Mag ik wijzigen?")].value for code, row in rows.items()}
    assert may["NB-LOKET"] == "ja"
    assert may["ZE-LOKET"] == "alleen voortgang"
    assert "nee" in may.values()  # national actions of others: for reading

    # Edits their own row; the others stay as exported and are skipped, counted.
    rows["NB-LOKET"][header.index("Voortgang (%)")].value = 45
    rows["NB-LOKET"][header.index("Versie")].value = Action.objects.get(pk=own.pk).version
    edited = tmp_path / "acties-bewerkt.xlsx"
    workbook.save(edited)
    page.goto(f"{base}/admin/actions/action/import/")
    look(page, "woensdag-importeren")
    page.set_input_files("#id_file", str(edited))
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-confirm")
    counts = page.inner_text(".import-counts")
    assert "1gewijzigd" in counts.replace("\n", "").replace(" ", "")
    assert "overgeslagen" in counts
    look(page, "woensdag-voorbeeld")
    page.click("#import-confirm input[type=submit]")
    # The import runs as a job: its page, then (done) the list with what was imported.
    page.wait_for_url(f"{base}/admin/actions/action/")
    said = look(page, "woensdag-geimporteerd")
    assert "Overgeslagen, als rijen van acties die u niet mag wijzigen:" in said
    assert Action.objects.get(pk=own.pk).progress == 45

    # An accidental edit of another province's row: refused, at its column, saying why.
    other = next(code for code, value in may.items() if value == "nee")
    rows["NB-LOKET"][header.index("Versie")].value = Action.objects.get(pk=own.pk).version
    rows["NB-LOKET"][header.index("Voortgang (%)")].value = 45
    rows[other][header.index("Titel")].value = "Per ongeluk gewijzigd"
    workbook.save(edited)
    page.goto(f"{base}/admin/actions/action/import/")
    page.set_input_files("#id_file", str(edited))
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-problems")
    said = look(page, "woensdag-vergissing")
    assert "Titel" in page.inner_text("#import-problems")
    assert "Laat de rij staan zoals die is geëxporteerd, of haal hem uit het bestand." in said

    # Dutch Excel's own CSV (Windows-1252): read, accents and the euro sign intact.
    version = Action.objects.get(pk=own.pk).version
    csv = f"ID;Versie;Titel\n{own.pk};{version};Loket innovatieve starters (€ 2 mln, café)\n"
    page.goto(f"{base}/admin/actions/action/import/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "acties.csv", "mimeType": "text/csv", "buffer": csv.encode("cp1252")}],
    )
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-confirm")
    assert "Windows-1252" in page.inner_text("#content-main")
    assert "(€ 2 mln, café)" in page.inner_text("#import-preview")
    look(page, "woensdag-csv")

    # Thursday: the review list, from the menu; dates as tables write them; back to the admin.
    page.click(".site-nav a:has-text('Acties')")
    page.wait_for_url(f"{base}/reviews/actions/")
    page.goto(f"{base}/reviews/actions/?applies_to=PV30&overdue=true")
    row = page.locator("table.list tbody tr", has_text="Loket Zeeland")
    assert "01-09-2016" in row.inner_text()
    look(page, "donderdag-lijst")
    page.click(".site-nav a:has-text('Register (beheer)')")
    page.wait_for_url(f"{base}/admin/")

    # Friday: the review being prepared, and its report for Zuid.
    page.click(".site-nav a:has-text('Herijkingen')")
    page.wait_for_url(f"{base}/reviews/all/")
    look(page, "vrijdag-herijkingen")
    page.goto(f"{base}/reviews/{review.pk}/")
    look(page, "vrijdag-herijking")
    page.goto(f"{base}/reviews/{review.pk}/report/?region=AG-ZUID")
    assert "12 april 2017" in page.inner_text("body")
    look(page, "vrijdag-rapport")
    assert len(look.seen) == 18
