"""Spreadsheet exports, one set of columns everywhere (API, admin): the read serializer's
fields, `id` first where a model has one, references as codes. Rows are serialized per chunk
from an iterator, so memory stays flat whatever the size of the list.

Cells that a spreadsheet would run as a formula (=, +, @, or - followed by a non-digit) are
written as text: an agenda title must never execute in a civil servant's Excel. In CSV that
takes a leading apostrophe (the convention Excel itself uses); an importer strips it."""

import csv
import tempfile
from itertools import islice

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 1000


def flatten(value):
    """Codes for references: {"code": …} → its code, a list → comma-separated codes, another
    nested object → its values joined by colons (a party with its role: `PV30:lead`)."""
    if isinstance(value, dict):
        if "code" in value:
            return value["code"]
        return ":".join(str(flatten(item)) for item in value.values())
    if isinstance(value, list):
        return ",".join(str(flatten(item)) for item in value)
    return "" if value is None else value


def looks_like_formula(value):
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "=+@\t\r":
        return True
    return value[0] == "-" and not value[1:2].isdigit()


def header_for(serializer):
    return [name for name, field in serializer.fields.items() if not field.write_only]


def serialized_rows(serializer_class, queryset, context, chunk_size=CHUNK_SIZE):
    # One serializer per chunk, not per row: building a serializer's fields is the costly part.
    rows = queryset.iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        yield from serializer_class(chunk, many=True, context=context).data


class _Echo:
    def write(self, value):
        return value


def csv_lines(header, rows):
    """The CSV text, line by line: a BOM (so Excel reads the accents), the header, the rows."""
    writer = csv.writer(_Echo())

    def cell(value):
        value = flatten(value)
        return "'" + value if looks_like_formula(value) else value

    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(row.get(name)) for name in header])


def csv_response(header, rows, filename):
    """Streamed CSV: rows are written as they come from the database."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_workbook_file(header, rows):
    """An .xlsx in a temporary file: openpyxl's write-only mode keeps rows on disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(header)
    for row in rows:
        cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=flatten(row.get(name)))
            if looks_like_formula(cell.value):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    target = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    workbook.save(target)
    target.seek(0)
    return target


def xlsx_response(header, rows, filename):
    return FileResponse(
        xlsx_workbook_file(header, rows),
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_TYPE,
    )


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}
