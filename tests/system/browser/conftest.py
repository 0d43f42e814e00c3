"""What the browser tests share: Playwright driving Debian's Chromium (no browser download),
a Dutch browser on a 1366x768 laptop, and axe-core (from the npm registry) for the
accessibility checks. Outside CI a missing Chromium or axe-core skips; in CI it fails."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_or_skip

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


@pytest.fixture
def axe():
    """Runs axe-core on the page; returns the serious and critical violations as
    `(rule id, selector)` pairs."""
    require_or_skip(AXE.exists(), f"axe-core is not installed ({AXE}); `make install` does it")
    script = AXE.read_text()

    def check(page, exclude=()):
        page.add_script_tag(content=script)
        result = page.evaluate(
            """async (exclude) => {
                const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
                const found = await axe.run(context, {resultTypes: ['violations']});
                return found.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .flatMap((v) => v.nodes.map((n) => [v.id, n.target.join(' ')]));
            }""",
            list(exclude),
        )
        return [tuple(item) for item in result]

    return check
