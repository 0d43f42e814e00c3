"""Hostile workbooks are refused while they are read, not after: shared strings past their
count or length, a DTD, a sheet whose row and column numbers span a huge blank range, too
many cells, too many rows, a reading that takes too long. Each refusal is one clear Dutch
message, comes before the file is read to its end, and writes nothing."""

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from actions.importing.importer import ActionImporter
from config.spreadsheets import reading
from config.spreadsheets.reading import ImportSource
from tests.actions.conftest import state

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def base_workbook():
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "Acties"
    sheet.append(["id", "title"])
    sheet.append([None, "Nieuwe actie"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def crafted(parts):
    """A real workbook with parts replaced or added: {name: bytes or a generator of bytes}."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base_workbook())) as original,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as hostile,
    ):
        for item in original.infolist():
            if item.filename not in parts:
                hostile.writestr(item, original.read(item.filename))
        for name, content in parts.items():
            with hostile.open(name, "w") as part:
                for chunk in [content] if isinstance(content, bytes) else content:
                    part.write(chunk)
    return out.getvalue()


def sheet_xml(rows):
    """The first sheet's XML, streamed: a header row, then `rows` (bytes of <row> elements)."""
    yield (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>title</t></is></c></row>'
    ).encode()
    yield from rows
    yield b"</sheetData></worksheet>"


class CountingSource(ImportSource):
    """An ImportSource that counts the bytes read from it, over every pass."""

    def __init__(self, name, data):
        self.read_bytes = 0
        counter = self

        class Stream(io.BytesIO):
            def read(self, size=-1):
                chunk = super().read(size)
                counter.read_bytes += len(chunk)
                return chunk

            def readinto(self, buffer):
                count = super().readinto(buffer)
                counter.read_bytes += count
                return count

        super().__init__(name, lambda: Stream(data), len(data))


def refused(user, data, monkeypatch=None):
    """(the one message, bytes read, peak memory): the import of `data`, which is refused."""
    source = CountingSource("vijandig.xlsx", data)
    before = state()
    tracemalloc.start()
    report = ActionImporter(user).run(source)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not report.committed
    assert state() == before
    messages = [str(problem) for problem in report.problems]
    assert len(messages) == 1, messages
    return messages[0].replace("\xa0", " "), source, peak


@pytest.fixture
def editor(users, import_world):
    return users["brabant_editor"]


def test_a_sheet_whose_row_numbers_expand_to_a_huge_blank_range_is_refused_at_once(editor):
    """A few cells at row numbers a million apart: openpyxl would yield every blank row in
    between. Refused by the span of row and column numbers, from the first such row."""
    far = (
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        for n in range(1_000_000, 1_048_576, 1000)
    )
    data = crafted({"xl/worksheets/sheet1.xml": sheet_xml(far)})
    message, _source, peak = refused(editor, data)
    assert message == (
        "Het eerste werkblad loopt tot rij 1.000.000 en kolom 2: meer dan 1.500.000 cellen als "
        "de lege rijen en kolommen meetellen; er is niets opgeslagen. Kopieer alleen de rijen "
        "en kolommen van de acties naar een nieuwe werkmap."
    )
    assert peak < 10 * 1024 * 1024, peak


def test_a_sheet_of_blank_cells_is_refused_before_it_is_read_to_the_end(editor, monkeypatch):
    """Half a million written cells (30 MB of XML, a few hundred KB zipped): refused at the
    cell limit, having read only part of the file."""
    monkeypatch.setattr(reading, "MAX_CELLS", 100_000)
    blank = "".join('<c r="%s{n}"/>' % letter for letter in "CDEFGHIJKL")  # noqa: UP031
    rows = (f'<row r="{n}">{blank.format(n=n)}</row>'.encode() for n in range(2, 50_002))
    data = crafted({"xl/worksheets/sheet1.xml": sheet_xml(rows)})
    message, source, peak = refused(editor, data)
    assert message.startswith("Het eerste werkblad loopt tot rij ")
    assert "meer dan 100.000 cellen" in message
    assert source.read_bytes < 3 * len(data), (source.read_bytes, len(data))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    assert unpacked > 2_000_000
    assert peak < 10 * 1024 * 1024, peak


def test_too_many_rows_are_refused_while_the_sheet_is_streamed(editor, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CELLS", 10_000_000)
    rows = (
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>Actie {n}</t></is></c></row>'.encode()
        for n in range(2, 200_002)
    )
    data = crafted({"xl/worksheets/sheet1.xml": sheet_xml(rows)})
    message, source, _peak = refused(editor, data)
    assert message == (
        "Het bestand heeft meer dan 20.000 rijen; splits het op in bestanden van ten hoogste "
        "20.000 rijen."
    )
    # openpyxl reads the header (a pass to row 1) and the scan stops at row 20,002.
    assert source.read_bytes < 2 * len(data), (source.read_bytes, len(data))


def shared_strings(count, text="x"):
    """Shared strings, each different (so that the part does not zip to nothing)."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    for start in range(0, count, 1000):
        yield "".join(
            f"<si><t>{text}{n * 7919 % 1000003}</t></si>" for n in range(start, start + 1000)
        ).encode()
    yield b"</sst>"


def test_too_many_shared_strings_are_refused_before_the_workbook_is_opened(editor, monkeypatch):
    """openpyxl keeps every shared string in memory when it opens a workbook; their count is
    checked while they are streamed, before."""
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS_COUNT", 50_000)
    data = crafted({"xl/sharedStrings.xml": shared_strings(500_000)})
    message, source, peak = refused(editor, data)
    assert message == (
        "De werkmap bevat te veel tekst om in één keer te importeren (meer dan 50.000 teksten "
        "of 30.000.000 tekens); er is niets opgeslagen. Splits het op in kleinere bestanden."
    )
    assert source.read_bytes < len(data) / 2, (source.read_bytes, len(data))
    assert peak < 10 * 1024 * 1024, peak


def test_shared_strings_past_their_length_are_refused(editor, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS_CHARS", 100_000)
    data = crafted({"xl/sharedStrings.xml": shared_strings(500_000)})
    message, source, _peak = refused(editor, data)
    assert "meer dan 500.000 teksten of 100.000 tekens" in message
    assert source.read_bytes < len(data) / 2, (source.read_bytes, len(data))


def test_shared_strings_with_a_dtd_are_refused(editor):
    """Excel never writes a DTD; entities in the shared strings ("billion laughs") are
    refused before one is expanded."""
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN}">'
        "<si><t>&a9;</t></si></sst>"
    ).encode()
    message, _source, peak = refused(editor, crafted({"xl/sharedStrings.xml": bomb}))
    assert message == (
        "De werkmap bevat XML-declaraties (een DTD) die Excel nooit schrijft; ze wordt geweigerd."
    )
    assert peak < 10 * 1024 * 1024, peak


def test_a_reading_past_its_time_budget_is_refused(editor, monkeypatch):
    """The budget covers every pass; a budget of 0 seconds is spent at the first check."""
    monkeypatch.setattr(reading, "READ_SECONDS", 0)
    message, _source, _peak = refused(editor, base_workbook())
    assert message == (
        "Het lezen van het bestand duurt te lang (meer dan 0 seconden); er is niets "
        "opgeslagen. Splits het op in kleinere bestanden, of sla het opnieuw op in Excel."
    )


def test_an_ordinary_workbook_passes_the_limits(editor):
    report = ActionImporter(editor).run(
        ImportSource.from_bytes("a.xlsx", base_workbook()), dry_run=True
    )
    assert report.file_problems == []


def test_a_csv_past_its_time_budget_is_refused(editor, monkeypatch):
    monkeypatch.setattr(reading, "READ_SECONDS", 0)
    data = b"id;title\n" + b";Nieuwe actie\n" * 3000
    before = state()
    report = ActionImporter(editor).run(ImportSource.from_bytes("a.csv", data))
    assert [str(p) for p in report.problems] == [
        "Het lezen van het bestand duurt te lang (meer dan 0 seconden); er is niets "
        "opgeslagen. Splits het op in kleinere bestanden, of sla het opnieuw op in Excel."
    ]
    assert state() == before
