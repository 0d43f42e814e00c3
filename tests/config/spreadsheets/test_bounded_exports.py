"""Exports have a bounded cost: the rows are counted before the first byte, and a list longer
than the caller's limit is refused with a message saying what to do, never cut off. Anonymous
callers get a low limit, logged-in ones a higher one, XLSX (built whole before it is sent) a
lower one than CSV. Everywhere the registry exports: the API, the admin, the review pages."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ActionFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_actions(small_agenda):
    """Eight visible actions: the three of the small agenda and five more."""
    ActionFactory.create_batch(5, agreement=small_agenda["generic"])
    return small_agenda


@pytest.fixture
def limits(settings):
    settings.EXPORT_ANON_MAX_ROWS = 3
    settings.EXPORT_XLSX_MAX_ROWS = 5
    settings.EXPORT_MAX_ROWS = 8
    return settings


def rows_of(response, kind):
    body = b"".join(response.streaming_content)
    if kind == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))[1:]
    return list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(min_row=2))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("path", ["/api/v1/actions/", "/api/v1/agreements/"])
def test_an_anonymous_export_over_the_limit_is_refused(api, five_actions, limits, kind, path):
    """Above the anonymous limit: a JSON 400 `export_too_large` that says to filter or log in;
    no file at all, so nobody takes a cut-off list for the whole one."""
    if path.endswith("agreements/"):
        limits.EXPORT_ANON_MAX_ROWS = 2
    response = api.get(path, {"format": kind}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Disposition" not in response
    body = response.json()
    assert body["code"] == "export_too_large"
    assert "Narrow the list with filters, or log in" in body["detail"]


def test_an_anonymous_export_within_the_limit_is_whole(api, five_actions, limits):
    """Filtered down to the limit, the same export is answered, every row in it."""
    response = api.get(
        "/api/v1/actions/", {"format": "csv", "agreement": "NB-1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.streaming
    assert len(rows_of(response, "csv")) == 1


def test_exactly_the_limit_is_allowed(api, five_actions, limits):
    limits.EXPORT_ANON_MAX_ROWS = 8
    response = api.get("/api/v1/actions/", {"format": "csv"})
    assert response.status_code == 200
    assert len(rows_of(response, "csv")) == 8


def test_logged_in_callers_export_more_and_csv_more_than_xlsx(
    token_client, users, five_actions, limits
):
    """With a token the limit is EXPORT_MAX_ROWS for CSV and the lower EXPORT_XLSX_MAX_ROWS
    for XLSX; the XLSX refusal points at CSV."""
    client = token_client(users["brabant_viewer"])
    response = client.get("/api/v1/actions/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert len(rows_of(response, "csv")) == 8
    response = client.get("/api/v1/actions/", {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "export_too_large"
    assert "export as CSV: up to 8" in response.json()["detail"]
    limits.EXPORT_MAX_ROWS = 7
    response = client.get("/api/v1/actions/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"].endswith("Narrow the list with filters.")


def test_the_refusal_is_in_dutch(api, five_actions, limits):
    with translation.override("nl"):
        response = api.get("/api/v1/actions/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    assert "Deze export zou 8 rijen hebben" in response.json()["detail"]


def test_the_json_list_has_no_export_limit(api, five_actions, limits):
    """Pages are bounded by their size already; the limit is the export's."""
    response = api.get("/api/v1/actions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json()["count"] == 8


def test_the_schema_describes_the_refusal(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    list_400 = schema["paths"]["/api/v1/actions/"]["get"]["responses"]["400"]
    assert "export_too_large" in list_400["description"]
    detail_400 = schema["paths"]["/api/v1/actions/{id}/"]["get"]["responses"]["400"]
    assert "export_too_large" not in detail_400["description"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_admin_export_over_the_limit_goes_back_to_the_list(
    client, users, five_actions, limits, kind
):
    """The admin's export button: back to the list (with its filters) and a message, no
    file; under the limit the file has every row."""
    client.force_login(users["ministry_viewer"])
    limits.EXPORT_XLSX_MAX_ROWS = limits.EXPORT_MAX_ROWS = 7
    response = client.get(f"/admin/actions/action/export/{kind}/?status=planned")
    assert response.status_code == 302
    assert response["Location"] == "/admin/actions/action/?status=planned"
    page = client.get(response["Location"]).content.decode()
    assert "Deze export zou 8 rijen hebben" in page
    limits.EXPORT_XLSX_MAX_ROWS = limits.EXPORT_MAX_ROWS = 8
    response = client.get(f"/admin/actions/action/export/{kind}/")
    assert response.status_code == 200
    assert len(rows_of(response, kind)) == 8


def test_the_admin_export_action_over_the_limit_says_so(client, users, five_actions, limits):
    """Ticked rows exported through the action menu: the same limit, a message, no file."""
    client.force_login(users["ministry_viewer"])
    limits.EXPORT_XLSX_MAX_ROWS = 2
    selected = list(five_actions["generic"].actions.values_list("pk", flat=True)[:3])
    response = client.post(
        "/admin/actions/action/",
        {"action": "export_xlsx", "_selected_action": selected},
        follow=True,
    )
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert "Deze export zou 3 rijen hebben" in response.content.decode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_review_list_export_over_the_limit_is_refused(
    client, users, five_actions, limits, kind
):
    client.force_login(users["ministry_viewer"])
    limits.EXPORT_XLSX_MAX_ROWS = limits.EXPORT_MAX_ROWS = 7
    response = client.get("/reviews/actions/", {"export": kind})
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert "Deze export zou 8 rijen hebben" in response.content.decode()
    limits.EXPORT_XLSX_MAX_ROWS = limits.EXPORT_MAX_ROWS = 8
    response = client.get("/reviews/actions/", {"export": kind})
    assert response.status_code == 200
    assert len(rows_of(response, kind)) == 8


def test_the_api_guide_states_the_limits(client, settings):
    settings.EXPORT_ANON_MAX_ROWS, settings.EXPORT_MAX_ROWS = 4_000, 90_000
    settings.EXPORT_XLSX_MAX_ROWS = 9_000
    page = client.get("/api/v1/guide/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Een export heeft zonder token hoogstens 4.000 rijen" in page
    assert "90.000 als CSV en 9.000 als Excel" in page
    page = client.get("/api/v1/guide/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "An export has at most 4,000 rows without a token" in page


@pytest.mark.parametrize("extra", [0, 40])
def test_an_export_costs_the_same_queries_whatever_its_length(
    api, small_agenda, django_assert_max_num_queries, extra
):
    """Rows come in chunks from one iterator: the number of queries does not grow with the
    number of rows (within a chunk)."""
    ActionFactory.create_batch(extra, agreement=small_agenda["generic"])
    # count, ids, then the rows and their contributors; and an export slot taken and given
    # back (jobs.exports: an INSERT and a DELETE, in a savepoint inside a test's transaction)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/actions/", {"format": "csv"})
        assert len(rows_of(response, "csv")) == 3 + extra
