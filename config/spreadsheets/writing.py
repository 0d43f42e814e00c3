"""Spreadsheet exports, one set of columns everywhere: the read serializer's fields, in its
order, `id` first where a model has one, references as codes. Rows are serialized per chunk
from an iterator, so memory stays flat whatever the size of the list. Two dialects:

- **machine** (the API's `?format=csv|xlsx`): the JSON field names as headers, `,` CSV —
  what partners' tools read. The XLSX has real date cells, a frozen header and a filter.
- **sheet** (the admin, for people in Excel): the same fields under headers in the request's
  language, each code with its label or name in the column beside it, real date and number
  cells, a frozen header row with autofilter, column widths, and a second sheet that
  explains the columns and the codes; CSV with `;` when the request is in Dutch (what Dutch
  Excel expects), `,` otherwise, or as asked (`sep=`). The import reads both dialects back
  (actions.importing); the label columns are for reading only.

Cells that a spreadsheet would run as a formula (text starting with =, +, -, @, a tab or a
carriage return, unless the whole text is a plain number such as `-12` or `-1,5`) are
written as text: an agenda title must never execute in a civil servant's Excel. In CSV that
takes a leading apostrophe (the convention Excel itself uses); the importer strips it. XLSX
cannot hold most control characters (a vertical tab from Word's line break): they become
spaces.

Every export has a bounded cost: the rows are counted before the first byte, and a list
longer than the user's limit (`export_limit`) is refused with a message, never cut off."""

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import import_module
from itertools import islice

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from rest_framework import serializers

from config.api.rows import rows_by_ids

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 1000
CSV_SEPARATORS = {";": ";", ",": ",", "semicolon": ";", "comma": ",", "tab": "\t"}


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


# A signed plain number, with a decimal point or comma: what a spreadsheet reads as a number
# whatever follows the sign is never a formula. Anything more (`-1+HYPERLINK(…)`,
# `+31 6 1234 5678`) is guarded.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)")


def looks_like_formula(value):
    """Would a spreadsheet run this text as a formula? Also true for text that starts with
    the apostrophe of such a guard, so that the importer's stripping gives it back whole."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] == "'":
        return looks_like_formula(value[1:])
    return value[0] in "=+-@\t\r" and not PLAIN_NUMBER.fullmatch(value)


def guard_formula(value):
    """CSV text as Excel reads it: a leading apostrophe before formula-like text."""
    return "'" + value if looks_like_formula(value) else value


def export_limit(kind, *, authenticated):
    """The most rows one export of this kind (csv, xlsx) may have."""
    limit = settings.EXPORT_MAX_ROWS
    if kind == "xlsx":
        limit = min(limit, settings.EXPORT_XLSX_MAX_ROWS)
    if not authenticated:
        limit = min(limit, settings.EXPORT_ANON_MAX_ROWS)
    return limit


def gated_export(request, count, make, *, kind=None, offer=None):
    """Every export's one sequence (the admin's, the API's, the review lists', the report's
    PDF): `(refusal, response)`.

    - a refusal (a message, no response) when `kind` is given and `count` rows pass the
      caller's limit: counted before any row is written, so an export is refused, never cut
      off;
    - the page offering to prepare it as a job, when `offer` (the job's title) is given and
      the export is long (settings.EXPORT_GATE);
    - else `make()`'s response, made now while holding one of the export slots that every
      server shares (a 503 with Retry-After when all are taken)."""
    refusal = export_refusal(request.user, kind, count) if kind else None
    if refusal:
        return refusal, None
    gate = import_module(settings.EXPORT_GATE)
    if offer is not None:
        deferred = gate.deferred(request, count, offer)
        if deferred is not None:
            return None, deferred
    return None, gate.slot(request, make)


def tracked(request, rows, total=None):
    """The rows, counted into the progress of the job that makes them, if a job does."""
    return import_module(settings.EXPORT_GATE).track(request, rows, total)


def export_refusal(user, kind, count):
    """Why an export of `count` rows is refused and what to do instead; None if it is not."""
    limit = export_limit(kind, authenticated=user.is_authenticated)
    if count <= limit:
        return None
    message = _("This export would have %(count)s rows; an export has at most %(limit)s.") % {
        "count": _grouped(count),
        "limit": _grouped(limit),
    }
    if not user.is_authenticated:
        more = export_limit(kind, authenticated=True)
        hint = _(
            "Narrow the list with filters, or log in (or use an API token): then up to %(more)s."
        )
    elif limit < export_limit("csv", authenticated=True):
        more = export_limit("csv", authenticated=True)
        hint = _("Narrow the list with filters, or export as CSV: up to %(more)s.")
    else:
        return f"{message} {_('Narrow the list with filters.')}"
    return f"{message} {hint % {'more': _grouped(more)}}"


def _grouped(number):
    return formats.number_format(number, force_grouping=True)


def header_for(serializer):
    return [name for name, field in serializer.fields.items() if not field.write_only]


def serialized_rows(serializer_class, queryset, context, row_builder=None, chunk_size=CHUNK_SIZE):
    """The rows as the serializer represents them: by the list's row builder where it has one
    that builds these rows (config/api/rows.py), else one serializer per chunk, not per row
    (building a serializer's fields is the costly part)."""
    if row_builder is not None and row_builder.builds(queryset):
        yield from rows_by_ids(row_builder.build, queryset, chunk_size)
        return
    rows = queryset.iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        yield from serializer_class(chunk, many=True, context=context).data


def export_file_name(model):
    """`acties-2026-11-29`: the list's name in the request's language and today's date."""
    name = slugify(str(model._meta.verbose_name_plural)) or model._meta.model_name
    return f"{name}-{timezone.localdate():%Y-%m-%d}"


class _Echo:
    def write(self, value):
        return value


def csv_lines(header, rows, delimiter=","):
    """The CSV text, line by line: a BOM (so Excel reads the accents), the header, the rows."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([guard_formula(flatten(row.get(name))) for name in header])


def csv_response(header, rows, filename, **_options):
    """Streamed CSV: rows are written as they come from the database."""
    return _csv_streaming_response(csv_lines(header, rows), filename)


def _csv_streaming_response(lines, filename):
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def field_kinds(serializer):
    """{JSON name: "date" | …} for the machine XLSX's typed cells."""
    return {name: _kind(field) for name, field in serializer.fields.items()}


def xlsx_workbook_file(header, rows, kinds=None):
    """An .xlsx in a temporary file: openpyxl's write-only mode keeps rows on disk. Dates are
    date cells; the header row is frozen, with a filter on it."""
    kinds = kinds or {}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    for index, name in enumerate(header, 1):
        width = _width(kinds.get(name, "text"), len(name), name)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, name, imported=None) for name in header])
    count = 0
    for row in rows:
        count += 1
        sheet.append(
            [_machine_cell(sheet, row.get(name), kinds.get(name, "text")) for name in header]
        )
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return _saved(workbook)


def xlsx_response(header, rows, filename, kinds=None):
    return FileResponse(
        xlsx_workbook_file(header, rows, kinds),
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_TYPE,
    )


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}


# --- The sheet dialect: for people in Excel ------------------------------------------------


@dataclass(frozen=True)
class SheetLayout:
    """How a list is laid out for people: the serializer's fields (codes as in the API), the
    header each gets, where a label column goes, and which columns an import reads.

    - `headers`: the header of fields that are no model field (else its verbose name);
    - `labels`: for fields whose JSON is a bare code, a function giving {code: name};
    - `inputs_after`: empty input columns (fields the import reads but the read serializer
      does not write, like a status move's note), after the column of a field;
    - `imported`: the names an import changes (their headers are blue), empty if none;
    - `meanings`: what a column means, for the explanation sheet (else the model's help);
    - `notes`: a function giving extra explanation sections [(title, [(term, text)])];
    - `access`: for a list its reader may change only part of, a function `(user, ids)` →
      {id: what the user may do with that row, in words}; rows it leaves out are for reading
      only. A column after `id` says it per row, and the workbook greys the read-only rows."""

    serializer_class: type
    model: type
    row_builder: object = None  # config.api.rows.RowBuilder of serializer_class's rows
    headers: Mapping[str, object] = field(default_factory=dict)
    labels: Mapping[str, Callable[[], Mapping[str, str]]] = field(default_factory=dict)
    inputs_after: Mapping[str, tuple] = field(default_factory=dict)
    imported: frozenset = frozenset()
    meanings: Mapping[str, object] = field(default_factory=dict)
    notes: Callable[[], list] | None = None
    access: Callable | None = None

    def columns(self):
        """The columns in order, headers in the active language."""
        columns = []
        for name, serializer_field in self.serializer_class().fields.items():
            if serializer_field.write_only:
                continue
            kind = "code" if name in self.labels else _kind(serializer_field)
            header = self._header(name, serializer_field)
            columns.append(SheetColumn(name, header, kind, name in self.imported, self._help(name)))
            if name == "id" and self.access is not None:
                columns.append(
                    SheetColumn(ACCESS, capfirst(_("may I change it?")), "access", False)
                )
            label = self._label_column(name, serializer_field, kind, header)
            if label is not None:
                columns.append(label)
            for input_name, input_header in self.inputs_after.get(name, ()):
                columns.append(
                    SheetColumn(
                        input_name,
                        capfirst(str(input_header)),
                        "input",
                        input_name in self.imported,
                        self._help(input_name),
                    )
                )
        return columns

    def _header(self, name, serializer_field):
        if name in self.headers:
            return capfirst(str(self.headers[name]))
        model_field = self._model_field(name) or self._model_field(serializer_field.source)
        if model_field is not None and hasattr(model_field, "verbose_name"):
            return capfirst(str(model_field.verbose_name))
        if model_field is not None:  # a reverse relation: the related rows' plural name
            return capfirst(str(model_field.related_model._meta.verbose_name_plural))
        return capfirst(str(serializer_field.label or name))

    def _model_field(self, name):
        try:
            return self.model._meta.get_field(name)
        except Exception:  # not a model field (a method field, a property)
            return None

    def _help(self, name):
        if name in self.meanings:
            return str(self.meanings[name])
        model_field = self._model_field(name)
        return str(getattr(model_field, "help_text", "") or "")

    def _label_column(self, name, serializer_field, kind, header):
        label_of = None
        if name in self.labels:
            names = _Lazy(self.labels[name])

            def label_of(value, names=names):
                return names().get(str(value), "") if value not in (None, "") else ""

            title = _("%(column)s (name)") % {"column": header}
        elif kind == "choice":
            choices = {str(k): str(v) for k, v in serializer_field.choices.items()}

            def label_of(value, choices=choices):
                return choices.get(str(value), "") if value not in (None, "") else ""

            title = _("%(column)s (label)") % {"column": header}
        elif kind in ("reference", "references"):

            def label_of(value):
                items = value if isinstance(value, list) else [value]
                return "; ".join(str(item.get("name", "")) for item in items if item)

            title = _("%(column)s (name)") % {"column": header}
        if label_of is None:
            return None
        return SheetColumn(f"{name}:label", title, "label", False, "", source=name, label=label_of)


class _Lazy:
    """Calls a function once, when first needed (a {code: name} table per export)."""

    def __init__(self, function):
        self.function, self.value = function, None

    def __call__(self):
        if self.value is None:
            self.value = self.function()
        return self.value


@dataclass(frozen=True)
class SheetColumn:
    """One column of the sheet dialect: `name` is the JSON field name (a label column:
    `<field>:label`, reading `source`)."""

    name: str
    header: str
    kind: str
    imported: bool
    help: str = ""
    source: str | None = None
    label: Callable | None = None

    def value(self, row):
        """The cell's value for people: a date, a number, text."""
        if self.kind == "input":
            return None
        if self.kind == "access":
            return row.get(ACCESS) or _("no")
        if self.label is not None:
            return self.label(row.get(self.source))
        return _typed(row.get(self.name), self.kind)


ACCESS = "may_change"  # the column that says what the reader may do with a row


def with_access(layout, rows, user, chunk_size=CHUNK_SIZE):
    """The rows, each with what `user` may do with it (`layout.access`, asked per chunk);
    rows the user may not change say so."""
    rows = iter(rows)
    while chunk := list(islice(rows, chunk_size)):
        allowed = layout.access(user, [row["id"] for row in chunk])
        for row in chunk:
            yield {**row, ACCESS: allowed.get(row["id"])}


def _kind(serializer_field):
    """What kind of cell a serializer field gives."""
    if isinstance(serializer_field, serializers.ListSerializer):
        child = serializer_field.child
        if isinstance(child, serializers.Serializer) and {"code", "name"} <= set(child.fields):
            return "references"
        return "text"
    if isinstance(serializer_field, serializers.Serializer):
        return "reference" if {"code", "name"} <= set(serializer_field.fields) else "text"
    for field_class, kind in (
        (serializers.ChoiceField, "choice"),
        (serializers.DateTimeField, "datetime"),
        (serializers.DateField, "date"),
        (serializers.BooleanField, "boolean"),
        (serializers.IntegerField, "integer"),
        (serializers.DecimalField, "decimal"),
        (serializers.FloatField, "decimal"),
    ):
        if isinstance(serializer_field, field_class):
            return kind
    return "text"


def utc_moment(value):
    """A timestamp (the API's text or a datetime) as a naive datetime in UTC, to the second:
    what a spreadsheet cell can hold. Every export writes its timestamps in UTC."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None, microsecond=0)


def _typed(value, kind):
    """A JSON value as a spreadsheet value: real dates, times in UTC, numbers."""
    if value is None or value == "":
        return None
    if kind == "date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if kind == "datetime":
        return utc_moment(value)
    if kind == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    if kind == "boolean":
        return _("yes") if value else _("no")
    return flatten(value)


# Column widths (in characters) by kind; a header wider than that widens its column.
WIDTHS = {
    "date": 12,
    "datetime": 17,
    "integer": 9,
    "decimal": 12,
    "boolean": 9,
    "choice": 12,
    "reference": 16,
    "code": 16,
    "references": 18,
    "label": 30,
    "input": 30,
    "text": 30,
}
WIDE_TEXT = {"title": 45, "description": 60, "result": 45, "source": 35, "name": 35}


def _width(kind, header_length, name=""):
    return min(max(WIDE_TEXT.get(name, WIDTHS.get(kind, 20)), header_length + 3), 70)


HEADER_FONT = Font(bold=True)
IMPORTED_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: read by the import
READ_ONLY_FILL = PatternFill("solid", fgColor="EDEDED")  # grey: for reading only
READ_ONLY_FONT = Font(bold=True, color="595959")
# A row its reader may not change: grey, so that the rows they may change stand out. One
# conditional format on the access column for the whole sheet: styling each cell would make a
# large export half again as slow, and the grey follows the rows when Excel sorts them.
READ_ONLY_ROW_FILL = PatternFill(start_color="F2F2F2", end_color="F2F2F2", fill_type="solid")
READ_ONLY_ROW_FONT = Font(color="595959")
LABEL_FONT = Font(italic=True, color="595959")
TITLE_FONT = Font(bold=True, size=14)
DATE_FORMATS = {"nl": "dd-mm-yyyy", "en": "yyyy-mm-dd"}


def _date_format():
    return DATE_FORMATS.get((translation.get_language() or "nl")[:2], "yyyy-mm-dd")


def _header_cell(sheet, text, imported):
    cell = WriteOnlyCell(sheet, value=xlsx_text(text))
    cell.data_type = "s"
    cell.font = READ_ONLY_FONT if imported is False else HEADER_FONT
    if imported is not None:
        cell.fill = IMPORTED_FILL if imported else READ_ONLY_FILL
    return cell


def xlsx_text(value):
    """Text an XLSX can hold: control characters other than tab, newline and carriage return
    (a vertical tab from Word's line break) become spaces; openpyxl refuses them."""
    return ILLEGAL_CHARACTERS_RE.sub(" ", value) if isinstance(value, str) else value


def _text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _machine_cell(sheet, value, kind):
    if kind == "date" and isinstance(value, str) and value:
        cell = WriteOnlyCell(sheet, value=date.fromisoformat(value))
        cell.number_format = "yyyy-mm-dd"
        return cell
    return _text_cell(sheet, flatten(value))


def _sheet_cell(sheet, column, value, date_format):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = date_format + " hh:mm:ss"  # UTC (the explanation says so)
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = date_format
        return cell
    cell = _text_cell(sheet, value)
    if column.kind == "label":
        cell.font = LABEL_FONT
    return cell


def _grey_read_only_rows(sheet, columns, count):
    """Rows whose access column says "no" are grey (a conditional format)."""
    names = [c.name for c in columns]
    if ACCESS not in names or not count:
        return
    access = get_column_letter(names.index(ACCESS) + 1)
    no = _("no").replace('"', '""')
    rule = FormulaRule(
        formula=[f'${access}2="{no}"'], fill=READ_ONLY_ROW_FILL, font=READ_ONLY_ROW_FONT
    )
    sheet.conditional_formatting.add(f"A2:{get_column_letter(len(columns))}{count + 1}", rule)


def _saved(workbook):
    target = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    workbook.save(target)
    target.seek(0)
    return target


def sheet_workbook_file(layout, rows, *, title, described=""):
    """The sheet dialect as an .xlsx (write-only, rows on disk): the list on the first sheet,
    the explanation of its columns and codes on the second."""
    columns = layout.columns()
    date_format = _date_format()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(capfirst(str(layout.model._meta.verbose_name_plural))[:31])
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _width(column.kind, len(column.header), column.name)
    sheet.freeze_panes = "B2"
    imported = bool(layout.imported)
    sheet.append([_header_cell(sheet, c.header, c.imported if imported else None) for c in columns])
    count = 0
    for row in rows:
        count += 1
        sheet.append([_sheet_cell(sheet, c, c.value(row), date_format) for c in columns])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    _grey_read_only_rows(sheet, columns, count)
    _explanation_sheet(workbook, layout, columns, title=title, described=described, count=count)
    return _saved(workbook)


def _explanation_sheet(workbook, layout, columns, *, title, described, count):
    """The second sheet: what was exported, how the import reads it, what each column and
    code means."""
    sheet = workbook.create_sheet(_("Explanation"))
    for letter, width in zip("ABCD", (30, 20, 16, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    line = _ExplanationLines(sheet)
    _explanation_intro(line, layout, title=title, described=described, count=count)
    _explanation_columns(line, layout, columns)
    for section_title, entries in layout.notes() if layout.notes else ():
        line.gap()
        line(section_title, font=HEADER_FONT)
        for term, text in entries:
            line(term, text)


class _ExplanationLines:
    """Appends a row of wrapped text cells to the explanation sheet."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def __call__(self, *values, font=None):
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=xlsx_text(value))
            cell.data_type = "s" if isinstance(value, str) else cell.data_type
            cell.alignment = self.wrap
            if font is not None:
                cell.font = font
            cells.append(cell)
        self.sheet.append(cells)

    def gap(self):
        self.sheet.append([])


def _explanation_intro(line, layout, *, title, described, count):
    line(title, font=TITLE_FONT)
    exported = timezone.localtime().strftime("%d-%m-%Y %H:%M")
    line(_("Exported on %(when)s: %(count)s rows.") % {"when": exported, "count": count})
    if described:
        line(_("Filter: %(filter)s") % {"filter": described})
    if layout.imported:
        line(
            _(
                "Blue columns are read back by the import; grey columns are for reading only "
                "and are ignored when importing."
            )
        )
    if layout.access is not None:
        line(
            _(
                "Grey rows are of records you may not change (column “%(column)s”): the "
                "import skips them when they are left as exported, and refuses changes to them."
            )
            % {"column": capfirst(_("may I change it?"))}
        )


def _explanation_columns(line, layout, columns):
    line.gap()
    line(_("Columns"), font=HEADER_FONT)
    heading = [_("Column"), _("Field name (API)"), _("Changed by an import"), _("Meaning")]
    if not layout.imported:
        heading[2] = ""
    line(*heading, font=HEADER_FONT)
    for column in columns:
        line(
            column.header,
            "" if column.kind == "label" else column.name,
            (_("yes") if column.imported else _("no")) if layout.imported else "",
            _column_meaning(column),
        )
    for column in columns:
        if column.kind == "choice":
            line.gap()
            line(_("Codes: %(column)s") % {"column": column.header}, font=HEADER_FONT)
            line(_("Code"), _("Label"), font=HEADER_FONT)
            serializer_field = layout.serializer_class().fields[column.name]
            for code, label in serializer_field.choices.items():
                line(str(code), str(label))


def _column_meaning(column):
    meanings = {
        "date": _("Date."),
        "datetime": _("Date and time in UTC (Dutch time is 1 hour later, 2 in summer)."),
        "integer": _("Whole number."),
        "decimal": _("Number."),
        "boolean": _("Yes or no."),
        "choice": _("Code; see the codes below. The label is in the next column."),
        "reference": _("Code; the name is in the next column."),
        "code": _("Code; the name is in the next column."),
        "references": _("Codes, separated by commas; the names are in the next column."),
        "label": _("For reading only: ignored when importing."),
        "access": _(
            "What you may change in this row: yes; progress only (you contribute to it); "
            "no (for reading). Ignored when importing."
        ),
        "input": _("Empty in the export; filled in when importing."),
        "text": _("Text."),
    }
    return " ".join(part for part in (meanings.get(column.kind, ""), column.help) if part)


def sheet_csv_lines(layout, rows, delimiter):
    """The sheet dialect as CSV text: the same columns as the XLSX, dates as YYYY-MM-DD
    (every Excel reads them as dates), timestamps in ISO 8601 UTC (`2016-06-08T10:15:00Z`),
    numbers with a decimal comma in Dutch."""
    columns = layout.columns()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    decimal_comma = (translation.get_language() or "")[:2] == "nl"

    def text(value):
        if value is None:
            return ""
        if isinstance(value, datetime):
            return f"{utc_moment(value):%Y-%m-%dT%H:%M:%S}Z"  # ISO 8601, UTC
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal | float) and decimal_comma:
            return str(value).replace(".", ",")
        return guard_formula(value) if isinstance(value, str) else value

    yield "\ufeff" + writer.writerow([c.header for c in columns])
    for row in rows:
        yield writer.writerow([text(c.value(row)) for c in columns])


def csv_separator(request):
    """`;` for Dutch (Dutch Excel splits CSV on its list separator, `;`), `,` otherwise,
    unless the request asks for one (`sep=;`, `sep=,`, `sep=tab`)."""
    asked = CSV_SEPARATORS.get(request.GET.get("sep", ""))
    if asked:
        return asked
    return ";" if (translation.get_language() or "")[:2] == "nl" else ","


def sheet_response(layout, rows, kind, *, separator, filename, title, described="", user=None):
    """The sheet dialect as a download: `acties-2026-11-29.xlsx` or `.csv`; for `user`, with
    what they may change marked (`layout.access`)."""
    if layout.access is not None and user is not None:
        rows = with_access(layout, rows, user)
    if kind == "csv":
        lines = sheet_csv_lines(layout, rows, separator)
        return _csv_streaming_response(lines, filename)
    return FileResponse(
        sheet_workbook_file(layout, rows, title=title, described=described),
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_TYPE,
    )
