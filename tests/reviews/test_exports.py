"""The review lists' exports in the admin's sheet dialect (Dutch headers, names beside codes,
real dates, `;` CSV with a BOM), their filters as drop-downs with removable chips, open work
first and counts in correct Dutch plurals."""

import csv
import datetime
import io

from openpyxl import load_workbook

from agenda.models import Agreement
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory
from tests.reviews.conftest import build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)


def csv_rows(response, delimiter=";"):
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_the_action_export_is_in_the_dutch_sheet_dialect(client, users, review_agenda):
    client.force_login(users["ministry_editor"])
    response = client.get("/reviews/actions/", {"export": "csv", "applies_to": "PV30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="acties-' in response["Content-Disposition"]
    rows = csv_rows(response)
    header = list(rows[0])
    for dutch in ("Code", "Afspraak", "Thema (naam)", "Eigenaar (naam)", "Status", "Deadline"):
        assert dutch in header, dutch
    assert "due_date" not in header  # not the API's machine names
    late = next(row for row in rows if row["Code"] == "A-EHV")
    assert late["Deadline"] == "2015-12-01"  # a date Excel reads as a date
    assert late["Status (omschrijving)"] == "risico"
    assert late["Thema (naam)"] == "MIT-regeling"


def test_the_agreement_export_in_excel_has_real_dates_and_names(client, users, review_agenda):
    Agreement.objects.filter(code="GEN").update(agreed_on=datetime.date(2014, 12, 11))
    client.force_login(users["ministry_editor"])
    response = client.get("/reviews/agreements/", {"export": "xlsx", "as_of": "today"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert "Afgesproken op" in header
    assert "Thema (naam)" in header
    column = header.index("Afgesproken op")
    dates = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value]
    assert dates
    assert all(isinstance(value, datetime.datetime) for value in dates)
    assert len(workbook.worksheets) == 2  # the sheet that explains the columns


def test_english_exports_keep_the_comma(client, users, review_agenda):
    client.force_login(users["ministry_editor"])
    response = client.get("/reviews/actions/", {"export": "csv"}, headers={"accept-language": "en"})
    rows = csv_rows(response, delimiter=",")
    assert "Due date" in rows[0] or "Deadline" in rows[0]
    assert "Theme (name)" in rows[0]


def test_an_export_of_a_past_day_is_in_the_same_dialect(client, users, review_agenda):
    client.force_login(users["ministry_editor"])
    response = client.get("/reviews/actions/", {"export": "csv", "as_of": "2016-01-04"})
    assert response.status_code == 200
    assert 'filename="acties-2016-01-04.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert {"Code", "Thema (naam)"} <= set(rows[0])


def test_each_active_filter_is_a_chip_that_removes_it(client, users, review_agenda):
    client.force_login(users["ministry_editor"])
    page = client.get("/reviews/actions/", {"applies_to": "PV30", "overdue": "true"})
    body = page.content.decode()
    assert body.count('class="active-filter"') == 2
    assert 'href="/reviews/actions/?overdue=true"' in body  # removes "applies to"
    assert 'href="/reviews/actions/?applies_to=PV30"' in body  # removes "overdue"
    assert "Te laat: <strong>ja</strong>" in body
    assert "Noord-Brabant" in body  # the region's name, not only its code
    assert "Alle filters wissen" in body
    # The drop-downs are the admin's: one choice, "All" first.
    assert '<select id="f-applies_to" name="applies_to">' in body
    assert '<select id="f-overdue" name="overdue">' in body
    unfiltered = client.get("/reviews/actions/").content.decode()
    assert 'class="active-filter"' not in unfiltered


def test_open_work_comes_first(client, users, review_agenda):
    ActionFactory(
        code="A-AAA-DONE",
        agreement=review_agenda["generic"],
        status="done",
        progress=100,
        completed_on=datetime.date(2016, 1, 2),
    )
    client.force_login(users["ministry_editor"])
    page = client.get("/reviews/actions/", {"as_of": "today"})
    codes = [row.code for row in page.context["rows"]]
    closed = [code for code in codes if code in ("A-NAT", "A-AAA-DONE")]
    assert codes[-len(closed) :] == closed
    assert codes.index("A-AAA-DONE") > codes.index("A-NB")
    # A chosen order is the user's.
    ordered = client.get("/reviews/actions/", {"as_of": "today", "ordering": "code"})
    codes = [row.code for row in ordered.context["rows"]]
    assert codes == sorted(codes)


def test_counts_read_as_correct_dutch_plurals(client, users, review_agenda):
    client.force_login(users["ministry_editor"])
    one = client.get("/reviews/actions/", {"q": "A-NAT"}).content.decode()
    assert "<strong>1</strong> actie<" in one
    many = client.get("/reviews/actions/").content.decode()
    assert "</strong> acties<" in many
    agreements = client.get("/reviews/agreements/", {"q": "NB-1"}).content.decode()
    assert "<strong>1</strong> afspraak<" in agreements
