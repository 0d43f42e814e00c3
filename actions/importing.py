"""Action lists back from spreadsheets: read a `.xlsx` or `.csv` file, check every row, and
apply it through the services (DESIGN.md, "Spreadsheets").

The file is what the export gives: headers in row 1, either the API's JSON field names or
the admin export's headers (in any of the site's languages; the label columns beside the
codes are ignored); `.xlsx` (its first sheet) or `.csv` (UTF-8 with or without BOM; `;`, `,`
or tab). A row with an `id` updates that action, a row without one creates one. Absent
columns are left alone; read-only columns (`overdue`, `theme`, timestamps, labels) are
ignored; any other column is an error naming it.

Every row goes through the very services that the admin and the API call, with the
importing user's scope: `action_create`, `action_update` (with `expected_version` from the
row's `version`, the status through the status rules, the `note` column as the move's note),
or — for a contributor who only changes progress — `action_add_update`. All rows run inside
one transaction; a dry run, or any bad row, rolls the whole transaction back. So nothing is
committed unless every row passed the same checks that write it, and a dry run does exactly
the work of a real import. Every bad row is reported with its row number, column and reason.

Reading is streamed (CSV line by line, XLSX in openpyxl's read-only mode) and sizes are
capped (bytes, rows, unpacked XLSX parts), so memory stays bounded whatever the file."""

import codecs
import csv
import hashlib
import io
import logging
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from actions.api.serializers import ActionSerializer
from actions.choices import ACTION_STATUS_MOVES, ActionStatus, move_needs_note
from actions.models import Action
from actions.services import EDITABLE_FIELDS, action_add_update, action_create, action_update
from agenda.models import Agreement, Party, Theme
from agenda.scope import OutOfScope, may_change
from config.concurrency import StaleVersionError
from config.spreadsheets.writing import SheetLayout, header_for, looks_like_formula
from regions.models import Region

logger = logging.getLogger(__name__)

# Limits; a deployment may set them in its settings. 20,000 rows is many times the whole
# agenda (25 actions at the 2016 review; a province's list has dozens to hundreds).
MAX_BYTES = getattr(settings, "ACTION_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "ACTION_IMPORT_MAX_ROWS", 20_000)
# In the admin the import runs inside a web request, twice (preview, confirmation), at about
# 10 ms of the services' work per changed row: larger files go to the command line.
ADMIN_MAX_ROWS = getattr(settings, "ACTION_IMPORT_ADMIN_MAX_ROWS", 2_000)
# An .xlsx is a zip: its parts unpacked may not exceed this (a "zip bomb" is refused before
# it is opened; 20,000 exported rows unpack to about 35 MB). openpyxl keeps the
# shared-strings part in memory, so it has its own cap.
MAX_UNPACKED_BYTES = getattr(settings, "ACTION_IMPORT_MAX_UNPACKED_BYTES", 150 * 1024 * 1024)
MAX_SHARED_STRINGS_BYTES = getattr(settings, "ACTION_IMPORT_MAX_SHARED_STRINGS", 64 * 1024 * 1024)
# After this many problems the check stops: the file needs fixing first.
MAX_PROBLEMS = 1000
CHUNK_ROWS = 200

# The columns the import reads; `note` is an input only (a status move's note).
READ_COLUMNS = (
    "id",
    "version",
    "code",
    "agreement",
    "title",
    "description",
    "owner",
    "contributors",
    "region",
    "status",
    "note",
    "progress",
    "start_date",
    "due_date",
    "result",
    "source",
)
# Read, but not for changing: they say which action, and which version of it, a row is.
KEY_COLUMNS = ("id", "version")
CHANGEABLE = (*EDITABLE_FIELDS, "contributors")


def _theme_names():
    return dict(Theme.objects.values_list("code", "name"))


def _sheet_notes():
    """The explanation sheet's sections on status moves and on importing the file."""
    moves = []
    for status_from, targets in ACTION_STATUS_MOVES.items():
        allowed = []
        for status_to in sorted(targets, key=list(ActionStatus).index):
            needs_note = move_needs_note(status_from, status_to)
            allowed.append(
                f"{status_to.label} ({status_to.value})"
                + (" — " + _("with a note") if needs_note else "")
            )
        moves.append((f"{status_from.label} ({status_from.value})", "; ".join(allowed)))
    howto = [
        (_("Change"), _("Change the values in the blue columns; leave id and version alone.")),
        (
            _("New action"),
            _(
                "Add a row with an empty id; fill in at least agreement, title and owner "
                "(codes). New actions start as planned."
            ),
        ),
        (
            _("Status"),
            _(
                "Type the new status code (or its label). Moves to at risk or cancelled, and "
                "reopening, need a note in the Note column."
            ),
        ),
        (_("Dates"), _("As dates, or as text like 31-12-2026 or 2026-12-31.")),
        (
            _("Rows left out"),
            _("Rows you remove from the file stay in the registry; nothing is deleted."),
        ),
        (
            _("Check first"),
            _(
                "In the admin the import first shows what will change; on the command line "
                "use --dry-run. One bad row means nothing is saved."
            ),
        ),
    ]
    return [(_("Status moves allowed"), moves), (_("Importing this file"), howto)]


ACTION_SHEET = SheetLayout(
    serializer_class=ActionSerializer,
    model=Action,
    headers={"theme": gettext_lazy("theme"), "overdue": gettext_lazy("overdue")},
    labels={"theme": _theme_names},
    inputs_after={"status": (("note", gettext_lazy("note")),)},
    imported=frozenset(READ_COLUMNS) - set(KEY_COLUMNS),
    meanings={
        "id": gettext_lazy("The action's number. Do not change; empty for a new action."),
        "version": gettext_lazy(
            "The action's version when exported. Do not change: if the action changed since, "
            "the import refuses the row instead of overwriting that change."
        ),
        "note": gettext_lazy("Why the status moves; needed for at risk, cancelled, reopening."),
        "contributors": gettext_lazy("Other parties' codes, separated by commas."),
        "progress": gettext_lazy("0 to 100."),
        "completed_on": gettext_lazy("Set when the action is done."),
    },
    notes=_sheet_notes,
)


# --- What an import reports ----------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a spreadsheet, too large, no header…)."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file) cannot be imported: where, and the reason."""

    row: int | None
    column: str  # the column's letter, as Excel shows it; "" for a whole row or the file
    header: str  # the column's header as in the file, or the field's name
    message: str

    def __str__(self):
        where = []
        if self.row:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column and self.header:
            where.append(
                _("column %(letter)s “%(header)s”") % {"letter": self.column, "header": self.header}
            )
        elif self.column:
            where.append(_("column %(letter)s") % {"letter": self.column})
        elif self.header:
            where.append(_("column “%(header)s”") % {"header": self.header})
        return capfirst(", ".join(where) + ": " + self.message) if where else self.message


NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class RowOutcome:
    row: int
    kind: str
    action_id: int | None = None
    action: str = ""
    changes: list = field(default_factory=list)  # [(field label, old, new)], shown as text
    problems: list = field(default_factory=list)
    note: str = ""  # the note of a status move

    @property
    def changed_fields(self):
        return [label for label, _old, _new in self.changes]


@dataclass
class ImportReport:
    """What an import did, or (dry run, errors) would have done."""

    file_name: str
    dry_run: bool
    file_format: str = ""
    rows_read: int = 0
    outcomes: list = field(default_factory=list)  # new, changed and refused rows, in order
    unchanged: int = 0
    field_counts: Counter = field(default_factory=Counter)
    file_problems: list = field(default_factory=list)
    committed: bool = False
    stopped_early: bool = False
    preview_changed: bool = False
    digest: str = ""

    @property
    def new(self):
        return [o for o in self.outcomes if o.kind == NEW]

    @property
    def changed(self):
        return [o for o in self.outcomes if o.kind == CHANGED]

    @property
    def refused(self):
        return [o for o in self.outcomes if o.kind == ERROR]

    @property
    def problems(self):
        return [*self.file_problems, *(p for o in self.refused for p in o.problems)]

    @property
    def ok(self):
        return not self.file_problems and not self.refused

    @property
    def has_changes(self):
        return any(o.kind in (NEW, CHANGED) for o in self.outcomes)


def report_lines(report):
    """The report as lines of text (the command's output): counts, each new and changed row
    with its changes, every problem with its row and column, and what was saved."""
    lines = [
        _("File: %(name)s (%(format)s)")
        % {"name": report.file_name, "format": report.file_format or "?"}
    ]
    if report.file_problems:
        lines.append(_("The file cannot be imported:"))
        lines.extend(f"  {problem}" for problem in report.file_problems)
        lines.append(_("Nothing was saved."))
        return lines
    lines.append(_("Rows read: %(count)s") % {"count": report.rows_read})
    lines.append(_("New: %(count)s") % {"count": len(report.new)})
    for outcome in report.new:
        shown = "; ".join(f"{label}: {new}" for label, _old, new in outcome.changes)
        lines.append("  " + _("row %(row)s: %(changes)s") % {"row": outcome.row, "changes": shown})
    counts = ", ".join(f"{name} {count}×" for name, count in report.field_counts.most_common())
    lines.append(
        _("Changed: %(count)s") % {"count": len(report.changed)}
        + (f" ({counts})" if counts else "")
    )
    for outcome in report.changed:
        shown = "; ".join(f"{label}: {old} → {new}" for label, old, new in outcome.changes)
        if outcome.note:
            shown += f"; {field_label('note')}: {outcome.note}"
        lines.append(
            "  "
            + _("row %(row)s, action %(id)s (%(action)s): %(changes)s")
            % {
                "row": outcome.row,
                "id": outcome.action_id,
                "action": outcome.action,
                "changes": shown,
            }
        )
    lines.append(_("Unchanged: %(count)s") % {"count": report.unchanged})
    lines.append(_("Rows with errors: %(count)s") % {"count": len(report.refused)})
    lines.extend(f"  {problem}" for outcome in report.refused for problem in outcome.problems)
    if report.stopped_early:
        lines.append(
            _("More than %(max)s problems: the check stopped there.") % {"max": MAX_PROBLEMS}
        )
    if not report.ok:
        lines.append(_("Nothing was saved: correct the rows above and import the file again."))
    elif report.dry_run:
        lines.append(_("Dry run: nothing was saved."))
    elif report.committed and report.has_changes:
        lines.append(_("Saved."))
    elif report.committed:
        lines.append(_("Nothing to change: every row matches the registry."))
    return lines


# --- Reading the file ----------------------------------------------------------------------


class ImportSource:
    """The file to import: its name and a way to open it afresh (each pass reads it again)."""

    def __init__(self, name, opener, size):
        self.name, self._opener, self.size = name, opener, size

    @classmethod
    def from_path(cls, path):
        path = Path(path)
        return cls(path.name, lambda: path.open("rb"), path.stat().st_size)

    @classmethod
    def from_bytes(cls, name, data):
        return cls(name, lambda: io.BytesIO(data), len(data))

    def open(self):
        return self._opener()


class Formula(str):
    """A cell that holds a formula (its text), not a value."""


class ErrorValue(str):
    """A cell that holds an error value such as #N/A."""


def open_table(source, recognise):
    """The table in the file, by what the file is (not by its name). `recognise(header)`
    says whether a header text is one of the import's columns (to pick a CSV's separator)."""
    if source.size == 0:
        raise ImportFileError(_("The file is empty."))
    if source.size > MAX_BYTES:
        raise ImportFileError(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": filesizeformat(source.size), "limit": filesizeformat(MAX_BYTES)}
        )
    with source.open() as stream:
        magic = stream.read(8)
    if magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return XlsxTable(source)
    suffix = Path(source.name).suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "This is an old Excel file (.xls) or a workbook protected by a password. Save "
                "it in Excel as “Excel Workbook (*.xlsx)”, without a password."
            )
        )
    if magic.startswith(b"%PDF"):
        raise ImportFileError(_("This is a PDF, not a spreadsheet. Use .xlsx or .csv."))
    if magic.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_utf8_advice(_("This text file is in UTF-16, not UTF-8.")))
    if suffix in (".xlsx", ".xlsm", ".ods"):
        raise ImportFileError(
            _("The file is called %(suffix)s but is no Excel workbook; it may be damaged.")
            % {"suffix": suffix}
        )
    return CsvTable(source, recognise)


def _utf8_advice(problem):
    return " ".join(
        [
            problem,
            _(
                "In Excel choose Save as, “CSV UTF-8 (comma delimited) (*.csv)”; or import "
                "the .xlsx file instead."
            ),
        ]
    )


class XlsxTable:
    """The first sheet of an .xlsx workbook, read in openpyxl's read-only mode (rows are
    parsed as they are read; nothing but the shared strings is held in memory)."""

    kind = "xlsx"

    def __init__(self, source):
        self.source = source
        with source.open() as stream:
            try:
                archive = zipfile.ZipFile(stream)
                parts = archive.infolist()
            except (zipfile.BadZipFile, OSError, ValueError):
                raise ImportFileError(
                    _("The file is damaged: it looks like an Excel workbook but cannot be opened.")
                ) from None
            names = {part.filename for part in parts}
            if "xl/workbook.xml" not in names:
                if "mimetype" in names or "content.xml" in names:
                    raise ImportFileError(
                        _("This is an OpenDocument file (.ods). Save it as .xlsx or .csv.")
                    )
                raise ImportFileError(_("This zip file is no Excel workbook. Use .xlsx or .csv."))
            if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
                raise ImportFileError(_("The workbook is too large once unpacked."))
            shared = next((p for p in parts if p.filename == "xl/sharedStrings.xml"), None)
            if shared is not None and shared.file_size > MAX_SHARED_STRINGS_BYTES:
                raise ImportFileError(_("The workbook holds too much text to import at once."))
        self.description = "Excel (.xlsx)"
        self.sheet_name = ""
        self.sheet_path = None
        self.other_sheets = []

    def _open(self, stream):
        try:
            workbook = load_workbook(stream, read_only=True, data_only=False)
        except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same
            raise ImportFileError(
                _("The file is damaged: it looks like an Excel workbook but cannot be opened.")
            ) from None
        if not workbook.worksheets:
            workbook.close()
            raise ImportFileError(_("The workbook has no sheet to import."))
        return workbook

    def header(self):
        with self.source.open() as stream:
            workbook = self._open(stream)
            try:
                sheets = workbook.worksheets
                self.sheet_name = sheets[0].title
                self.sheet_path = getattr(sheets[0], "_worksheet_path", None)
                self.other_sheets = [(s.title, _first_row(s)) for s in sheets[1:5]]
                return _first_row(sheets[0])
            except ImportFileError:
                raise
            except Exception:
                raise ImportFileError(
                    _("The first sheet of the workbook cannot be read.")
                ) from None
            finally:
                workbook.close()

    def rows(self):
        """(row number, values) for each row under the header."""
        with self.source.open() as stream:
            workbook = self._open(stream)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # a wrong <dimension> must not pad rows with blanks
                for number, cells in enumerate(sheet.iter_rows(min_row=2), 2):
                    yield number, [_xlsx_value(cell) for cell in cells]
            except ImportFileError:
                raise
            except Exception:
                raise ImportFileError(
                    _("The workbook is damaged: its first sheet cannot be read to the end.")
                ) from None
            finally:
                workbook.close()

    def merged_ranges(self, limit=20):
        """The merged ranges of the first sheet (e.g. "B3:B5"). Read-only mode does not
        expose them, so the sheet's XML is scanned for them, in chunks (after `header()`,
        which finds the sheet's part)."""
        pattern = re.compile(
            rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"'
        )
        found = {}
        if not self.sheet_path:
            return []
        try:
            with (
                self.source.open() as stream,
                zipfile.ZipFile(stream) as archive,
                archive.open(self.sheet_path) as part,
            ):
                tail = b""
                while chunk := part.read(1 << 20):
                    data = tail + chunk
                    for match in pattern.finditer(data):
                        found.setdefault(match.group(1).decode(), None)
                    if len(found) >= limit:
                        break
                    tail = data[-256:]
        except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
            return []
        return list(found)[:limit]


def _first_row(sheet):
    for row in sheet.iter_rows(min_row=1, max_row=1):
        return [_xlsx_value(cell) for cell in row]
    return []


def _xlsx_value(cell):
    value = cell.value
    if value is None:
        return None
    if cell.data_type == "f":
        return Formula(str(value))
    if cell.data_type == "e":
        return ErrorValue(str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = cell.number_format or ""
        if "%" in number_format:
            # Typed as "60%", Excel keeps 0.6 in a percentage cell.
            return f"{value * 100:g}%"
    return value


class CsvTable:
    """A CSV file, read line by line: UTF-8 (a BOM is skipped), the separator taken from the
    header line (`;` as Dutch Excel writes it, `,`, or tab; Excel's `sep=;` line is read)."""

    kind = "csv"
    separator_names = {";": ";", ",": ",", "\t": "tab"}

    def __init__(self, source, recognise):
        self.source = source
        with source.open() as stream:
            self._check_text(stream)
            stream.seek(0)
            head = stream.read(64 * 1024).decode("utf-8-sig", errors="replace")
        lines = head.splitlines()
        self.sep_line = (
            bool(lines) and re.fullmatch(r'"?sep=(.)"?,*;*', lines[0].strip()) is not None
        )
        if self.sep_line:
            self.delimiter = lines[0].strip().strip('"')[4]
        else:
            header_line = lines[0] if lines else ""
            self.delimiter = max(
                (";", ",", "\t"),
                key=lambda d: (
                    sum(
                        1 for h in next(csv.reader([header_line], delimiter=d), []) if recognise(h)
                    ),
                    header_line.count(d),
                ),
            )
        name = self.separator_names.get(self.delimiter, self.delimiter)
        self.description = _("CSV, separated by “%(separator)s”") % {"separator": name}

    @staticmethod
    def _check_text(stream):
        """The whole file, in chunks: no NUL, valid UTF-8 (the line of the first bad byte)."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        line = 1
        while True:
            chunk = stream.read(1 << 20)
            if b"\x00" in chunk:
                raise ImportFileError(
                    _(
                        "The file holds NUL characters: it is no text (CSV) file. Use the "
                        ".xlsx file, or save it as CSV UTF-8."
                    )
                )
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, max(exc.start, 0))
                raise ImportFileError(
                    _utf8_advice(_("Line %(line)s is not valid UTF-8 text.") % {"line": line})
                ) from None
            if not chunk:
                return
            line += chunk.count(b"\n")

    def _records(self):
        with self.source.open() as stream:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                if self.sep_line:
                    next(reader, None)
                yield from reader
            except UnicodeDecodeError:
                raise ImportFileError(
                    _utf8_advice(
                        _("Line %(line)s is not valid UTF-8 text.") % {"line": reader.line_num + 1}
                    )
                ) from None
            except csv.Error as exc:
                reason = str(exc)
                if "field larger than field limit" in reason:
                    reason = _("a cell holds more than %(size)s.") % {
                        "size": filesizeformat(csv.field_size_limit())
                    }
                raise ImportFileError(
                    _("Line %(line)s cannot be read: %(reason)s")
                    % {"line": reader.line_num, "reason": reason}
                ) from None
            finally:
                text.detach()

    def header(self):
        for record in self._records():
            return record
        return []

    def rows(self):
        records = self._records()
        next(records, None)
        for number, record in enumerate(records, 2):
            yield number, [value if value != "" else None for value in record]

    def merged_ranges(self):
        return []


# --- Reading cells -------------------------------------------------------------------------


class CellProblem(Exception):
    pass


def _text(value):
    """A cell as text: the export's `'` before formula-like text stripped, line ends as
    `\\n`, outer blanks dropped; a formula or an error value is refused."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellProblem(
            _("the cell holds a formula (%(formula)s); paste its value instead.")
            % {"formula": _short(value, 40)}
        )
    if isinstance(value, ErrorValue):
        raise CellProblem(_("the cell holds the error value %(value)s.") % {"value": value})
    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.startswith("'") and looks_like_formula(text[1:]):
        text = text[1:]
    return normal_text(text)


def normal_text(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _short(text, length=120):
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


INTEGER = re.compile(r"[+-]?\d+(?:[.,]0{1,2})?")


def _integer(value, *, minimum=None, maximum=None, percent=False):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = _text(value)
        if percent:
            text = text.removesuffix("%").strip()
        if not INTEGER.fullmatch(text):
            raise CellProblem(_("“%(value)s” is not a whole number.") % {"value": _short(text, 40)})
        value = int(re.split(r"[.,]", text)[0])
    if isinstance(value, bool) or not isinstance(value, int):
        _text(value)  # a formula or an error value says so
        raise CellProblem(_("“%(value)s” is not a whole number.") % {"value": _short(value, 40)})
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            raise CellProblem(
                _("%(value)s is less than %(minimum)s.") % {"value": value, "minimum": minimum}
            )
        raise CellProblem(
            _("%(value)s is not between %(minimum)s and %(maximum)s.")
            % {"value": value, "minimum": minimum, "maximum": maximum}
        )
    return value


ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
DUTCH_DATE = re.compile(r"(\d{1,2})[-.](\d{1,2})[-.](\d{4})")


def _date(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time | timedelta):
        raise CellProblem(_("the cell holds a time, not a date."))
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellProblem(
            _("%(value)s is a number, not a date; format the cell as a date.") % {"value": value}
        )
    text = _text(value)
    if not text:
        return None
    parts = None
    if match := ISO_DATE.fullmatch(text):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := DUTCH_DATE.fullmatch(text):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    if parts is not None:
        try:
            return date(*parts)
        except ValueError:
            pass
    raise CellProblem(
        _("“%(value)s” is not a date; write it as 31-12-2026 or 2026-12-31.")
        % {"value": _short(text, 40)}
    )


class _Lookup:
    """Objects by code (as written, or in other capitals), or by their exact name when only
    one object has it."""

    def __init__(self, objects, name_field):
        self.by_code, self.by_pk, folded, names = {}, {}, {}, {}
        for obj in objects:
            self.by_code[obj.code] = obj
            self.by_pk[obj.pk] = obj
            folded.setdefault(obj.code.casefold(), []).append(obj)
            names.setdefault(normal_text(str(getattr(obj, name_field))).casefold(), []).append(obj)
        self.folded = {k: v[0] for k, v in folded.items() if len(v) == 1}
        self.names = {k: v[0] for k, v in names.items() if len(v) == 1}

    def find(self, text):
        return (
            self.by_code.get(text)
            or self.folded.get(text.casefold())
            or self.names.get(text.casefold())
        )


# --- The import ----------------------------------------------------------------------------


def header_key(text):
    """A header as compared: case, spacing and a BOM do not matter."""
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


def header_aliases():
    """{header as compared: the column's field name, or None for a column that is ignored}:
    the API's JSON names and the admin export's headers in every language of the site."""
    aliases = {}
    for name in [*header_for(ActionSerializer()), "note"]:
        aliases[header_key(name)] = name if name in READ_COLUMNS else None
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in ACTION_SHEET.columns():
                key = column.name if column.name in READ_COLUMNS else None
                aliases.setdefault(header_key(column.header), key)
    return aliases


def field_label(name):
    if name == "note":
        return str(_("note"))
    return str(Action._meta.get_field(name).verbose_name)


@dataclass
class Column:
    index: int
    name: str  # the field it feeds
    header: str  # as written in the file

    @property
    def letter(self):
        return get_column_letter(self.index + 1)


class ActionImporter:
    """One import of one file, as one user (their scope). `run()` reads, checks and (unless a
    dry run, or a row is bad) saves; it returns an ImportReport and never raises for a bad
    file or row."""

    def __init__(self, user, *, progress=None, max_rows=None, too_many_rows_hint=""):
        self.user = user
        self.progress = progress
        self.max_rows = max_rows or MAX_ROWS
        self.too_many_rows_hint = too_many_rows_hint

    def run(self, source, *, dry_run=False, expect_digest=None):
        report = ImportReport(file_name=source.name, dry_run=dry_run)
        try:
            table = open_table(source, lambda text: header_key(text) in self.aliases)
            report.file_format = table.description
            columns = self._columns(table)
            total = self._scan(table)
        except ImportFileError as exc:
            report.file_problems = exc.problems or [Problem(None, "", "", exc.message)]
            return report
        try:
            with transaction.atomic():
                self._apply_rows(table, columns, total, report)
                report.digest = self._digest.hexdigest()
                if expect_digest is not None and report.ok and report.digest != expect_digest:
                    report.preview_changed = True
                report.committed = not dry_run and report.ok and not report.preview_changed
                if not report.committed:
                    transaction.set_rollback(True)
        except ImportFileError as exc:
            report.file_problems = exc.problems or [Problem(None, "", "", exc.message)]
            report.committed = False
        except OperationalError:
            # The people importing read the short message; the log keeps the real reason.
            logger.warning("Import rolled back: the database refused", exc_info=True)
            report.file_problems = [
                Problem(None, "", "", _("The database was busy; nothing was saved. Try again."))
            ]
            report.committed = False
        return report

    @property
    def aliases(self):
        if not hasattr(self, "_aliases"):
            self._aliases = header_aliases()
        return self._aliases

    # The header -----------------------------------------------------------------------

    def _columns(self, table):
        header = table.header()
        if not any(_cell_text(h) for h in header):
            raise ImportFileError(
                _(
                    "The file has no header: row 1 must hold the column names (id, title, …), "
                    "as the export writes them."
                )
            )
        columns, problems, seen, unknown = [], [], {}, False
        for index, raw in enumerate(header):
            text = _cell_text(raw)
            letter = get_column_letter(index + 1)
            if not text:
                continue
            key = header_key(text)
            if key not in self.aliases:
                problems.append(Problem(1, letter, text, _("unknown column.")))
                unknown = True
                continue
            name = self.aliases[key]
            if name is None:
                continue
            if name in seen:
                problems.append(
                    Problem(
                        1,
                        letter,
                        text,
                        _("the same column as %(letter)s “%(header)s”.")
                        % {"letter": seen[name].letter, "header": seen[name].header},
                    )
                )
                continue
            seen[name] = Column(index, name, text)
            columns.append(seen[name])
        if "id" not in seen:
            if getattr(table, "kind", "") == "xlsx" and not seen:
                raise ImportFileError(self._wrong_sheet_message(table))
            problems.insert(
                0,
                Problem(
                    1,
                    "",
                    "id",
                    _(
                        "the column id is missing. Without it every row would be a new "
                        "action; keep the id column of the export (empty for new actions)."
                    ),
                ),
            )
        if problems:
            if unknown:
                known = ", ".join(READ_COLUMNS)
                problems.append(
                    Problem(
                        None, "", "", _("Columns the import reads: %(names)s.") % {"names": known}
                    )
                )
            raise ImportFileError(problems[0].message, problems)
        self.named = {column.index for column in columns} | {
            index for index, raw in enumerate(header) if _cell_text(raw)
        }
        return {column.name: column for column in columns}

    def _wrong_sheet_message(self, table):
        for title, header in table.other_sheets:
            keys = {self.aliases.get(header_key(_cell_text(h))) for h in header}
            if "id" in keys:
                return _(
                    "The first sheet (“%(first)s”) is not the list of actions; that is sheet "
                    "“%(other)s”. Move it to the front, or save it on its own."
                ) % {"first": table.sheet_name, "other": title}
        return _(
            "The first sheet (“%(first)s”) is not a list of actions: row 1 holds none of "
            "the export's column names (id, title, …)."
        ) % {"first": table.sheet_name}

    # Pass 1: the file's shape, before any work ---------------------------------------

    def _scan(self, table):
        merged = table.merged_ranges()
        if merged:
            problems = []
            for ref in merged:
                first = ref.split(":")[0]
                letter = re.match(r"[A-Z]+", first)[0]
                row = int(first[len(letter) :])
                problems.append(
                    Problem(
                        row,
                        letter,
                        "",
                        _("merged cells (%(range)s); unmerge them so every row has its own values.")
                        % {"range": ref},
                    )
                )
            raise ImportFileError(problems[0].message, problems)
        count = 0
        for _number, values in table.rows():
            if _is_blank(values):
                continue
            count += 1
            if count > self.max_rows:
                message = _(
                    "The file has more than %(max)s rows; split it into files of at most "
                    "%(max)s rows."
                ) % {"max": formats.number_format(self.max_rows, force_grouping=True)}
                raise ImportFileError(" ".join(filter(None, [message, self.too_many_rows_hint])))
        if count == 0:
            raise ImportFileError(_("The file has a header but no rows under it."))
        return count

    # Pass 2: every row through the services, in one transaction ----------------------

    def _apply_rows(self, table, columns, total, report):
        self.columns = columns
        self._digest = hashlib.sha256()
        self._seen_ids = {}
        self.agreements = _Lookup(Agreement.objects.visible_to(self.user).order_by("code"), "title")
        self.parties = _Lookup(Party.objects.order_by("code"), "name")
        self.regions = _Lookup(Region.objects.order_by("code"), "name")
        self.statuses = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for status in ActionStatus:
                    self.statuses.setdefault(str(status.label).casefold(), status.value)
        for status in ActionStatus:
            self.statuses[status.value] = status.value
        rows = ((n, v) for n, v in table.rows() if not _is_blank(v))
        problems = 0
        while chunk := list(islice(rows, CHUNK_ROWS)):
            actions = self._fetch(chunk)
            for number, values in chunk:
                outcome = self._row(number, values, actions)
                report.rows_read += 1
                self._digest.update(
                    repr((number, outcome.kind, outcome.changes, outcome.note)).encode()
                )
                if outcome.kind == UNCHANGED:
                    report.unchanged += 1
                else:
                    report.outcomes.append(outcome)
                if outcome.kind == CHANGED:
                    report.field_counts.update(outcome.changed_fields)
                problems += len(outcome.problems)
                if problems >= MAX_PROBLEMS:
                    report.stopped_early = True
                    return
                if self.progress is not None and report.rows_read % 50 == 0:
                    self.progress(report.rows_read, total)
        if self.progress is not None:
            self.progress(report.rows_read, total)

    def _fetch(self, chunk):
        """The chunk's actions, as the user may see them (a draft they cannot see is as good
        as absent), with what the comparison needs."""
        id_column = self.columns["id"]
        ids = set()
        for _number, values in chunk:
            try:
                action_id = _integer(_at(values, id_column.index), minimum=1)
            except CellProblem:
                continue
            if action_id is not None:
                ids.add(action_id)
        found = (
            Action.objects.visible_to(self.user)
            .filter(pk__in=ids)
            .select_related("agreement", "owner", "region")
            .prefetch_related("contributors")
        )
        return {action.pk: action for action in found}

    def _row(self, number, values, actions):
        problems = []
        for index, value in enumerate(values):
            if index not in self.named and value not in (None, "") and _cell_text(value):
                problems.append(
                    Problem(
                        number,
                        get_column_letter(index + 1),
                        "",
                        _("a value in a column without a header."),
                    )
                )
        parsed = {}
        for name, column in self.columns.items():
            try:
                parsed[name] = self._parse(name, _at(values, column.index))
            except CellProblem as exc:
                problems.append(Problem(number, column.letter, column.header, str(exc)))
        if problems:
            action = actions.get(parsed.get("id"))
            described = _describe(action) if action is not None else ""
            return RowOutcome(number, ERROR, parsed.get("id"), described, problems=problems)
        action_id = parsed["id"]
        if action_id is None:
            return self._create(number, parsed)
        if action_id in self._seen_ids:
            return self._refuse(
                number,
                "id",
                _("action %(id)s is in row %(other)s as well.")
                % {"id": action_id, "other": self._seen_ids[action_id]},
                action_id,
            )
        self._seen_ids[action_id] = number
        action = actions.get(action_id)
        if action is None:
            return self._refuse(
                number, "id", _("there is no action with id %(id)s.") % {"id": action_id}, action_id
            )
        return self._update(number, parsed, action)

    def _parse(self, name, value):
        if name in KEY_COLUMNS:
            return _integer(value, minimum=1)
        if name == "progress":
            return _integer(value, minimum=0, maximum=100, percent=True)
        if name in ("start_date", "due_date"):
            return _date(value)
        if name in ("agreement", "owner", "region"):
            text = _text(value)
            if not text:
                return None
            lookup = {"agreement": self.agreements, "owner": self.parties, "region": self.regions}
            found = lookup[name].find(text)
            if found is None:
                raise CellProblem(self._unknown(name, [text]))
            return found
        if name == "contributors":
            codes = [c.strip() for c in re.split(r"[,;\n]", _text(value)) if c.strip()]
            found = {code: self.parties.find(code) for code in codes}
            unknown = [code for code, party in found.items() if party is None]
            if unknown:
                raise CellProblem(self._unknown(name, unknown))
            return sorted(set(found.values()), key=lambda party: party.code)
        if name == "status":
            text = _text(value)
            if not text:
                return ""
            status = self.statuses.get(text.casefold())
            if status is None:
                allowed = ", ".join(f"{s.value} ({s.label})" for s in ActionStatus)
                raise CellProblem(
                    _("unknown status “%(value)s”; use one of: %(allowed)s.")
                    % {"value": _short(text, 40), "allowed": allowed}
                )
            return status
        if name == "code":
            return _text(value) or None
        return _text(value)

    def _unknown(self, name, codes):
        what = {
            "agreement": _("Unknown agreement: %(codes)s."),
            "owner": _("Unknown party: %(codes)s."),
            "contributors": _("Unknown party: %(codes)s."),
            "region": _("Unknown region: %(codes)s."),
        }[name]
        return what % {"codes": ", ".join(f"“{_short(code, 40)}”" for code in codes[:10])}

    def _create(self, number, parsed):
        # An empty cell of a field that cannot be empty: the model's default (progress 0),
        # or, without one, the service names it missing (agreement, owner).
        fields = {
            name: parsed[name]
            for name in EDITABLE_FIELDS
            if name in parsed and (parsed[name] is not None or Action._meta.get_field(name).null)
        }
        try:
            # The service's own transaction is a savepoint here: a refusal undoes its work.
            action = action_create(
                user=self.user,
                contributors=parsed.get("contributors", []),
                status=parsed.get("status") or None,
                **fields,
            )
        except (ValidationError, OutOfScope, StaleVersionError, IntegrityError) as exc:
            return self._refused(number, exc, None)
        changes = [
            (field_label(name), "", _display(name, value))
            for name, value in (*fields.items(), ("contributors", parsed.get("contributors")))
            if value not in (None, "", [])
        ]
        return RowOutcome(number, NEW, action.pk, _describe(action), changes)

    def _update(self, number, parsed, action):
        before = _state(action, {p.pk for p in action.contributors.all()})
        differs = [
            name
            for name in CHANGEABLE
            if name in parsed and _comparable(name, parsed[name]) != before[name]
        ]
        status = parsed.get("status")
        moves = status is not None and status != action.status
        if not differs and not moves:
            return RowOutcome(number, UNCHANGED, action.pk, _describe(action))
        expected = parsed.get("version")
        if "version" in self.columns and expected is None:
            return self._refuse(
                number, "version", _("the version is missing; keep the export's value."), action
            )
        note = parsed.get("note", "")
        try:
            if set(differs) <= {"progress"} and not moves and not may_change(self.user, action):
                # A contributor may add progress, as a progress update; the service says
                # whether this user may.
                saved = action_add_update(
                    action=action,
                    user=self.user,
                    progress=parsed["progress"],
                    note=note,
                    expected_version=expected,
                ).action
            else:
                saved = action_update(
                    action=action,
                    user=self.user,
                    expected_version=expected,
                    contributors=parsed["contributors"] if "contributors" in differs else None,
                    status=status if moves else None,
                    note=note,
                    **{name: parsed[name] for name in differs if name != "contributors"},
                )
        except (ValidationError, OutOfScope, StaleVersionError, IntegrityError) as exc:
            return self._refused(number, exc, action, differs)
        contributors = (
            {p.pk for p in parsed["contributors"]}
            if "contributors" in differs
            else before["contributors"]
        )
        after = _state(saved, contributors)
        changes = [
            (field_label(name), self._shown(name, before[name]), self._shown(name, after[name]))
            for name in (*CHANGEABLE, "status", "completed_on")
            if before[name] != after[name]
        ]
        kind = CHANGED if changes else UNCHANGED
        shown_note = _short(note) if moves and note else ""
        return RowOutcome(number, kind, action.pk, _describe(action), changes, note=shown_note)

    def _shown(self, name, value):
        """A compared value as people read it (objects by their name and code)."""
        lookups = {"agreement": self.agreements, "owner": self.parties, "region": self.regions}
        if name in lookups and value is not None:
            obj = lookups[name].by_pk.get(value)
            if obj is None and name == "agreement":
                obj = Agreement.objects.filter(pk=value).first()
            return _display(name, obj)
        if name == "contributors":
            return _display(
                name, [self.parties.by_pk[pk] for pk in value if pk in self.parties.by_pk]
            )
        return _display(name, value)

    def _refuse(self, number, name, message, action=None):
        """A refused row: the problem at the column of field `name`. `action`: the action
        (or the id) that the row names."""
        column = self.columns.get(name)
        problem = Problem(
            number,
            column.letter if column else "",
            column.header if column else field_label(name),
            message,
        )
        if isinstance(action, Action):
            return RowOutcome(number, ERROR, action.pk, _describe(action), problems=[problem])
        return RowOutcome(number, ERROR, action, problems=[problem])

    def _refused(self, number, exc, action, differs=()):
        """A service's refusal as problems at the columns it names."""
        if isinstance(exc, StaleVersionError):
            return self._refuse(number, "version", _stale_message(exc.instance), action)
        if isinstance(exc, OutOfScope):
            message = exc.message
            if differs:
                message = f"{message} " + _("(changed: %(fields)s)") % {
                    "fields": ", ".join(field_label(n) for n in differs)
                }
            name = exc.field or ("id" if action is not None else "owner")
            return self._refuse(number, name, message, action)
        if isinstance(exc, IntegrityError):
            return self._refuse(
                number,
                "id",
                _("the database refuses this row (a duplicate or invalid value)."),
                action,
            )
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        # A refusal of the whole row (a check constraint names no field) belongs at the one
        # column the row changes, when it changes one.
        whole_row = differs[0] if len(differs) == 1 else None
        problems = []
        for name, messages in errors.items():
            if name in (None, "__all__"):
                name = whole_row
            column = self.columns.get(name) if name else None
            if column is not None:
                where, header = column.letter, column.header
            elif name and name != "__all__":
                where, header = "", self._missing_header(name)
            else:
                where, header = "", ""
            problems.extend(Problem(number, where, header, m) for m in messages)
        if action is None:
            return RowOutcome(number, ERROR, problems=problems)
        return RowOutcome(number, ERROR, action.pk, _describe(action), problems=problems)

    def _missing_header(self, name):
        try:
            label = field_label(name)
        except Exception:  # a name of the service's own
            label = name
        return _("%(column)s (not in the file)") % {"column": label}


def _cell_text(value):
    if value is None:
        return ""
    return normal_text(str(value)).replace("\ufeff", "")


def _at(values, index):
    return values[index] if index < len(values) else None


def _is_blank(values):
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _comparable(name, value):
    """A parsed value as it compares with a stored one (see `_state`)."""
    if name in ("agreement", "owner", "region"):
        return value.pk if value is not None else None
    if name == "contributors":
        return frozenset(party.pk for party in value)
    if name == "code":
        return normal_text(value) or None
    if name in ("title", "description", "result", "source"):
        return normal_text(value)
    return value


def _state(action, contributor_ids):
    """What an import compares and reports, of a stored action: references by key, texts as
    `normal_text` gives them."""
    return {
        "agreement": action.agreement_id,
        "code": normal_text(action.code) or None,
        "title": normal_text(action.title),
        "description": normal_text(action.description),
        "owner": action.owner_id,
        "contributors": frozenset(contributor_ids),
        "region": action.region_id,
        "status": action.status,
        "progress": action.progress,
        "start_date": action.start_date,
        "due_date": action.due_date,
        "completed_on": action.completed_on,
        "result": normal_text(action.result),
        "source": normal_text(action.source),
    }


def _display(name, value):
    if value is None or value == "" or value == []:
        return "—"
    if name == "status":
        return str(ActionStatus(value).label)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return _short(value)


def _describe(action):
    return _short(f"{action.code} – {action.title}" if action.code else action.title, 80)


def _stale_message(instance):
    last = instance.history.select_related("history_user").first()
    when = (
        formats.date_format(timezone.localtime(last.history_date), "SHORT_DATETIME_FORMAT")
        if last
        else "?"
    )
    return _(
        "the action changed after your export (by %(user)s, %(when)s; now version "
        "%(version)s). Export again and redo your change, or remove this row."
    ) % {
        "user": (last.history_user if last and last.history_user else "?"),
        "when": when,
        "version": instance.version,
    }
