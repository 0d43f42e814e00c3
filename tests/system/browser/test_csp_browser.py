"""The Content-Security-Policy is on and nothing the registry serves breaks it: the admin's
change list (and the import page), review pages, the browsable API, the integration guide and
the API docs (Swagger UI) load in Chromium without a single CSP violation, and their scripts
run."""

import pytest

from actions.services import action_add_update
from agenda.choices import ReviewDecisionKind
from agenda.models import ReviewDecision
from tests.factories import ReviewFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATCH = """() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
    });
}"""


@pytest.fixture
def csp_page(browser_context):
    """A page with the CSP enforced (no bypass) that records every violation, reported as a
    DOM event or as a console message."""
    page = browser_context(bypass_csp=False)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(f"({WATCH})()")
    page.violations = violations
    return page


def violations_on(page):
    return page.violations + page.evaluate("() => window.__csp || []")


def test_pages_work_under_the_csp(live_server, csp_page, small_agenda, users):
    page = csp_page
    base = live_server.url
    review = ReviewFactory()
    ReviewDecision.objects.create(
        review=review, agreement=small_agenda["own"], decision=ReviewDecisionKind.CONTINUE
    )
    action_add_update(action=small_agenda["own_action"], user=users["ministry_editor"], note="x")

    response = page.goto(f"{base}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "ez")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    page.goto(f"{base}/admin/actions/action/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list").count() == 1
    # The admin's own scripts ran: the select-all checkbox selects the rows.
    page.check("#action-toggle")
    assert page.locator("input.action-select:checked").count() >= 1

    page.goto(f"{base}/admin/actions/action/import/")
    page.wait_for_load_state("networkidle")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "acties.csv", "mimeType": "text/csv", "buffer": b"id;title\n"}],
    )
    assert page.locator("#import-file-name").inner_text() == "acties.csv"

    page.goto(f"{base}/reviews/{review.pk}/")
    page.wait_for_load_state("networkidle")
    assert "NB-1" in page.content()
    page.goto(f"{base}/reviews/")
    page.wait_for_load_state("networkidle")

    for url in ("/api/v1/agreements/", "/api/v1/guide/"):
        page.goto(f"{base}{url}", wait_until="networkidle")

    page.goto(f"{base}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    assert page.locator(".swagger-ui .opblock").count() > 10

    assert violations_on(page) == []
