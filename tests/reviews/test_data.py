"""What the review pages compute: the same rows as the API, the matrix, what changed, the
state on a day, holding a review, reminders and the number of queries."""

import datetime
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from actions.models import Action
from actions.services import action_add_update, action_update
from actions.sheet import ACTION_SHEET
from agenda.models import Agreement, Review
from agenda.services import agreement_create
from agenda.sheet import AGREEMENT_SHEET
from reviews import services
from reviews.models import ReminderLog
from reviews.services import review_hold
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory, MembershipFactory, ReviewFactory
from tests.reviews.conftest import backdate, build_people_and_review_agenda, sheet_records

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)


def export_codes(client, path, params):
    response = client.get(path, {**params, "export": "csv"})
    assert response.status_code == 200, response
    layout = ACTION_SHEET if "actions" in path else AGREEMENT_SHEET
    return sorted(row["code"] for row in sheet_records(response, layout))


def api_codes(client, path, params):
    response = client.get(path, {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


ACTION_FILTERS = [
    {},
    {"agreement": "GEN"},
    {"agreement": "GEN,NB-1"},
    {"theme": "INNO"},
    {"theme": "IR"},
    {"owner": "PV30"},
    {"party": "BOM"},
    {"status": "planned,at_risk"},
    {"region": "AG-ZUID"},
    {"region": "PV30"},
    {"applies_to": "PV30"},
    {"applies_to": "GM0772"},
    {"overdue": "true"},
    {"overdue": "false"},
    {"stalled": "true"},
    {"stalled": "false"},
    {"due_from": "2015-01-01", "due_to": "2015-12-31"},
    {"updated_since": "2015-01-01T00:00:00Z"},
    {"q": "A-N"},
    {"applies_to": "PV30", "overdue": "true"},
    {"ordering": "-due_date"},
]
AGREEMENT_FILTERS = [
    {},
    {"theme": "INNO"},
    {"scope": "regional"},
    {"status": "active"},
    {"status": "draft"},
    {"party": "PV30"},
    {"region": "PV30"},
    {"applies_to": "GM0772"},
    {"agreed_from": "2000-01-01"},
    {"q": "afspraak"},
    {"ordering": "-title"},
]


@pytest.mark.parametrize("role", ["brabant_viewer", "outsider"])
def test_each_action_filter_gives_the_api_rows(client, users, review_agenda, role):
    client.force_login(users[role])
    for params in ACTION_FILTERS:
        assert export_codes(client, "/reviews/actions/", params) == api_codes(
            client, "/api/v1/actions/", params
        ), params


@pytest.mark.parametrize("role", ["brabant_viewer", "outsider"])
def test_each_agreement_filter_gives_the_api_rows(client, users, review_agenda, role):
    client.force_login(users[role])
    for params in AGREEMENT_FILTERS:
        assert export_codes(client, "/reviews/agreements/", params) == api_codes(
            client, "/api/v1/agreements/", params
        ), params


def test_the_page_lists_what_the_export_holds(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    response = client.get("/reviews/actions/", {"applies_to": "PV30", "page_size": 2})
    assert response.context["page"].paginator.count == len(
        export_codes(client, "/reviews/actions/", {"applies_to": "PV30"})
    )
    assert len(response.context["rows"]) == 2


def test_the_matrix_cells_are_the_linked_lists(client, users, review_agenda):
    """Each cell counts exactly the actions of the list it links to."""
    client.force_login(users["brabant_viewer"])
    response = client.get("/reviews/matrix/")
    assert response.status_code == 200
    provinces, regions = response.context["tables"]
    generic = next(r for r in provinces[1] if r["agreement"].code == "GEN")
    cells = {c["place"]: c for c in generic["cells"]}
    assert cells["Noord-Brabant"]["cell"].counts == {"planned": 1, "at_risk": 1}
    assert cells["Noord-Brabant"]["cell"].worst == "at_risk"
    assert cells["Noord-Brabant"]["cell"].overdue == 1
    assert cells["Limburg"]["cell"].counts == {"in_progress": 1}
    assert cells["Zeeland"]["cell"] is None
    assert cells["landelijk"]["cell"].counts == {"done": 1}
    zuid = {
        c["place"]: c for c in next(r for r in regions[1] if r["agreement"].code == "GEN")["cells"]
    }
    assert zuid["Zuid"]["cell"].total == 3
    for table in (provinces, regions):
        for row in table[1]:
            for c in row["cells"]:
                if c["cell"] and c["link"]:
                    listed = client.get(c["link"]).context["page"].paginator.count
                    assert listed == c["cell"].total, c["link"]
    assert "CONCEPT-1" in response.content.decode()  # members see the draft's row


def test_the_matrix_as_of_a_day(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    action_add_update(
        action=review_agenda["actions"]["nb"], user=users["ministry_editor"], status="in_progress"
    )
    now = client.get("/reviews/matrix/").context["tables"][0][1]
    then = client.get("/reviews/matrix/", {"as_of": "2016-01-04"}).context["tables"][0][1]
    before = client.get("/reviews/matrix/", {"as_of": "2016-01-03"}).context["tables"][0][1]

    def brabant(rows):
        row = next(r for r in rows if r["agreement"].code == "GEN")
        return next(c for c in row["cells"] if c["place"] == "Noord-Brabant")["cell"]

    assert brabant(now).counts == {"in_progress": 1, "at_risk": 1}
    assert brabant(then).counts == {"planned": 1, "at_risk": 1}
    assert before == []


def test_state_on_a_day_from_the_history(client, users, review_agenda):
    """A known history: planned on 4 January 2016, in progress since today."""
    client.force_login(users["brabant_viewer"])
    action = review_agenda["actions"]["nb"]
    action_add_update(action=action, user=users["ministry_editor"], status="in_progress")
    action_update(action=action, user=users["ministry_editor"], title="Nieuwe titel")
    on_day = client.get("/reviews/actions/", {"as_of": "2016-01-04", "q": "A-NB"})
    row = next(r for r in on_day.context["rows"] if r.code == "A-NB")
    assert (row.status, row.title) == ("planned", action.title)
    today = client.get("/reviews/actions/", {"q": "A-NB"})
    row = next(r for r in today.context["rows"] if r.code == "A-NB")
    assert (row.status, row.title) == ("in_progress", "Nieuwe titel")
    # Filters apply to the state of that day: it was planned then, not in progress.
    planned_then = client.get("/reviews/actions/", {"as_of": "2016-01-04", "status": "planned"})
    assert "A-NB" in [r.code for r in planned_then.context["rows"]]
    in_progress_then = export_codes(
        client, "/reviews/actions/", {"as_of": "2016-01-04", "status": "in_progress"}
    )
    assert in_progress_then == ["A-LI"]
    # Before the history starts nothing existed yet.
    assert (
        client.get("/reviews/actions/", {"as_of": "2015-12-31"}).context["page"].paginator.count
        == 0
    )
    # Overdue is judged on that day: A-EHV was due 1 December 2015.
    assert export_codes(
        client, "/reviews/actions/", {"as_of": "2016-01-04", "overdue": "true"}
    ) == ["A-EHV"]


def test_an_agreement_published_later_stays_hidden_on_days_it_was_a_draft(
    client, users, review_agenda
):
    from agenda.services import agreement_update

    agreement_update(
        agreement=review_agenda["draft"], user=users["ministry_editor"], status="active"
    )
    client.force_login(users["outsider"])
    assert "CONCEPT-1" in export_codes(client, "/reviews/agreements/", {})
    assert "CONCEPT-1" not in export_codes(client, "/reviews/agreements/", {"as_of": "2016-01-04"})
    assert "A-CONCEPT" not in export_codes(client, "/reviews/actions/", {"as_of": "2016-01-04"})


def test_what_changed_since_the_last_review(client, users, review_agenda):
    """A scenario with known changes after the review of 5 January 2016."""
    ReviewFactory(date="2016-01-05", title="Herijking", status="held")
    editor = users["ministry_editor"]
    action_add_update(action=review_agenda["actions"]["nb"], user=editor, status="in_progress")
    action_add_update(action=review_agenda["actions"]["li"], user=editor, status="done")
    ActionFactory(
        code="A-NIEUW",
        agreement=review_agenda["generic"],
        owner=review_agenda["actions"]["nb"].owner,
        region=review_agenda["actions"]["nb"].region,
    )
    from agenda.services import agreement_update

    agreement_update(agreement=review_agenda["holland"], user=editor, status="ended")
    agreement_update(agreement=review_agenda["brabant"], user=editor, title="Brabant herzien")
    new = agreement_create(
        user=editor, code="NIEUW-1", title="Nieuw", theme=review_agenda["generic"].theme
    )
    agreement_update(agreement=review_agenda["draft"], user=editor, title="Nog steeds concept")

    def changes_for(role):
        client.force_login(users[role])
        changes = client.get("/reviews/").context["changes"]
        return {row["code"]: row for row in changes.per_region()}

    rows = changes_for("brabant_viewer")
    zuid, national = rows["AG-ZUID"], rows[""]
    moves = {(m["status_from"], m["status_to"]): m["n"] for m in zuid["moves"]}
    assert moves == {
        ("planned", "in_progress"): 1,
        ("in_progress", "done"): 1,
        (None, "planned"): 1,
    }
    assert [a.code for a in zuid["changed"]] == ["NB-1"]
    assert [a.code for a in national["new"]] == ["NIEUW-1"]
    assert {a.code for a in national["changed"]} == {"CONCEPT-1"}
    ended = [a.code for r in rows.values() for a in r["ended"]]
    assert ended == ["NH-1"]
    assert new.code == "NIEUW-1"
    outsider = changes_for("outsider")
    assert not any(
        a.code == "CONCEPT-1"
        for r in outsider.values()
        for k in ("new", "changed", "ended")
        for a in r[k]
    )


@pytest.fixture
def planned_review(review_agenda, users):
    review = ReviewFactory(date="2016-01-05", title="Herijking 2016")
    review.decisions.create(
        agreement=review_agenda["brabant"], decision="adjust", note="Bijstellen"
    )
    review.decisions.create(agreement=review_agenda["holland"], decision="stop", note="Stoppen")
    review.decisions.create(agreement=review_agenda["draft"], decision="new", note="Erbij")
    review.decisions.create(agreement=review_agenda["generic"], decision="complete", note="Klaar")
    return review


def test_holding_a_review_applies_its_decisions(users, review_agenda, planned_review):
    review = review_hold(
        review=planned_review,
        user=users["ministry_editor"],
        revisions={
            planned_review.decisions.get(decision="adjust").pk: {"code": "NB-2", "title": ""}
        },
    )
    assert review.status == "held"
    brabant = Agreement.objects.get(code="NB-1")
    revised = Agreement.objects.get(code="NB-2")
    assert (brabant.status, brabant.valid_until) == ("revised", datetime.date(2016, 1, 5))
    assert revised.supersedes == brabant
    assert list(brabant.superseded_by.all()) == [revised]
    assert (revised.status, revised.agreed_on, revised.title) == (
        "active",
        datetime.date(2016, 1, 5),
        brabant.title,
    )
    assert set(revised.regions.values_list("code", flat=True)) == {"PV30"}
    assert list(revised.party_links.values_list("party__code", "role")) == [("PV30", "lead")]
    assert Action.objects.get(code="A-NB-REG").agreement == revised  # open actions move along
    assert Agreement.objects.get(code="NH-1").status == "ended"
    assert Agreement.objects.get(code="GEN").status == "fulfilled"
    assert Agreement.objects.get(code="CONCEPT-1").status == "active"
    # Every write went through the services: recorded under the editor's name.
    assert brabant.history.first().history_user == users["ministry_editor"]
    assert revised.history.first().history_type == "+"
    # The snapshot froze the counts as the meeting saw them, drafts left out.
    snapshot = Review.objects.get(pk=review.pk).snapshot
    assert snapshot["actions_by_status"] == {
        "planned": 4,
        "in_progress": 1,
        "at_risk": 1,
        "done": 1,
    }
    zuid = {
        (c["status"], c["theme"]): c["count"]
        for c in snapshot["counts"]
        if c["agenda_region"] == "AG-ZUID"
    }
    assert zuid == {("planned", "MIT"): 2, ("in_progress", "MIT"): 1, ("at_risk", "MIT"): 1}
    assert snapshot["agreements_by_status"] == {"active": 4}


def test_holding_is_all_or_nothing(users, review_agenda, planned_review):
    """A failure at the second decision leaves nothing written: no snapshot, no status, no
    revised agreement, no ended agreement."""
    real = services.apply_decision
    calls = []

    def failing(decision, review, user, revision):
        calls.append(decision.agreement.code)
        if len(calls) == 2:
            raise ValidationError("Storing halverwege")
        return real(decision, review, user, revision)

    before = {a.code: (a.status, a.version) for a in Agreement.objects.all()}
    with mock.patch.object(services, "apply_decision", failing), pytest.raises(ValidationError):
        review_hold(review=planned_review, user=users["ministry_editor"])
    planned_review.refresh_from_db()
    assert (planned_review.status, planned_review.snapshot) == ("planned", None)
    assert {a.code: (a.status, a.version) for a in Agreement.objects.all()} == before
    assert Action.objects.get(code="A-NB-REG").agreement.code == "NB-1"
    assert len(calls) == 2


def test_only_ministry_editors_hold_reviews(client, users, review_agenda, planned_review):
    client.force_login(users["brabant_editor"])
    response = client.post(f"/reviews/{planned_review.pk}/hold/", {"confirm": "on"})
    assert response.status_code == 403
    planned_review.refresh_from_db()
    assert planned_review.status == "planned"


def test_a_review_is_held_once_from_the_page(client, users, review_agenda, planned_review):
    client.force_login(users["ministry_editor"])
    page = client.get(f"/reviews/{planned_review.pk}/")
    assert "Herijking vaststellen" in page.content.decode()
    adjust = planned_review.decisions.get(decision="adjust").pk
    unconfirmed = client.post(
        f"/reviews/{planned_review.pk}/hold/", {f"code_{adjust}": "NB-2", f"title_{adjust}": "T"}
    )
    assert unconfirmed.status_code == 400
    taken = client.post(
        f"/reviews/{planned_review.pk}/hold/",
        {"confirm": "on", f"code_{adjust}": "GEN", f"title_{adjust}": "T"},
    )
    assert taken.status_code == 400
    assert "GEN" in taken.content.decode()
    planned_review.refresh_from_db()
    assert planned_review.status == "planned"
    done = client.post(
        f"/reviews/{planned_review.pk}/hold/",
        {
            "confirm": "on",
            "conclusion": "Klaar",
            f"code_{adjust}": "NB-2",
            f"title_{adjust}": "Brabant 2016",
        },
    )
    assert done.status_code == 302
    planned_review.refresh_from_db()
    assert (planned_review.status, planned_review.conclusion) == ("held", "Klaar")
    assert Agreement.objects.get(code="NB-2").title == "Brabant 2016"
    again = client.post(
        f"/reviews/{planned_review.pk}/hold/",
        {"confirm": "on", f"code_{adjust}": "NB-3", f"title_{adjust}": "T"},
    )
    assert again.status_code in (400, 403)
    report = client.get(f"/reviews/{planned_review.pk}/report/")
    assert report.status_code == 200
    assert "NB-2" in report.content.decode()


def test_the_suggested_code_follows_the_agenda_pattern(review_agenda):
    review = Review(date=datetime.date(2016, 6, 8))
    assert (
        services.suggested_code(Agreement(code="MKB-2014-REG-ZUID"), review) == "MKB-2016-REG-ZUID"
    )
    assert services.suggested_code(Agreement(code="NB-1"), review) == "NB-1-2016"


def test_reminders_once_a_day_per_party(users, review_agenda, parties):
    users["brabant_editor"].email = "brabant@example.nl"
    users["brabant_editor"].save()
    other = MembershipFactory(party=parties["PV30"], role="editor").user
    other.email = "collega@example.nl"
    other.save()
    MembershipFactory(party=parties["BOM"], role="viewer", user__email="lezer@example.nl")
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "would mail 1 parties" in out.getvalue()
    assert len(mail.outbox) == 0
    assert not ReminderLog.objects.exists()
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["brabant@example.nl", "collega@example.nl"]
    assert "A-NB" in message.body
    assert "A-CONCEPT" in message.body
    assert "Stilgevallen" in message.body
    assert "mailed 1 parties" in out.getvalue()
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert len(mail.outbox) == 1
    assert "1 already reminded today" in out.getvalue()
    assert ReminderLog.objects.get().day == timezone.localdate()


def add_actions(review_agenda, n):
    generic = review_agenda["generic"]
    owner = review_agenda["actions"]["nb"].owner
    regions = [review_agenda["actions"][k].region for k in ("nb", "li", "ehv", "ir")]
    Action.objects.bulk_create(
        Action(
            agreement=generic,
            owner=owner,
            region=regions[i % 4],
            title=f"Extra {i}",
            code=f"X-{n}-{i}",
            due_date=datetime.date(2015, 1 + i % 12, 1),
        )
        for i in range(n)
    )
    from config.history import record_initial_history

    record_initial_history([Action])
    backdate()


PAGES = [
    "/reviews/",
    "/reviews/?as_of=2016-01-04",
    "/reviews/actions/?applies_to=AG-ZUID&overdue=true",
    "/reviews/actions/?as_of=2016-01-04&status=planned",
    "/reviews/agreements/",
    "/reviews/matrix/",
    "/reviews/matrix/?as_of=2016-01-04",
]


@pytest.mark.parametrize("url", PAGES)
def test_queries_do_not_grow_with_the_actions(
    client, users, review_agenda, url, django_assert_max_num_queries
):
    ReviewFactory(date="2016-01-02", title="Eerder", status="held")
    client.force_login(users["brabant_viewer"])
    add_actions(review_agenda, 5)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_actions(review_agenda, 60)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
    assert len(few) <= 45, [q["sql"][:120] for q in few.captured_queries]
