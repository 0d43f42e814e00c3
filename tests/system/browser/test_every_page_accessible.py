"""axe-core on every page of our own that an editor sees, as a ministry editor and as a
provincial editor, in Dutch at 1366×768 in Chromium: the landing page, every admin list, add
and change forms (one's own and read-only ones), history, delete confirmation, the import
(upload and a preview with errors), the review pages (dashboard, lists, matrix, reviews, a
review, its report), and the login and error pages (not found, a locked login, an expired
form, 400, 500) in Dutch and in English. No critical and no serious finding
on any of them, with nothing excluded. Each page is photographed into $SCREENSHOT_DIR (and
a summary of every finding, by impact, is written beside them) for a person to look at."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.views.defaults import server_error

from actions.models import Action
from agenda.models import Agreement
from tests.system.browser.conftest import SCREENSHOTS, SERIOUS, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def admin_pages(agenda):
    """Every list, add form and a record's form of the admin (those a user may not open are
    skipped by their 403), and the registry's own admin pages."""
    pages = [("registratie", "/admin/")]
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        pages.append((f"lijst {opts.model_name}", base))
        pages.append((f"nieuw {opts.model_name}", f"{base}add/"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append((f"wijzigen {opts.model_name}", f"{base}{first.pk}/change/"))
    own, shared, zuid = agenda["own"], agenda["shared"], agenda["zuid"]
    generic = Agreement.objects.filter(scope="generic").order_by("code").first()
    return [
        *pages,
        ("eigen actie", f"/admin/actions/action/{own.pk}/change/"),
        ("actie als bijdrager", f"/admin/actions/action/{shared.pk}/change/"),
        ("regionale afspraak", f"/admin/agenda/agreement/{zuid.pk}/change/"),
        ("landelijke afspraak", f"/admin/agenda/agreement/{generic.pk}/change/"),
        ("geschiedenis actie", f"/admin/actions/action/{own.pk}/history/"),
        ("geschiedenis afspraak", f"/admin/agenda/agreement/{zuid.pk}/history/"),
        ("verwijderen actie", f"/admin/actions/action/{own.pk}/delete/"),
        ("verwijderen afspraak", f"/admin/agenda/agreement/{zuid.pk}/delete/"),
        ("importeren", "/admin/actions/action/import/"),
        ("wachtwoord wijzigen", "/admin/password_change/"),
        ("lijst gefilterd", "/admin/actions/action/?applies_to=PV30&overdue=true"),
    ]


def review_pages(agenda):
    review = agenda["review"]
    return [
        ("dashboard", "/reviews/"),
        ("acties herijking", "/reviews/actions/?applies_to=PV30"),
        ("afspraken herijking", "/reviews/agreements/"),
        ("matrix", "/reviews/matrix/"),
        ("herijkingen", "/reviews/all/"),
        ("herijking", f"/reviews/{review.pk}/"),
        ("rapport", f"/reviews/{review.pk}/report/?region=AG-ZUID"),
        ("niet gevonden", "/reviews/999999/"),
    ]


def job_pages(username):
    """My jobs, a job being done and a failed one (with its retry)."""
    from django.contrib.auth import get_user_model

    from jobs.models import Job, JobState

    user = get_user_model().objects.get(username=username)
    running = Job.objects.create(
        user=user,
        kind="export",
        title="Acties (XLSX)",
        state=JobState.RUNNING,
        done=40,
        total=100,
        worker="elders:1",
    )
    Job.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() + timedelta(days=1))
    failed = Job.objects.create(
        user=user,
        kind="export",
        title="Afspraken (CSV)",
        state=JobState.FAILED,
        error="Er ging iets mis; er is niets opgeslagen.",
    )
    return [
        ("mijn taken", "/jobs/"),
        ("taak bezig", f"/jobs/{running.pk}/"),
        ("taak mislukt", f"/jobs/{failed.pk}/"),
    ]


def import_preview(page, base, agenda):
    """A preview with a changed row and, for a provincial editor, a refused one (another
    province's action)."""
    own, other = agenda["own"], Action.objects.exclude(owner__code="PV30").order_by("pk").first()
    data = (
        f"id;version;title;progress\n{own.pk};{own.version};{own.title};55\n"
        f"{other.pk};{other.version};Overgenomen;{other.progress}\n"
    ).encode()
    page.goto(f"{base}/admin/actions/action/import/")
    page.set_input_files(
        "#id_file", files=[{"name": "acties.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-preview, #import-problems")


def error_pages(page, base, language):
    """The login and the error pages a visitor can meet, as steps that open each: not found,
    a locked login (429), a form sent without its security token (403), and the 400 and 500
    pages, which a browser cannot provoke here: they are drawn by Django's own handlers and
    shown on the site's address so that their stylesheet loads."""

    def login_page():
        page.goto(f"{base}/admin/login/")

    def not_found():
        page.goto(f"{base}/bestaat-niet/")

    def locked_login():
        for _ in range(5):
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", f"niemand-{language}")
            page.fill("#id_password", "verkeerd")
            page.click("input[type=submit]")
        assert page.locator("h1").inner_text() != ""

    def expired_form():
        page.goto(f"{base}/admin/login/")
        page.context.clear_cookies()
        page.fill("#id_username", "iemand")
        page.fill("#id_password", "iets")
        page.click("input[type=submit]")

    def drawn(status):
        def show():
            client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
            if status == 400:
                html = client.get("/admin/", HTTP_HOST="evil.example").content.decode()
            else:
                with translation.override(language):
                    html = server_error(RequestFactory().get("/admin/")).content.decode()
            page.goto(f"{base}/bestaat-niet/")
            page.set_content(html)

        return show

    return [
        ("aanmelden", login_page),
        ("niet gevonden", not_found),
        ("aanmelden geblokkeerd", locked_login),
        ("formulier verlopen", expired_form),
        ("fout 400", drawn(400)),
        ("fout 500", drawn(500)),
    ]


def test_no_serious_finding_on_any_page(live_server, browser_context, provincial_week, axe):
    agenda = provincial_week
    base = live_server.url
    findings, counts, checked = {}, Counter(), []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(page, who, name, language="nl"):
        found = axe(page, impacts=("minor", "moderate", "serious", "critical"), with_impact=True)
        counts.update(f"{impact}: {rule}" for rule, impact, _target in found)
        serious = [(rule, target) for rule, impact, target in found if impact in SERIOUS]
        if serious:
            findings[f"{who}: {name}"] = serious
        assert page.locator("html").get_attribute("lang") == language, name
        page.screenshot(path=SCREENSHOTS / f"axe-{who}-{name.replace(' ', '-')}.png")
        checked.append(f"{who}: {name} ({page.url.removeprefix(base)})")

    for language, who in (("nl", "anoniem"), ("en", "anonymous")):
        anonymous = browser_context(locale=language)
        for name, page_check in error_pages(anonymous, base, language):
            page_check()
            check(anonymous, who, name, language)

    for who, username in (("ministerie", "ez"), ("provincie", "brabant")):
        page = browser_context()
        log_in(page, base, username)
        for name, path in [*admin_pages(agenda), *review_pages(agenda), *job_pages(username)]:
            response = page.goto(f"{base}{path}")
            if response.status == 403:
                continue  # not a page this user sees
            check(page, who, name)
        import_preview(page, base, agenda)
        check(page, who, "importvoorbeeld")
        if who == "provincie":
            other = Action.objects.exclude(owner__code="PV30").order_by("pk").first()
            response = page.goto(f"{base}/admin/actions/action/{other.pk}/delete/")
            assert response.status == 403
            check(page, who, "geen toegang")

    (SCREENSHOTS / "axe-summary.json").write_text(
        json.dumps({"pages": checked, "findings by impact": counts}, indent=1, ensure_ascii=False)
    )
    assert len(checked) >= 60
    assert findings == {}
