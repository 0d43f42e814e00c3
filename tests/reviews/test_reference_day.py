"""One reference day (peildatum) for every page that judges "overdue" and "stalled": the
dashboard, the lists, the matrix, the report, the admin's landing page and the reminders each
say which day and why, switch to another day or to today, and agree on every count.

The review_agenda was recorded on 4 January 2016. A-EHV (due 1 December 2015) was overdue then;
A-LATER (due 1 March 2016) is overdue only since. Nothing changed after 4 January 2016, so on
that day nothing is stalled, and today every open action is."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory, ReviewFactory
from tests.reviews.conftest import backdate, build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)

CONFIGURED = "2016-01-04"
OPEN_ACTIONS = 8  # the review_agenda's open actions, drafts included: members see them
# Per reference day: overdue and stalled, over every action a member sees.
ON_CONFIGURED_DAY = {"overdue": 1, "stalled": 0}
ON_TODAY = {"overdue": 2, "stalled": OPEN_ACTIONS}


@pytest.fixture
def late_world(review_agenda, parties, tree):
    ActionFactory(
        code="A-LATER",
        agreement=review_agenda["generic"],
        owner=parties["PV30"],
        region=tree["PV30"],
        due_date=datetime.date(2016, 3, 1),
    )
    backdate()
    held = ReviewFactory(date="2016-01-02", title="Herijking januari", status="held")
    # Recorded as held at the meeting, not today.
    held.history.update(history_date=datetime.datetime(2016, 1, 2, 15, 0, tzinfo=datetime.UTC))
    planned = ReviewFactory(date="2016-02-01", title="Herijking februari")
    return {**review_agenda, "held": held, "planned": planned}


def pages(review_agenda):
    return [
        "/reviews/",
        "/reviews/actions/",
        "/reviews/agreements/",
        "/reviews/matrix/",
        f"/reviews/{review_agenda['planned'].pk}/report/",
        "/admin/",
    ]


def text(response):
    assert response.status_code == 200, response.content[:500]
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("index", range(6))
def test_every_page_says_which_day_and_why_and_switches(client, users, late_world, settings, index):
    """With AGENDA_SNAPSHOT_DATE each page shows that day and why; its "judge on today" link
    judges on today; a chosen day is shown as chosen; and the way back leads to the set day."""
    settings.AGENDA_SNAPSHOT_DATE = CONFIGURED
    client.force_login(users["ministry_editor"])
    path = pages(late_world)[index]
    page = client.get(path)
    shown = text(page)
    assert "Peildatum: 4 januari 2016" in shown, path
    assert "de ingestelde dag van de gegevens van deze installatie" in shown, path
    links = page.context["reference_panel"]["links"]
    assert set(links) == {"today"}, path
    today_page = client.get(path + links["today"])
    assert today_page.context["reference_panel"]["reference"].is_today, path
    assert "Peildatum: vandaag" in text(today_page), path
    back = today_page.context["reference_panel"]["links"]["default"]
    assert "Peildatum: 4 januari 2016" in text(client.get(path + back)), path
    chosen = client.get(path, {"as_of": "2016-01-03"})
    assert "Peildatum gekozen: 3 januari 2016" in text(chosen), path
    assert "de stand aan het eind van die dag" in text(chosen), path


@pytest.mark.parametrize("index", range(6))
def test_a_live_deployment_judges_every_page_on_today(client, users, late_world, index):
    """Without AGENDA_SNAPSHOT_DATE (the default) every page judges on today and says so."""
    client.force_login(users["ministry_editor"])
    path = pages(late_world)[index]
    page = client.get(path)
    assert "Peildatum: vandaag" in text(page), path
    assert "de actuele stand" in text(page), path
    assert page.context["reference_panel"]["links"] == {}, path


def test_a_held_review_is_reported_on_its_day(client, users, late_world, settings):
    """The report of a held review is on the day it was held, whatever the set day; the user
    can switch to today and back."""
    settings.AGENDA_SNAPSHOT_DATE = CONFIGURED
    client.force_login(users["ministry_editor"])
    path = f"/reviews/{late_world['held'].pk}/report/"
    page = client.get(path)
    assert "Peildatum: 2 januari 2016" in text(page)
    assert "de dag waarop deze herijking is gehouden" in text(page)
    links = page.context["reference_panel"]["links"]
    assert links == {"today": "?as_of=today"}
    today_page = client.get(path + links["today"])
    assert today_page.context["totals"]["overdue"] == ON_TODAY["overdue"]
    assert "Terug naar de dag van de herijking, 2 januari 2016" in text(today_page)
    pdf_link = today_page.context["pdf_query"]
    assert "as_of=" in pdf_link


def counts_everywhere(client, review_agenda, query):
    """Overdue and stalled as each page counts them, on the reference day of `query`."""
    suffix = f"&{query}" if query else ""
    dashboard = client.get(f"/reviews/?{query}").context["totals"]
    matrix = client.get(f"/reviews/matrix/?{query}").context["tables"][0][1]
    report = client.get(f"/reviews/{review_agenda['planned'].pk}/report/?{query}").context["totals"]
    return {
        "dashboard": {k: dashboard[k] for k in ("overdue", "stalled")},
        "list": {
            "overdue": client.get(f"/reviews/actions/?overdue=true{suffix}")
            .context["page"]
            .paginator.count,
            "stalled": client.get(f"/reviews/actions/?stalled=true{suffix}")
            .context["page"]
            .paginator.count,
        },
        "report": {k: report[k] for k in ("overdue", "stalled")},
        "matrix": {
            "overdue": sum(c["cell"].overdue for row in matrix for c in row["cells"] if c["cell"])
        },
    }


@pytest.mark.parametrize(
    ("configured", "query", "expected"),
    [
        (CONFIGURED, "", ON_CONFIGURED_DAY),
        (CONFIGURED, "as_of=today", ON_TODAY),
        ("", "", ON_TODAY),
        ("", f"as_of={CONFIGURED}", ON_CONFIGURED_DAY),
    ],
)
def test_every_page_counts_the_same_on_the_same_day(
    client, users, late_world, settings, configured, query, expected
):
    """Dashboard, list, report and matrix agree on overdue and stalled on one reference day,
    and the day decides: judged on 4 January 2016 or on today."""
    settings.AGENDA_SNAPSHOT_DATE = configured
    client.force_login(users["ministry_editor"])
    counts = counts_everywhere(client, late_world, query)
    assert counts == {
        "dashboard": expected,
        "list": expected,
        "report": expected,
        "matrix": {"overdue": expected["overdue"]},
    }


@pytest.mark.parametrize(("configured", "query"), [(CONFIGURED, ""), (CONFIGURED, "as_of=today")])
def test_the_landing_page_counts_are_its_links_counts(
    client, users, late_world, settings, configured, query
):
    """The landing page ("Mijn agenda") counts on the reference day, and each count links to
    a list showing those rows: the admin's list for today, the review list on an earlier day."""
    settings.AGENDA_SNAPSHOT_DATE = configured
    client.force_login(users["brabant_editor"])
    page = client.get(f"/admin/?{query}")
    panels = page.context["my_agenda"]
    own = next(p for p in panels if "Acties van" in p["title"])
    by_key = {row["key"]: row for row in own["rows"]}
    # Noord-Brabant owns A-NB, A-CONCEPT and A-LATER; A-LATER is overdue only since March.
    assert by_key["overdue"]["count"] == (0 if not query else 1)
    assert by_key["stalled"]["count"] == (0 if not query else 3)
    for panel in panels:
        for row in panel["rows"]:
            listed = client.get(row["url"])
            assert listed.status_code == 200, row["url"]
            if "cl" in listed.context:
                assert row["url"].startswith("/admin/actions/action/")
                assert listed.context["cl"].result_count == row["count"], row["url"]
            else:
                assert row["url"].startswith("/reviews/actions/")
                assert listed.context["page"].paginator.count == row["count"], row["url"]


def test_the_landing_page_refuses_a_malformed_day_and_keeps_working(client, users, late_world):
    """A malformed `as_of` on the landing page is a message, not an error: the page shows its
    own day."""
    client.force_login(users["brabant_editor"])
    page = client.get("/admin/", {"as_of": "gisteren"})
    assert page.status_code == 200
    assert "Vul een datum in als JJJJ-MM-DD" in text(page)
    assert page.context["reference_panel"]["reference"].reason == "today"


def test_links_between_pages_carry_the_chosen_day(client, users, late_world, settings):
    """From a dashboard on a chosen day, the counts link to lists on that same day."""
    settings.AGENDA_SNAPSHOT_DATE = CONFIGURED
    client.force_login(users["ministry_editor"])
    on_today = client.get("/reviews/", {"as_of": "today"}).context
    assert on_today["overdue_link"] == "/reviews/actions/?overdue=true&as_of=today"
    assert client.get(on_today["overdue_link"]).context["page"].paginator.count == 2
    on_set_day = client.get("/reviews/").context
    assert on_set_day["overdue_link"] == "/reviews/actions/?overdue=true"


def test_the_reminders_judge_on_the_reference_day(users, late_world, settings):
    """send_reminders judges on the installation's day and says so, or on today with
    `--as-of today`; the mail's links show the same rows."""
    settings.AGENDA_SNAPSHOT_DATE = CONFIGURED
    users["brabant_editor"].email = "brabant@example.nl"
    users["brabant_editor"].save()
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "judged on 2016-01-04 (AGENDA_SNAPSHOT_DATE)" in out.getvalue()
    assert "with nothing overdue or stalled" in out.getvalue()
    assert "would mail 0 parties" in out.getvalue()
    call_command("send_reminders", "--as-of", "today", stdout=io.StringIO())
    (message,) = mail.outbox
    assert "A-LATER" in message.body
    assert "&overdue=true&as_of=today" in message.body


def test_the_reminders_refuse_a_malformed_day(users, late_world):
    """`--as-of` that is no day is refused before anything is sent."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of"):
        call_command("send_reminders", "--as-of", "gisteren", stdout=io.StringIO())
    assert mail.outbox == []


def test_the_api_judges_the_current_state_on_today(api, late_world, settings):
    """The API has no reference day: overdue and stalled are today's, whatever the set day."""
    settings.AGENDA_SNAPSHOT_DATE = CONFIGURED
    overdue = api.get("/api/v1/actions/", {"overdue": "true"}).json()["results"]
    assert sorted(a["code"] for a in overdue) == ["A-EHV", "A-LATER"]
    stalled = api.get("/api/v1/actions/", {"stalled": "true"}).json()["count"]
    assert stalled == OPEN_ACTIONS - 1  # the draft's action is no public row
