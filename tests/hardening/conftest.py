# The browser fixtures (Playwright on Debian's Chromium), for the CSP's browser test.
from tests.browser.conftest import browser_context  # noqa: F401
