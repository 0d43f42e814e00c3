"""Every review page for every role: anonymous visitors go to the login page, users without
a membership never see a draft (page, export, history-derived changes), members do."""

import csv
import io

import pytest
from django.urls import reverse

from agenda.models import Review
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ReviewFactory
from tests.reviews.conftest import build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)

ROLES = ["outsider", "brabant_viewer", "brabant_editor", "ministry_editor"]
DRAFT_MARKS = ["CONCEPT-1", "Geheim concept", "A-CONCEPT", "Geheime actie"]


@pytest.fixture
def review(review_agenda):
    held = ReviewFactory(date="2015-06-08", title="Eerste herijking", status="held")
    planned = ReviewFactory(date="2016-01-05", title="Tweede herijking")
    planned.decisions.create(agreement=review_agenda["draft"], decision="new", note="Concept erbij")
    planned.decisions.create(agreement=review_agenda["generic"], decision="continue", note="Door")
    return {"held": held, "planned": planned}


def page_urls(review):
    pk = review["planned"].pk
    return [
        "/reviews/",
        "/reviews/?as_of=2016-01-04",
        "/reviews/actions/",
        "/reviews/actions/?as_of=2016-01-04",
        "/reviews/actions/?as_of=2016-01-04&stalled=true&overdue=false&party=PV30",
        "/reviews/agreements/",
        "/reviews/agreements/?as_of=2016-01-04",
        "/reviews/matrix/",
        "/reviews/matrix/?as_of=2016-01-04",
        "/reviews/all/",
        f"/reviews/{pk}/",
        f"/reviews/{pk}/report/",
        f"/reviews/{pk}/report/?region=AG-ZUID",
    ]


def test_anonymous_visitors_go_to_the_login_page(client, review):
    for url in [*page_urls(review), "/reviews/actions/?export=csv"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next=/reviews/"), url


def test_logged_in_users_without_membership_or_staff_get_403(client, review, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x", is_staff=False)
    client.force_login(nobody)
    assert client.get("/reviews/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_for_every_role_and_drafts_only_for_members(client, users, review, role):
    client.force_login(users[role])
    member = role != "outsider"
    for url in page_urls(review):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="nl">' in html, url
        for mark in DRAFT_MARKS:
            assert (mark in html) is (member and mark in html), url
            if not member:
                assert mark not in html, (url, mark)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/reviews/actions/", "/reviews/agreements/"])
@pytest.mark.parametrize("as_of", ["", "2016-01-04"])
def test_exports_show_drafts_to_members_only(client, users, review_agenda, role, path, as_of):
    client.force_login(users[role])
    query = {"export": "csv", **({"as_of": as_of} if as_of else {})}
    response = client.get(path, query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ("CONCEPT-1" in text) is (role != "outsider")


def test_members_see_the_draft_on_the_list(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    assert "Geheime actie" in client.get("/reviews/actions/").content.decode()


def test_english_when_asked(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    html = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Key figures" in html
    dutch = client.get("/reviews/").content.decode()
    assert "Kerncijfers" in dutch


def test_a_draft_code_is_as_unknown_as_a_missing_one_for_outsiders(client, users, review_agenda):
    """The page gives no way to probe whether a draft code exists."""
    client.force_login(users["outsider"])
    draft = client.get("/reviews/actions/", {"agreement": "CONCEPT-1"})
    missing = client.get("/reviews/actions/", {"agreement": "BESTAAT-NIET"})
    assert draft.status_code == missing.status_code == 400
    assert "Onbekende code" in draft.content.decode()
    client.force_login(users["brabant_viewer"])
    assert client.get("/reviews/actions/", {"agreement": "CONCEPT-1"}).status_code == 200


def test_decisions_about_drafts_are_hidden_from_outsiders(client, users, review):
    url = f"/reviews/{review['planned'].pk}/"
    client.force_login(users["outsider"])
    assert "Concept erbij" not in client.get(url).content.decode()
    client.force_login(users["brabant_viewer"])
    assert "Concept erbij" in client.get(url).content.decode()


BAD_INPUT = [
    "/reviews/?as_of=2016-13-45",
    "/reviews/?as_of=gisteren",
    "/reviews/?as_of=2999-01-01",
    "/reviews/actions/?as_of=2016-02-30",
    "/reviews/actions/?applies_to=XX99",
    "/reviews/actions/?status=klaar",
    "/reviews/actions/?overdue=misschien",
    "/reviews/actions/?due_from=morgen",
    "/reviews/actions/?ordering=secret",
    "/reviews/actions/?page_size=100000",
    "/reviews/actions/?onbekend=1",
    "/reviews/actions/?export=pdf",
    "/reviews/actions/?q=%00",
    "/reviews/actions/?updated_since=1825-02-25T19:51:26%2B25:04",
    "/reviews/actions/?applies_to=PV%0030",
    "/reviews/agreements/?theme=NOPE",
    "/reviews/agreements/?agreed_from=2016-99-99",
    "/reviews/matrix/?as_of=nooit",
    "/reviews/matrix/?theme=%00",
    "/reviews/matrix/?zomaar=1",
    "/reviews/99999999999999999/",
    "/reviews/99999999999999999999999999/",
    "/reviews/abc/",
    "/reviews/views/99999999/",
]


@pytest.mark.parametrize("url", BAD_INPUT)
def test_bad_input_is_a_4xx_never_a_server_error(client, users, review, url):
    client.force_login(users["brabant_viewer"])
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)


def test_any_iso_offset_in_updated_since_answers(client, users, review_agenda):
    """+20:04 is valid ISO 8601 that PostgreSQL cannot store: compared in UTC, no error."""
    client.force_login(users["brabant_viewer"])
    url = "/reviews/actions/?updated_since=1825-02-25T19:51:26%2B20:04"
    assert client.get(url).status_code == 200
    assert client.get(url.replace("/reviews/", "/api/v1/")).status_code == 200


def test_bad_report_region_is_a_form_error(client, users, review):
    client.force_login(users["brabant_viewer"])
    response = client.get(f"/reviews/{review['held'].pk}/report/", {"region": "PV30"})
    assert response.status_code == 400
    assert "Kies een agendaregio" in response.content.decode()


def test_repeated_parameters_redirect_to_one_comma_list(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    response = client.get("/reviews/actions/?status=planned&status=at_risk&q=")
    assert response.status_code == 302
    assert response["Location"] == "/reviews/actions/?status=planned%2Cat_risk"


def test_saved_views_private_shared_and_reopened(client, users, review_agenda):
    client.force_login(users["brabant_editor"])
    response = client.post(
        reverse("reviews:saved-view-create"),
        {"list": "actions", "query": "applies_to=PV30&overdue=true", "name": "Te laat in NB"},
    )
    assert response.status_code == 302
    client.post(
        reverse("reviews:saved-view-create"),
        {"list": "actions", "query": "status=planned", "name": "Alles gepland", "shared": "on"},
    )
    mine = users["brabant_editor"].saved_views.get(name="Te laat in NB")
    shared = users["brabant_editor"].saved_views.get(name="Alles gepland")
    reopened = client.get(reverse("reviews:saved-view", args=[mine.pk]))
    assert reopened["Location"] == "/reviews/actions/?applies_to=PV30&overdue=true"
    client.cookies.clear()  # the messages about saving were Brabant's
    client.force_login(users["holland_editor"])
    assert client.get(reverse("reviews:saved-view", args=[mine.pk])).status_code == 403
    assert client.get(reverse("reviews:saved-view", args=[shared.pk])).status_code == 302
    page = client.get("/reviews/actions/").content.decode()
    assert "Alles gepland" in page
    assert "Te laat in NB" not in page
    assert client.post(reverse("reviews:saved-view-delete", args=[shared.pk])).status_code == 403


def test_an_invalid_filter_is_not_saved(client, users, review_agenda):
    client.force_login(users["brabant_editor"])
    client.post(
        reverse("reviews:saved-view-create"),
        {"list": "actions", "query": "applies_to=NERGENS", "name": "Fout"},
    )
    assert not users["brabant_editor"].saved_views.exists()


def test_the_pdf_report_is_a_pdf(client, users, review):
    import ctypes.util

    from tests.conftest import require_or_skip

    require_or_skip(ctypes.util.find_library("pangoft2-1.0"), "Pango (for WeasyPrint) is missing")
    client.force_login(users["brabant_viewer"])
    response = client.get(f"/reviews/{review['held'].pk}/report/pdf/", {"region": "AG-ZUID"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_export_rows_equal_the_list(client, users, review_agenda):
    client.force_login(users["brabant_viewer"])
    params = {"applies_to": "PV30", "ordering": "-code"}
    page = client.get("/reviews/actions/", params)
    rows = page.context["page"].paginator.count
    export = client.get("/reviews/actions/", {**params, "export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(lines) == rows
    assert [line["Code"] for line in lines] == [a.code for a in page.context["rows"]]
    xlsx = client.get("/reviews/actions/", {**params, "export": "xlsx"})
    assert xlsx.status_code == 200
    assert Review.objects.count() == 0
