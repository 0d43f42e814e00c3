"""What the browser tests share: Playwright driving Debian's Chromium (no browser download),
a Dutch browser on a 1366x768 laptop, and axe-core (from the npm registry) for the
accessibility checks. Outside CI a missing Chromium or axe-core skips; in CI it fails."""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import require_or_skip
from tests.factories import ActionFactory
from tests.paths import FIXTURES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
# Where people look at the screenshots after a run (besides each test's tmp_path).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mkb-screenshots"))


@pytest.fixture
def browser_context():
    require_or_skip(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def new_page(viewport=None, locale="nl-NL", bypass_csp=True):
            # axe-core is injected as an inline script, which the site's CSP forbids; the
            # CSP's own browser test (tests/system/browser/test_csp_browser.py) keeps it on.
            context = browser.new_context(
                locale=locale, viewport=viewport or LAPTOP, bypass_csp=bypass_csp
            )
            page = context.new_page()
            page.set_default_timeout(15000)
            return page

        yield new_page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_page(browser_context):
    return browser_context()


@pytest.fixture
def screenshot(tmp_path):
    """Saves a screenshot in the test's tmp_path and in SCREENSHOTS, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=True):
        page.screenshot(path=tmp_path / f"{name}.png", full_page=full_page)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)

    return take


SERIOUS = ("serious", "critical")


@pytest.fixture
def axe():
    """Runs axe-core on the page; returns the violations of the given impacts (serious and
    critical unless asked) as `(rule id, selector)` pairs, or with `with_impact` as
    `(rule id, impact, selector)`."""
    require_or_skip(AXE.exists(), f"axe-core is not installed ({AXE}); `make install` does it")
    script = AXE.read_text()

    def check(page, exclude=(), impacts=SERIOUS, with_impact=False):
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.add_script_tag(content=script)
        result = page.evaluate(
            """async ([exclude, impacts]) => {
                const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
                const found = await axe.run(context, {resultTypes: ['violations']});
                return found.violations
                    .filter((v) => impacts.includes(v.impact))
                    .flatMap((v) => v.nodes.map((n) => [v.id, v.impact, n.target.join(' ')]));
            }""",
            [list(exclude), list(impacts)],
        )
        if with_impact:
            return [tuple(item) for item in result]
        return [(rule, target) for rule, _impact, target in result]

    return check


PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


def log_in(page, base, username, password=PASSWORD):
    """Logs in on the admin's login page and waits for the landing page."""
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.fixture
def provincial_week(transactional_db, users):
    """The real agenda; the editors `brabant` (Provincie Noord-Brabant) and `ez` (the
    ministry). As an assumption of these tests: a late action of Noord-Brabant's, one of
    Zeeland's that Noord-Brabant contributes to, and the 2017 review being prepared."""
    from agenda.models import Agreement, Membership, Party, Review

    call_command("loaddata", *FIXTURES, verbosity=0)
    brabant, zeeland = Party.objects.get(code="PV30"), Party.objects.get(code="PV29")
    Membership.objects.filter(user=users["brabant_editor"]).update(party=brabant)
    Membership.objects.filter(user=users["ministry_editor"]).update(
        party=Party.objects.get(code="EZ")
    )
    zuid = Agreement.objects.get(code="MKB-2016-REG-ZUID")
    own = ActionFactory(
        code="NB-LOKET",
        title="Loket innovatieve starters",
        agreement=zuid,
        owner=brabant,
        due_date=datetime.date(2016, 5, 1),
    )
    shared = ActionFactory(
        code="ZE-LOKET",
        title="Loket Zeeland",
        agreement=zuid,
        owner=zeeland,
        due_date=datetime.date(2016, 9, 1),
    )
    shared.contributors.add(brabant)
    review = Review.objects.create(date=datetime.date(2017, 4, 12), title="Herijking 2017")
    review.decisions.create(agreement=zuid, decision="adjust", note="Afspraken Zuid bijstellen.")
    return {"own": own, "shared": shared, "review": review, "zuid": zuid}


@pytest.fixture(autouse=True)
def job_worker(request):
    """Beside the live server, a task worker (as `make run` starts one): the database
    backend's worker runs each queued job in a thread of this process."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")
    import threading

    from django.db import connection

    from tests.jobs.conftest import run_jobs

    stop = threading.Event()

    def work():
        try:
            while not stop.is_set():
                if not run_jobs():
                    stop.wait(0.2)
        finally:
            connection.close()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    yield
    stop.set()
    worker.join(timeout=30)
