"""axe-core on every page of our own that an editor sees, as a ministry editor and as a
provincial editor, in Dutch at 1366×768 in Chromium: the landing page, every admin list, add
and change forms (one's own and read-only ones), history, delete confirmation, the import
(upload and a preview with errors), the review pages (dashboard, lists, matrix, reviews, a
review, its report), the login page and the error pages. No critical and no serious finding
on any of them, with nothing excluded. Each page is photographed into $SCREENSHOT_DIR (and
a summary of every finding, by impact, is written beside them) for a person to look at."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone

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


def test_no_serious_finding_on_any_page(live_server, browser_context, provincial_week, axe):
    agenda = provincial_week
    base = live_server.url
    findings, counts, checked = {}, Counter(), []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(page, who, name):
        found = axe(page, impacts=("minor", "moderate", "serious", "critical"), with_impact=True)
        counts.update(f"{impact}: {rule}" for rule, impact, _target in found)
        serious = [(rule, target) for rule, impact, target in found if impact in SERIOUS]
        if serious:
            findings[f"{who}: {name}"] = serious
        assert page.locator("html").get_attribute("lang") == "nl", name
        page.screenshot(path=SCREENSHOTS / f"axe-{who}-{name.replace(' ', '-')}.png")
        checked.append(f"{who}: {name} ({page.url.removeprefix(base)})")

    anonymous = browser_context()
    anonymous.goto(f"{base}/admin/login/")
    check(anonymous, "anoniem", "aanmelden")
    anonymous.goto(f"{base}/bestaat-niet/")
    check(anonymous, "anoniem", "niet gevonden")

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
