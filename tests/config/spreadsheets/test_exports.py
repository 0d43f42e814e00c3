"""Exports that Dutch Excel opens cleanly (the admin's buttons and actions), and the API's
machine exports with their JSON field names, unchanged in meaning."""

import csv
import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from actions.services import action_add_update, action_update
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ActionFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported_agenda(small_agenda, users, tree, parties):
    own = small_agenda["own_action"]
    action_update(
        action=own,
        user=users["superuser"],
        due_date=date(2016, 12, 31),
        start_date=date(2016, 1, 1),
        progress=40,
        title='=HYPERLINK("http://evil.example","klik")',
        contributors=[parties["BOM"], parties["PV31"]],
        region=tree["GM0772"],
    )
    action_add_update(
        action=small_agenda["own_regional"], status="in_progress", user=users["superuser"]
    )
    return small_agenda


def download(client, user, url, **headers):
    client.force_login(user)
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)


def test_the_admin_exports_a_workbook_for_dutch_excel(client, users, exported_agenda):
    """Real date and number cells, a frozen header with a filter on it, widths, Dutch headers
    with each code's label or name in the column beside it, a second sheet explaining the
    columns and codes, and the list's name and today's date as file name."""
    response, body = download(client, users["brabant_viewer"], "/admin/actions/action/export/xlsx/")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="acties-{today}.xlsx"'
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["Acties", "Uitleg"]
    sheet = workbook["Acties"]
    header = [c.value for c in sheet[1]]
    assert header[:7] == [
        "ID",
        "Mag ik wijzigen?",
        "Code",
        "Afspraak",
        "Afspraak (naam)",
        "Thema",
        "Thema (naam)",
    ]
    for code, label in (
        ("Eigenaar", "Eigenaar (naam)"),
        ("Status", "Status (omschrijving)"),
        ("Regio", "Regio (naam)"),
        ("Bijdragers", "Bijdragers (naam)"),
    ):
        assert header.index(label) == header.index(code) + 1
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    assert sheet.column_dimensions["H"].width >= 40  # the title
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2)}
    own = rows[exported_agenda["own_action"].pk]
    assert own["Deadline"].is_date
    assert own["Deadline"].value.date() == date(2016, 12, 31)
    assert own["Deadline"].number_format == "dd-mm-yyyy"
    assert (own["Voortgang (%)"].value, own["Voortgang (%)"].data_type) == (40, "n")
    assert (own["Status"].value, own["Status (omschrijving)"].value) == ("planned", "gepland")
    assert own["Eigenaar"].value == "PV30"
    assert own["Eigenaar (naam)"].value == exported_agenda["own_action"].owner.name
    assert own["Bijdragers"].value == "BOM,PV31"
    assert own["Regio (naam)"].value == "Eindhoven"
    assert own["Te laat"].value in ("ja", "nee")
    assert own["Gewijzigd op"].is_date
    assert (
        rows[exported_agenda["own_regional"].pk]["Status (omschrijving)"].value == "in uitvoering"
    )
    assert sheet["A1"].fill.fgColor.rgb.endswith("EDEDED")  # read, not to change: grey
    assert sheet["H1"].fill.fgColor.rgb.endswith("DDEBF7")  # changeable: blue

    explained = [[c for c in row if c is not None] for row in workbook["Uitleg"].values]
    assert ["Status", "status", "ja", explained_text(explained, "Status")] in explained
    assert ["in_progress", "in uitvoering"] in explained
    assert any(row[:1] == ["Toegestane statuswijzigingen"] for row in explained)


def test_the_export_marks_what_the_reader_may_change(client, users, exported_agenda, parties):
    """For a provincial editor each row says whether they may change it: yes (their own),
    progress only (they contribute), no (someone else's, greyed by a conditional format); the
    workbook's explanation says so. The CSV has the same column."""
    other = exported_agenda["other_action"]
    ActionFactory(code="ELSE", agreement=other.agreement, owner=parties["PV27"])
    other.contributors.add(parties["PV30"])
    _response, body = download(
        client, users["brabant_editor"], "/admin/actions/action/export/xlsx/"
    )
    workbook = load_workbook(io.BytesIO(body))
    sheet = workbook["Acties"]
    header = [c.value for c in sheet[1]]
    rows = {r[2].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2)}
    may = {code: row["Mag ik wijzigen?"].value for code, row in rows.items()}
    assert may == {"OWN": "ja", "OWN-REG": "ja", "OTHER": "alleen voortgang", "ELSE": "nee"}
    # Grey: the rows whose "Mag ik wijzigen?" (column B) says "nee", over the whole list.
    [formatted] = sheet.conditional_formatting
    assert str(formatted.sqref) == f"A2:{sheet.cell(1, len(header)).column_letter}5"
    [rule] = formatted.rules
    assert rule.formula == ['$B2="nee"']
    assert rule.dxf.fill.fgColor.rgb.endswith("F2F2F2")
    explained = " ".join(str(c) for row in workbook["Uitleg"].values for c in row if c)
    assert "Grijze rijen zijn van gegevens die u niet mag wijzigen" in explained

    _response, body = download(client, users["brabant_editor"], "/admin/actions/action/export/csv/")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert {line[2]: line[1] for line in lines[1:]} == may


def explained_text(rows, column):
    return next(row[3] for row in rows if len(row) == 4 and row[0] == column)


def test_formulas_are_never_written(client, users, exported_agenda):
    _response, body = download(
        client, users["brabant_viewer"], "/admin/actions/action/export/xlsx/"
    )
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert [c.data_type for c in cells] == ["s"]
    _response, body = download(client, users["brabant_viewer"], "/admin/actions/action/export/csv/")
    assert "'=HYPERLINK(" in body.decode("utf-8")


@pytest.mark.parametrize(
    ("language", "query", "separator"),
    [("nl", "", ";"), ("en", "", ","), ("nl", "?sep=,", ","), ("en", "?sep=;", ";")],
)
def test_csv_is_separated_as_the_language_expects(
    client, users, exported_agenda, language, query, separator
):
    """`;` in Dutch (Dutch Excel splits on its list separator), `,` in English, or as asked."""
    response, body = download(
        client,
        users["brabant_viewer"],
        f"/admin/actions/action/export/csv/{query}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=separator))
    assert header[:4] == (
        ["ID", "Mag ik wijzigen?", "Code", "Afspraak"]
        if language == "nl"
        else ["ID", "May I change it?", "Code", "Agreement"]
    )
    name = "acties" if language == "nl" else "actions"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{name}-')


def test_the_whole_filtered_list_is_exported_without_ticking_rows(client, users, exported_agenda):
    """The buttons above the list carry its filters and search; the export has every row that
    matches, on every page."""
    client.force_login(users["brabant_viewer"])
    page = client.get("/admin/actions/action/", {"status": "in_progress"}).content.decode()
    assert 'href="/admin/actions/action/export/xlsx/?status=in_progress"' in page
    assert 'href="/admin/actions/action/export/csv/?status=in_progress"' in page
    for i in range(120):
        ActionFactory(
            agreement=exported_agenda["generic"],
            owner=exported_agenda["own_action"].owner,
            title=f"B{i}",
        )
    _response, body = download(
        client, users["brabant_viewer"], "/admin/actions/action/export/xlsx/?status=planned&q=B1"
    )
    ids = [r[0] for r in list(load_workbook(io.BytesIO(body)).worksheets[0].values)[1:]]
    assert len(ids) == len([i for i in range(120) if str(i).startswith("1")])
    _response, body = download(
        client, users["brabant_viewer"], "/admin/actions/action/export/csv/?status=in_progress"
    )
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert [int(r["ID"]) for r in rows] == [exported_agenda["own_regional"].pk]


def test_a_bad_filter_sends_back_to_the_list(client, users, exported_agenda):
    client.force_login(users["brabant_viewer"])
    response = client.get("/admin/actions/action/export/xlsx/", {"owner": "NOPE"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/actions/action/?")


def test_the_export_needs_a_member(client, users, exported_agenda):
    client.force_login(users["outsider"])
    assert client.get("/admin/actions/action/export/xlsx/").status_code == 403
    client.force_login(users["brabant_viewer"])
    assert client.get("/admin/actions/action/export/pdf/").status_code == 404


def test_agreements_export_for_excel_too(client, users, exported_agenda):
    response, body = download(
        client, users["brabant_viewer"], "/admin/agenda/agreement/export/xlsx/"
    )
    assert "afspraken-" in response["Content-Disposition"]
    header = [c.value for c in load_workbook(io.BytesIO(body)).worksheets[0][1]]
    assert header[:4] == ["Code", "Titel", "Omschrijving", "Thema"]
    assert "Thema (naam)" in header
    assert "Status (omschrijving)" in header


def test_the_api_keeps_its_json_field_names(api, exported_agenda):
    """Machine clients: `,`, JSON field names, codes — as before; the file is named after the
    list and the day."""
    response = api.get("/api/v1/actions/", {"format": "csv", "ordering": "id"})
    text = b"".join(response.streaming_content).decode("utf-8")
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[:4] == ["id", "code", "agreement", "theme"]
    assert "acties-" in response["Content-Disposition"]
    response = api.get("/api/v1/actions/", {"format": "xlsx", "ordering": "id"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["id", "code", "agreement", "theme"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    due = header.index("due_date")
    row = next(r for r in sheet.iter_rows(2) if r[0].value == exported_agenda["own_action"].pk)
    assert row[due].is_date
    assert row[due].value.date() == date(2016, 12, 31)
    assert row[header.index("owner")].value == "PV30"


def test_the_explanation_names_the_filters_in_words(client, users, exported_agenda):
    _response, body = download(
        client,
        users["brabant_viewer"],
        "/admin/actions/action/export/xlsx/?status=in_progress&owner=PV30&q=Actie",
    )
    explained = [row[0] for row in load_workbook(io.BytesIO(body))["Uitleg"].values if row[0]]
    [line] = [text for text in explained if text.startswith("Filter:")]
    assert "status: in uitvoering" in line
    assert "zoekterm: “Actie”" in line
    assert "in_progress" not in line
