"""The review pages in a real browser (Playwright driving Debian's Chromium) at 1366×768, in
Dutch, on the real agenda: a viewer logs in, reads the dashboard, drills into "overdue in
Zuid", saves that filter, reopens it and exports it to Excel; a ministry editor holds a review
and opens its report. Screenshots go to the test's folder (and to $REVIEW_SCREENSHOTS when
set) for a person to look at."""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from actions.models import Action
from agenda.models import Agreement, Membership, Party, Review
from regions.models import Region
from tests.conftest import require_or_skip
from tests.factories import ActionFactory, UserFactory
from tests.paths import FIXTURES
from tests.system.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WIDTH = 1366


@pytest.fixture
def real_agenda(transactional_db, settings):
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"  # the shipped data: the 2016 review's
    call_command("loaddata", *FIXTURES, verbosity=0)
    # One action in Zeeland that was due before the data ends (an assumption for this test).
    moment = datetime.datetime(2016, 3, 1, 11, 0, tzinfo=datetime.UTC)
    late = ActionFactory(
        code="TEST-ZEELAND",
        title="Loket Zeeland ingericht",
        agreement=Agreement.objects.get(code="MKB-2016-ACT-01"),
        owner=Party.objects.get(code="PV29"),
        region=Region.objects.get(code="PV29"),
        due_date=datetime.date(2016, 5, 1),
    )
    Action.objects.filter(pk=late.pk).update(created_at=moment, updated_at=moment)
    Action.history.filter(id=late.pk).update(
        history_date=moment, created_at=moment, updated_at=moment
    )
    viewer = UserFactory(username="lezer", is_staff=False)
    Membership.objects.create(user=viewer, party=Party.objects.get(code="IPO"), role="viewer")
    editor = UserFactory(username="ez", is_staff=False)
    Membership.objects.create(user=editor, party=Party.objects.get(code="EZ"), role="editor")


@pytest.fixture
def shots(tmp_path):
    extra = os.environ.get("REVIEW_SCREENSHOTS")
    taken = []

    def shoot(page, name):
        path = tmp_path / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        # Readable at 1366×768 without scrolling sideways, in Dutch.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
        assert page.locator("html").get_attribute("lang") == "nl"
        taken.append(path)
        return path

    shoot.taken = taken
    return shoot


@pytest.fixture
def browser_page():
    require_or_skip(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            locale="nl-NL", viewport={"width": WIDTH, "height": 768}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def log_in(page, base, username):
    page.goto(f"{base}/reviews/")
    page.wait_for_url("**/admin/login/?next=/reviews/")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/reviews/")


def test_a_review_meeting_in_the_browser(live_server, browser_page, real_agenda, shots, tmp_path):
    page, base = browser_page, live_server.url

    # A viewer logs in and lands on the dashboard of the real agenda, in Dutch.
    log_in(page, base, "lezer")
    assert page.locator("h1").inner_text() == "Dashboard herijking"
    assert "Peildatum: 8 juni 2016" in page.content()
    assert page.locator("svg.chart").count() >= 5
    shots(page, "dashboard")

    # Drills into "overdue in Zuid" from the agenda-region table.
    zuid = page.locator("table.counts tr", has=page.locator("th a", has_text="Zuid")).first
    zuid.locator("td").nth(6).locator("a").click()
    page.wait_for_url("**/reviews/actions/?region=AG-ZUID*overdue=true*")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1
    assert "Loket Zeeland ingericht" in rows.first.inner_text()
    assert "te laat" in rows.first.inner_text()
    shots(page, "te-laat-in-zuid")
    filtered_url = page.url

    # Saves the filter under a name, shared, and reopens it as a link.
    page.fill("#id_name", "Te laat in Zuid")
    page.check("input[name=shared]")
    page.click("button:has-text('Opslaan')")
    page.wait_for_selector(".message.success")
    shots(page, "filter-bewaard")
    page.goto(f"{base}/reviews/actions/")
    page.click("ul.saved a:has-text('Te laat in Zuid')")
    page.wait_for_url("**overdue=true**")
    assert page.url.split("/reviews/")[1] == filtered_url.split("/reviews/")[1]

    # Exports it to Excel: the same row.
    with page.expect_download() as download:
        page.click("text=Exporteren naar Excel")
    target = tmp_path / "te-laat-in-zuid.xlsx"
    download.value.save_as(target)
    sheet = load_workbook(target).active
    values = list(sheet.values)
    assert values[0][0] == "ID"  # the admin's sheet dialect: Dutch headers
    code = values[0].index("Code")
    assert [row[code] for row in values[1:]] == ["TEST-ZEELAND"]

    # The filter panel: another filter by clicking.
    page.goto(f"{base}/reviews/actions/")
    page.check("input[name=status][value=planned]")
    page.select_option("#f-applies_to", "PV30")
    page.click("button:has-text('Filter toepassen')")
    page.wait_for_url("**status=planned&applies_to=PV30**")
    assert page.locator("table.list tbody tr").count() == 1
    shots(page, "filter-gepland-brabant")

    page.goto(f"{base}/reviews/matrix/")
    assert "Noord-Brabant" in page.content()
    shots(page, "matrix")

    # A ministry editor holds the coming review and opens its report.
    page.click("button:has-text('Afmelden')")
    review = Review.objects.create(date=datetime.date(2017, 4, 12), title="Herijking 2017")
    review.participants.set(Party.objects.filter(code__in=["EZ", "IPO"]))
    review.decisions.create(
        agreement=Agreement.objects.get(code="MKB-2014-SRA-01"),
        decision="stop",
        note="Gestopt: opgegaan in de handelsagenda.",
    )
    log_in(page, base, "ez")
    page.goto(f"{base}/reviews/{review.pk}/")
    # The editor records a decision on the page itself: first one that does not fit...
    zuid = Agreement.objects.get(code="MKB-2016-REG-ZUID")
    form = page.locator(f"#decision-{zuid.pk}")
    form.locator("select").select_option("new")
    form.locator("textarea").fill("Afspraken Zuid bijstellen.")
    form.locator("button").click()
    page.wait_for_selector(".decision-form.has-errors")
    assert (
        "past niet bij MKB-2016-REG-ZUID" in page.locator(".decision-form.has-errors").inner_text()
    )
    assert not review.decisions.filter(agreement=zuid).exists()
    # ... then the one that does, and is back on the page with it saved.
    form = page.locator(f"#decision-{zuid.pk}")
    form.locator("select").select_option("adjust")
    form.locator("button").click()
    page.wait_for_selector(".message.success")
    assert review.decisions.get(agreement=zuid).decision == "adjust"
    # The admin's page of the review and back.
    page.click("text=Deze herijking in het register (beheer)")
    page.wait_for_url(f"**/admin/agenda/review/{review.pk}/change/")
    page.click("text=Openen op de herijkingspagina's")
    page.wait_for_url(f"**/reviews/{review.pk}/")
    shots(page, "herijking-voorbereid")
    page.check("input[name=confirm]")
    page.click("button:has-text('Herijking vaststellen')")
    page.wait_for_selector(".message.success")
    review.refresh_from_db()
    assert review.status == "held"
    assert Agreement.objects.get(code="MKB-2017-REG-ZUID").supersedes.code == "MKB-2016-REG-ZUID"
    shots(page, "herijking-vastgesteld")

    page.goto(f"{base}/reviews/{review.pk}/report/?region=AG-ZUID")
    assert "Wat is besloten" in page.content()
    shots(page, "rapport-zuid")
    page.emulate_media(media="print")
    shots(page, "rapport-zuid-print")
    page.pdf(path=tmp_path / "rapport-zuid-chromium.pdf", format="A4")
    with page.expect_download() as download:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.click(); }",
            f"{base}/reviews/{review.pk}/report/pdf/?region=AG-ZUID",
        )
    pdf = tmp_path / "rapport-zuid.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    extra = os.environ.get("REVIEW_SCREENSHOTS")
    if extra:
        shutil.copy(pdf, Path(extra) / pdf.name)
    assert len(shots.taken) == 9


def test_the_reference_day_in_the_browser(live_server, browser_page, real_agenda, shots):
    """On the dashboard, the matrix and the admin's landing page a viewer sees the reference
    day and why, judges on today with one click, and picks another day with the date field:
    the counts follow (the demo's day, 8 June 2016: 24 actions; the first progress report,
    8 June 2015: 10)."""
    page, base = browser_page, live_server.url
    log_in(page, base, "lezer")
    note = page.locator(".reference-day").first
    assert "Peildatum: 8 juni 2016" in note.inner_text()
    assert "de ingestelde dag van de gegevens van deze installatie" in note.inner_text()
    # The demo's 24 actions of that day, and the test's late action in Zeeland.
    assert page.locator(".figure .number").first.inner_text() == "25"
    page.click("text=Beoordeel op vandaag")
    page.wait_for_url("**/reviews/?as_of=today")
    assert "Peildatum: vandaag" in page.locator(".reference-day").first.inner_text()
    shots(page, "peildatum-vandaag")
    page.fill("#id_as_of", "2015-06-08")
    page.click(".reference-day-form button")
    page.wait_for_url("**/reviews/?as_of=2015-06-08")
    assert "Peildatum gekozen: 8 juni 2015" in page.locator(".reference-day").first.inner_text()
    assert page.locator(".figure .number").first.inner_text() == "10"
    shots(page, "peildatum-gekozen")
    page.click("text=Terug naar de ingestelde dag, 8 juni 2016")
    page.wait_for_url(lambda url: "as_of" not in url)
    assert "Peildatum: 8 juni 2016" in page.locator(".reference-day").first.inner_text()

    page.goto(f"{base}/reviews/matrix/?theme=ACT")
    page.click("text=Beoordeel op vandaag")
    page.wait_for_url("**/reviews/matrix/?theme=ACT&as_of=today")
    assert "Peildatum: vandaag" in page.locator(".reference-day").first.inner_text()
    shots(page, "matrix-vandaag")

    page.goto(f"{base}/admin/")
    assert "Peildatum: 8 juni 2016" in page.locator(".reference-day").inner_text()
    shots(page, "mijn-agenda-peildatum")
    page.fill("#id_as_of", "2015-06-08")
    page.click(".reference-day-form button")
    page.wait_for_url("**/admin/?as_of=2015-06-08")
    assert "Peildatum gekozen: 8 juni 2015" in page.locator(".reference-day").inner_text()
    shots(page, "mijn-agenda-gekozen")
