"""Bad and odd files: each gets a clear message (never a traceback), and nothing is written.
Separators and encodings that Excel writes are read; reading stays within bounded memory."""

import io
import random
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from actions.importing import importer
from actions.importing.importer import ActionImporter
from config.spreadsheets import reading
from config.spreadsheets.reading import ImportSource, open_table
from tests.actions.conftest import (
    admin_export,
    api_export,
    build_people_and_import_world,
    csv_rows,
    edit_xlsx,
    state,
)
from tests.datasets import dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_import_world)
tree, parties, users, small_agenda, import_world = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda", "import_world"
)

pytestmark = pytest.mark.django_db


def run(user, data, name="acties.csv", **options):
    return ActionImporter(user).run(ImportSource.from_bytes(name, data), **options)


def messages(report):
    return [str(problem) for problem in report.problems]


def xlsx(rows, sheet="Acties", merge=None, extra_sheets=()):
    workbook = Workbook()
    for title in extra_sheets:
        workbook.create_sheet(title)
    active = workbook.worksheets[0]
    active.title = sheet
    for row in rows:
        active.append(row)
    if merge:
        active.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def editor(users, import_world):
    return users["brabant_editor"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "acties.csv", "Het bestand is leeg."),
        (b"\xef\xbb\xbf", "acties.csv", "Het bestand heeft geen kop"),
        (b"\n\n", "acties.csv", "Het bestand heeft geen kop"),
        (b"id;title\n", "acties.csv", "Het bestand heeft een kop, maar geen rijen eronder."),
        (b"id;title\n;\n;;\n", "acties.csv", "Het bestand heeft een kop, maar geen rijen eronder."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "acties.pdf", "Dit is een pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "acties.png", "NUL-tekens"),
        (b"id;title\n1;a\x00b\n", "acties.csv", "NUL-tekens"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "acties.xls",
            "oud Excel-bestand (.xls)",
        ),
        ("id;title\n".encode("utf-16"), "acties.csv", "UTF-16"),
        (b"id;title\n1;caf\x81\n", "acties.csv", "Regel 2 is geen UTF-8- of Windows-1252-tekst."),
        (b"id;title\n1;title\n", "acties.xlsx", "heet .xlsx maar is geen Excel-werkmap"),
        (b"PK\x03\x04 broken zip", "acties.xlsx", "Het bestand is beschadigd"),
        (b"Hallo,\nwereld\n", "brief.txt", "Rij 1, kolom A “Hallo”: onbekende kolom."),
        (
            b"id;title;opmerking\n1;a;b\n",
            "acties.csv",
            "Rij 1, kolom C “opmerking”: onbekende kolom.",
        ),
        (b"title;progress\nA;1\n", "acties.csv", "de kolom ID ontbreekt"),
        (b"id;progress;Voortgang (%)\n1;2;3\n", "acties.csv", "dezelfde kolom als B “progress”"),
        (b"id;title\n1;" + b"x" * 200_000 + b"\n", "acties.csv", "een cel bevat meer dan"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(editor, data, name, message):
    before = state()
    report = run(editor, data, name)
    assert not report.ok
    assert any(message in text for text in messages(report)), messages(report)
    assert state() == before


def test_dutch_excels_default_csv_in_windows_1252_is_read(editor, import_world):
    """Dutch Excel's plain "CSV (gescheiden door lijstscheidingsteken)" is Windows-1252, not
    UTF-8: a file that is not valid UTF-8 is read as Windows-1252, é, ë and € intact."""
    own = import_world["own_action"]
    title = "Café Eëntje: € 5 mln"
    data = f"id;version;title\n{own.pk};{own.version};{title}\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run(editor, data)
    assert report.ok, messages(report)
    assert report.file_format == "CSV in Windows-1252, gescheiden door “;”"
    assert report.changed[0].changes == [("titel", own.title, title)]
    own.refresh_from_db()
    assert own.title == title


def test_utf8_is_tried_first(editor, import_world):
    """A valid UTF-8 file is read as UTF-8 (its bytes would also be valid Windows-1252, but
    read wrongly: “CafÃ©”)."""
    own = import_world["own_action"]
    data = f"id;version;title\n{own.pk};{own.version};Café € ë\n".encode()
    report = run(editor, data, dry_run=True)
    assert report.file_format == "CSV, gescheiden door “;”"
    assert report.changed[0].changes == [("titel", own.title, "Café € ë")]


def test_unknown_columns_are_named_with_what_the_import_reads(editor):
    """A wrong header lists the columns the import reads as people see them in the export,
    in their language: the Dutch headers, not the API's field names."""
    report = run(editor, b"id;titel;kleur;maat\n1;a;b;c\n")
    texts = messages(report)
    assert texts[:2] == [
        "Rij 1, kolom C “kleur”: onbekende kolom.",
        "Rij 1, kolom D “maat”: onbekende kolom.",
    ]
    assert texts[2] == (
        "Kolommen die de import leest: ID, Code, Afspraak, Titel, Omschrijving, Eigenaar, "
        "Bijdragers, Regio, Status, Toelichting, Voortgang (%), Startdatum, Deadline, Resultaat, "
        "Bron, Versie."
    )
    assert "agreement" not in texts[2]


def test_an_ods_or_other_zip_is_no_workbook(editor):
    for members, message in (
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, "OpenDocument"),
        ({"word/document.xml": "<w/>"}, "geen Excel-werkmap"),
    ):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for member, text in members.items():
                archive.writestr(member, text)
        assert any(message in t for t in messages(run(editor, out.getvalue(), "a.xlsx")))


def test_a_workbook_whose_first_sheet_is_not_the_actions(client, editor):
    """The explanation sheet moved to the front: the message names the actions sheet."""
    data = admin_export(client, "xlsx", editor)
    workbook = load_workbook(io.BytesIO(data))
    workbook.move_sheet("Uitleg", offset=-1)
    out = io.BytesIO()
    workbook.save(out)
    [text] = messages(run(editor, out.getvalue(), "acties.xlsx"))
    assert text == (
        "Het eerste werkblad (“Uitleg”) is niet de lijst met acties; dat is werkblad “Acties”. "
        "Zet dat vooraan, of sla het apart op."
    )
    other = xlsx([["Begroting", 2016], ["MIT", 1000]], sheet="Blad1")
    [text] = messages(run(editor, other, "begroting.xlsx"))
    assert text.startswith("Het eerste werkblad (“Blad1”) is geen lijst met acties")


def test_merged_cells_are_refused_naming_them(editor, import_world):
    own = import_world["own_action"]
    data = xlsx(
        [["id", "version", "title"], [own.pk, own.version, "A"], [None, None, None]], merge="C2:C3"
    )
    [text] = messages(run(editor, data, "a.xlsx"))
    assert text.startswith("Rij 2, kolom C: samengevoegde cellen (C2:C3)")


def test_formulas_and_error_values_are_row_errors(editor, import_world):
    own = import_world["own_action"]
    data = xlsx([["id", "version", "progress", "title"], [own.pk, own.version, "=20+25", "=A1"]])
    texts = messages(run(editor, data, "a.xlsx"))
    assert texts == [
        "Rij 2, kolom C “progress”: de cel bevat een formule (=20+25); plak in plaats daarvan "
        "de waarde.",
        "Rij 2, kolom D “title”: de cel bevat een formule (=A1); plak in plaats daarvan de waarde.",
    ]


def test_dates_as_text_are_read_when_they_are_dates(editor, import_world):
    """A date typed as text (31-12-2026, 2026-12-31) is a date; other text is refused, naming
    the cell; a number that is no date cell is refused too."""
    own = import_world["own_action"]
    header = ["id", "version", "due_date"]
    ok = run(editor, xlsx([header, [own.pk, own.version, "31-12-2026"]]), "a.xlsx", dry_run=True)
    assert ok.ok
    assert ok.changed[0].changes == [("deadline", "31-12-2016", "31-12-2026")]
    for value, message in (
        ("Q4 2026", "“Q4 2026” is geen datum; schrijf 31-12-2026 of 2026-12-31."),
        (46000, "46000 is een getal, geen datum; maak er een datumcel van."),
    ):
        report = run(editor, xlsx([header, [own.pk, own.version, value]]), "a.xlsx")
        assert messages(report) == [f"Rij 2, kolom C “due_date”: {message}"]


def test_a_percentage_cell_is_read_as_its_percentage(editor, import_world):
    """Typed as 60% in Excel, a cell holds 0.6 formatted as a percentage: that is 60."""
    own = import_world["own_action"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "version", "progress"])
    sheet.append([own.pk, own.version, 0.6])
    sheet["C2"].number_format = "0%"
    out = io.BytesIO()
    workbook.save(out)
    report = run(editor, out.getvalue(), "a.xlsx", dry_run=True)
    assert report.changed[0].changes == [("voortgang (%)", "40", "60")]


def test_values_in_a_column_without_header_are_refused(editor, import_world):
    own = import_world["own_action"]
    data = f"id;version;;progress\n{own.pk};{own.version};oeps;40;extra\n".encode()
    assert messages(run(editor, data)) == [
        "Rij 2, kolom C: een waarde in een kolom zonder kop.",
        "Rij 2, kolom E: een waarde in een kolom zonder kop.",
    ]


@pytest.mark.parametrize(
    ("separator", "bom", "newline", "sep_line"),
    [
        (";", True, "\r\n", False),
        (";", False, "\n", False),
        (",", True, "\r\n", False),
        (",", False, "\r", False),
        ("\t", False, "\n", False),
        (";", False, "\r\n", True),
    ],
)
def test_csv_as_excel_writes_it_is_read(editor, import_world, separator, bom, newline, sep_line):
    """`;` (Dutch Excel), `,`, tab; with or without BOM; any line end; Excel's `sep=` line."""
    own = import_world["own_action"]
    lines = [
        *(["sep=" + separator] if sep_line else []),
        separator.join(["id", "version", "title", "progress"]),
        separator.join([str(own.pk), str(own.version), '"Titel; met, tekens"', "42"]),
    ]
    data = ("\ufeff" if bom else "") + newline.join(lines) + newline
    report = run(editor, data.encode(), dry_run=True)
    assert report.ok, messages(report)
    assert {label: new for label, _old, new in report.changed[0].changes} == {
        "titel": "Titel; met, tekens",
        "voortgang (%)": "42",
    }


def test_too_many_rows_are_refused_before_any_work(editor, monkeypatch):
    """100,000 rows: refused (the limit is 20,000), before a single row is checked."""
    data = b"id;title\n" + b";Nieuwe actie\n" * 100_000
    monkeypatch.setattr(importer.ActionImporter, "_apply_rows", None)  # never reached
    [text] = messages(run(editor, data))
    assert text == (
        "Het bestand heeft meer dan 20.000 rijen; splits het op in bestanden van ten hoogste "
        "20.000 rijen."
    )


def test_too_many_rows_in_a_workbook(editor, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 50)
    data = xlsx([["id", "title"], *([None, f"Actie {i}"] for i in range(60))])
    [text] = messages(run(editor, data, "a.xlsx"))
    assert text.startswith("Het bestand heeft meer dan 50 rijen")


def test_a_50_mb_file_is_refused_by_its_size(editor, tmp_path, run_import):
    path = tmp_path / "groot.csv"
    with path.open("wb") as out:
        out.write(b"id;title\n")
        line = b";" + b"x" * 1022 + b"\n"
        for _ in range(50 * 1024 - 1):
            out.write(line)
        out.write(b";" + b"x" * (1024 - len(b"id;title\n") - 2) + b"\n")
    assert path.stat().st_size == 50 * 1024 * 1024
    report = ActionImporter(editor).run(ImportSource.from_path(path))
    [text] = [m.replace("\xa0", " ") for m in messages(report)]
    assert text == (
        "Het bestand is 50,0 MB; de grens is 20,0 MB. Splits het op in kleinere bestanden."
    )


def test_a_workbook_that_unpacks_too_large_is_refused(editor, client, monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 10_000)
    data = admin_export(client, "xlsx", editor)
    assert messages(run(editor, data, "a.xlsx")) == ["De werkmap is uitgepakt te groot."]


def test_reading_a_large_csv_holds_one_row_at_a_time(editor, tmp_path, monkeypatch):
    """A 30 MB CSV is read line by line: the memory used does not grow with the file."""
    monkeypatch.setattr(reading, "MAX_BYTES", 100 * 1024 * 1024)
    path = tmp_path / "groot.csv"
    with path.open("wb") as out:
        out.write(b"id;title;description\n")
        for i in range(30_000):
            out.write(f";Actie {i};".encode() + b"y" * 1000 + b"\n")
    table = open_table(ImportSource.from_path(path), lambda text: True)
    tracemalloc.start()
    count = sum(1 for _ in table.rows())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 30_000
    assert peak < 5 * 1024 * 1024, peak


def test_reading_a_large_workbook_streams_its_rows(editor, tmp_path):
    """A workbook is read in read-only mode: rows are parsed as they come, not all at once."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Acties")
    sheet.append(["id", "version", "progress", "due_date"])
    for i in range(20_000):
        sheet.append([i + 1, 1, i % 100, None])
    path = tmp_path / "groot.xlsx"
    workbook.save(path)
    table = open_table(ImportSource.from_path(path), lambda text: True)
    table.header()
    tracemalloc.start()
    count = sum(1 for _ in table.rows())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 20_000
    assert peak < 8 * 1024 * 1024, peak


def test_hostile_bytes_never_raise(editor, api, client, users):
    """Damaged versions of real exports (bytes flipped, cut short): always a report, never an
    exception."""
    sources = [
        (api_export(api, "csv", users["brabant_editor"]), "a.csv"),
        (admin_export(client, "xlsx", editor), "a.xlsx"),
        (admin_export(client, "csv", editor), "a.csv"),
    ]
    rng = random.Random(10)
    before = state()
    for data, name in sources:
        for _ in range(25):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            if rng.random() < 0.3:
                damaged = damaged[: rng.randrange(1, len(damaged))]
            report = run(editor, bytes(damaged), name)
            assert report.rows_read >= 0
    assert state() == before


def test_the_command_says_what_is_wrong_without_a_traceback(editor, run_import):
    code, out = run_import(b"%PDF-1.4", "--as", "brabant", name="acties.pdf")
    assert code == 1
    assert "Dit is een pdf, geen spreadsheet" in out
    assert "Traceback" not in out


def test_label_columns_are_ignored_even_when_edited(client, editor, import_world):
    """The names beside the codes are for reading: changing one changes nothing."""
    data = admin_export(client, "xlsx", editor)
    rows = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in rows[1]]
    assert {"Eigenaar (naam)", "Status (omschrijving)", "Afspraak (naam)"} <= set(header)
    edited = edit_xlsx(data, {(0, "Eigenaar (naam)"): "Iemand anders", (0, "Te laat"): "ja"})
    report = run(editor, edited, "a.xlsx", dry_run=True)
    assert (report.ok, report.has_changes) == (True, False)


def test_api_and_admin_csv_headers_are_both_known(api, client, editor):
    api_header = csv_rows(api_export(api, "csv", editor))[0]
    admin_header = csv_rows(admin_export(client, "csv", editor))[0]
    aliases = importer.header_aliases()
    for text in [*api_header, *admin_header]:
        assert importer.header_key(text) in aliases, text


def test_an_xml_bomb_in_a_workbook_is_refused(editor):
    """A sheet whose XML defines nested entities ("billion laughs") is refused as damaged,
    without expanding them (defusedxml forbids entities; expat limits them besides)."""
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    source = io.BytesIO(xlsx([["id"], [1]]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as damaged:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            damaged.writestr(item, data)
    tracemalloc.start()
    report = run(editor, out.getvalue(), "bom.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not report.ok
    assert "beschadigd" in " ".join(messages(report))
    assert peak < 50 * 1024 * 1024
