"""Reading spreadsheets people send: an `.xlsx` (its first sheet) or a `.csv` (UTF-8 with or
without BOM, else Windows-1252; `;`, `,` or tab), recognised by what the file is, not by its
name, and cells read as text, whole numbers or dates with a message people understand when
they are not.

Reading is streamed (CSV line by line, XLSX in openpyxl's read-only mode) and sizes are
capped (bytes, unpacked XLSX parts), so memory stays bounded whatever the file. An XLSX's
limits are checked while its XML is streamed, before openpyxl reads it (`XmlScan`): the
shared strings (count, characters, elements; no DTD or entities) before the workbook is
opened, the first sheet (rows, cells, the size its row and column numbers expand to) before
its rows are read; and the whole reading has a time budget. Each refusal comes as soon as a
limit is crossed, not after reading everything."""

import codecs
import csv
import io
import re
import time as clock
import zipfile
import zlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from config.spreadsheets.writing import looks_like_formula

# Limits; a deployment may set them in its settings.
MAX_BYTES = getattr(settings, "ACTION_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# An .xlsx is a zip: its parts unpacked may not exceed this (a "zip bomb" is refused before
# it is opened; 20,000 exported rows unpack to about 35 MB). openpyxl keeps the
# shared-strings part in memory, so it has its own cap.
MAX_UNPACKED_BYTES = getattr(settings, "ACTION_IMPORT_MAX_UNPACKED_BYTES", 150 * 1024 * 1024)
MAX_SHARED_STRINGS_BYTES = getattr(settings, "ACTION_IMPORT_MAX_SHARED_STRINGS", 64 * 1024 * 1024)
# Shared strings are read while streaming, and refused past these (an export of 20,000 rows
# has about 60,000 strings).
MAX_SHARED_STRINGS_COUNT = getattr(settings, "ACTION_IMPORT_MAX_SHARED_STRINGS_COUNT", 500_000)
MAX_SHARED_STRINGS_CHARS = getattr(settings, "ACTION_IMPORT_MAX_SHARED_STRINGS_CHARS", 30_000_000)
# The first sheet: cells written, and the cells its highest row and column span (openpyxl
# yields every row up to the highest number, blank or not). 20,000 rows of the export's 20
# columns are 400,000.
MAX_CELLS = getattr(settings, "ACTION_IMPORT_MAX_CELLS", 1_500_000)
# Seconds that reading a file may take, all passes together.
READ_SECONDS = getattr(settings, "ACTION_IMPORT_READ_SECONDS", 120)
# What Dutch Excel writes as plain "CSV": the Windows code page, when a file is not UTF-8.
WINDOWS_1252 = "cp1252"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a spreadsheet, too large, no header…)."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


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


class ReadBudget:
    """The time that reading a file may take, from its opening."""

    def __init__(self, seconds=None):
        self.seconds = READ_SECONDS if seconds is None else seconds
        self.deadline = clock.monotonic() + self.seconds

    def check(self):
        if clock.monotonic() > self.deadline:
            raise ImportFileError(
                _(
                    "Reading the file takes too long (more than %(seconds)s seconds); nothing "
                    "was saved. Split it into smaller files, or save it again in Excel."
                )
                % {"seconds": self.seconds}
            )


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
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
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
            self.budget = ReadBudget()
            if shared is not None:
                _scan_part(archive, shared.filename, SharedStringsScan(), self.budget)
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
                self._cells = _CellTypes(workbook)
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

    def count_rows(self, max_rows, too_many):
        """The rows under the header that hold a value, from a stream of the first sheet's
        XML (after `header()`), refused as soon as a limit is crossed: more than `max_rows`
        (`too_many()` gives the message), more cells than MAX_CELLS written or spanned by the
        highest row and column numbers, or the time budget."""
        if not self.sheet_path:
            return None
        scan = SheetScan(max_rows, too_many)
        with self.source.open() as stream:
            try:
                archive = zipfile.ZipFile(stream)
            except (zipfile.BadZipFile, OSError, ValueError):
                return None
            _scan_part(archive, self.sheet_path, scan, self.budget)
        # Without formulas (which openpyxl translates), the rows are streamed from the XML
        # directly (`SheetRows`), several times as fast as openpyxl and with the same values.
        self.plain = not scan.formulas and getattr(self, "_cells", None) is not None
        return scan.rows

    def rows(self):
        """(row number, values) for each row under the header."""
        if getattr(self, "plain", False):
            yield from self._plain_rows()
            return
        with self.source.open() as stream:
            workbook = self._open(stream)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # a wrong <dimension> must not pad rows with blanks
                for number, cells in enumerate(sheet.iter_rows(min_row=2), 2):
                    if number % 1000 == 0:
                        self.budget.check()
                    yield number, [_xlsx_value(cell) for cell in cells]
            except ImportFileError:
                raise
            except Exception:
                raise ImportFileError(
                    _("The workbook is damaged: its first sheet cannot be read to the end.")
                ) from None
            finally:
                workbook.close()

    def _plain_rows(self):
        reader = SheetRows(self._cells)
        with self.source.open() as stream, zipfile.ZipFile(stream) as archive:
            parser = reader.parser()
            try:
                with archive.open(self.sheet_path) as part:
                    while chunk := part.read(64 * 1024):
                        parser.Parse(chunk, False)
                        self.budget.check()
                        yield from reader.take()
                    parser.Parse(b"", True)
            except (expat.ExpatError, KeyError, ValueError, IndexError, OverflowError):
                raise ImportFileError(
                    _("The workbook is damaged: its first sheet cannot be read to the end.")
                ) from None
            yield from reader.take()

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
        # A damaged part (a flipped byte can read as an unknown zip version or compression:
        # NotImplementedError) is openpyxl's to report, as it reads the rows.
        except (KeyError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError):
            return []
        return list(found)[:limit]


# --- Streaming an XLSX part's XML, with limits ---------------------------------------------


def _refuse_dtd(*_args):
    raise ImportFileError(
        _("The workbook holds XML declarations (a DTD) that Excel never writes; it is refused.")
    )


def _scan_part(archive, name, scan, budget):
    """Feed a part of the archive to `scan` (its handlers raise ImportFileError at a limit),
    in small chunks, with no DTD and no entities allowed."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    if hasattr(scan, "text"):
        parser.CharacterDataHandler = scan.text
    parser.buffer_text = True
    try:
        with archive.open(name) as part:
            while chunk := part.read(64 * 1024):
                parser.Parse(chunk, False)
                budget.check()
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise ImportFileError(
            _("The workbook is damaged: its part %(part)s is no valid XML.") % {"part": name}
        ) from None
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError):
        raise ImportFileError(
            _("The file is damaged: it looks like an Excel workbook but cannot be opened.")
        ) from None


_LOCAL_NAMES = {}


def _local(name):
    """An element's name without its prefix (`x:row` → `row`), from a small cache."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rpartition(":")[2]
        if len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[name] = local
    return local


def _count(number):
    from django.utils import formats

    return formats.number_format(number, force_grouping=True)


class SharedStringsScan:
    """Counts the shared strings, their characters and their elements (rich text runs,
    phonetic hints) while streaming, and refuses past the limits."""

    def __init__(self):
        self.strings = self.chars = self.elements = 0

    def start(self, name, _attributes):
        self.elements += 1
        if _local(name) == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS_COUNT:
                self._refuse()
        if self.elements > 4 * MAX_SHARED_STRINGS_COUNT + 10:
            self._refuse()

    def end(self, _name):
        pass

    def text(self, data):
        self.chars += len(data)
        if self.chars > MAX_SHARED_STRINGS_CHARS:
            self._refuse()

    def _refuse(self):
        raise ImportFileError(
            _(
                "The workbook holds too much text to import at once (more than %(count)s texts "
                "or %(chars)s characters); nothing was saved. Split it into smaller files."
            )
            % {"count": _count(MAX_SHARED_STRINGS_COUNT), "chars": _count(MAX_SHARED_STRINGS_CHARS)}
        )


CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)?")


class _CellTypes:
    """What the cells' style ids mean (dates, percentages) and the shared strings, taken from
    the workbook openpyxl opened, so that `SheetRows` reads values as openpyxl does."""

    def __init__(self, workbook):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        self.strings = workbook.shared_strings
        self.epoch = workbook.epoch
        self.dates = set(workbook._date_formats)
        self.timedeltas = set(workbook._timedelta_formats)
        self.percents = set()
        for style_id, style in enumerate(workbook._cell_styles):
            number_format_id = style.numFmtId
            if number_format_id < BUILTIN_FORMATS_MAX_SIZE:
                number_format = BUILTIN_FORMATS.get(number_format_id, "General")
            else:
                number_format = workbook._number_formats[
                    number_format_id - BUILTIN_FORMATS_MAX_SIZE
                ]
            if "%" in (number_format or ""):
                self.percents.add(style_id)


class SheetRows:
    """A sheet without formulas, streamed with expat: (row number, values) from row 2 on, as
    openpyxl's read-only mode gives them (blank rows for missing row numbers, a row as wide
    as its last cell) and `_xlsx_value` converts them."""

    def __init__(self, types):
        self.types = types
        self.ready = []
        self.row = 0
        self.values = None
        self.cell = None
        self.text = None
        self.phonetic = 0

    def parser(self):
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        parser.buffer_text = True
        return parser

    def take(self):
        ready, self.ready = self.ready, []
        return ready

    def start(self, name, attributes):
        name = _local(name)
        if name == "c":
            self.cell = [attributes.get("t", "n"), attributes.get("r"), attributes.get("s")]
            self.text = None
        elif name == "row":
            number = attributes.get("r")
            number = int(number) if number and number.isdigit() else self.row + 1
            for blank in range(max(self.row + 1, 2), number):
                self.ready.append((blank, []))
            self.row, self.values = number, []
        elif name in ("v", "t") and self.cell is not None and not self.phonetic:
            self.text = "" if self.text is None else self.text
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text):
        if self.text is not None and not self.phonetic:
            self.text += text

    def end(self, name):
        name = _local(name)
        if name == "c" and self.cell is not None:
            self._cell()
        elif name == "row" and self.values is not None:
            if self.row >= 2:
                self.ready.append((self.row, self.values))
            self.values = None
        elif name == "rPh":
            self.phonetic -= 1

    def _cell(self):
        kind, reference, style = self.cell
        self.cell = None
        column = len(self.values) + 1
        if reference:
            match = CELL_REF.match(reference)
            if match:
                column = 0
                for letter in match[1].upper():
                    column = column * 26 + ord(letter) - 64
        while len(self.values) < column - 1:
            self.values.append(None)
        self.values.append(self._value(kind, self.text or None, int(style) if style else 0))

    def _value(self, kind, text, style):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        if text is None:
            return None
        if kind == "inlineStr" or kind == "str":
            return text
        if kind == "s":
            return self.types.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "e":
            return ErrorValue(text)
        if kind == "d":
            return from_ISO8601(text)
        value = float(text) if any(c in text for c in ".Ee") else int(text)
        if style in self.types.dates:
            try:
                return from_excel(value, self.types.epoch, timedelta=style in self.types.timedeltas)
            except (OverflowError, ValueError):
                return ErrorValue("#VALUE!")
        if style in self.types.percents:
            return f"{value * 100:g}%"
        return value


class SheetScan:
    """The first sheet's rows, cells and the range they span, counted while streaming."""

    def __init__(self, max_rows, too_many):
        self.formulas = False
        self.max_rows, self.too_many = max_rows, too_many
        self.rows = 0  # rows under the header that hold a value
        self.row = 0  # the current row's number
        self.cells = self.highest_column = 0
        self.has_value = False

    def start(self, name, attributes):
        name = _local(name)
        if name == "row":
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.has_value = False
            self._check_span()
        elif name == "c":
            self.cells += 1
            match = CELL_REF.match(attributes.get("r", ""))
            column = 1
            if match:
                column = 0
                for letter in match[1].upper():
                    column = column * 26 + ord(letter) - 64
            if self.cells > MAX_CELLS:
                self._refuse_cells()
            if column > self.highest_column:
                self.highest_column = column
                self._check_span()
        elif name in ("v", "is"):
            self.has_value = True
        elif name == "f":
            self.formulas = True

    def end(self, name):
        if _local(name) == "row" and self.has_value and self.row > 1:
            self.rows += 1
            if self.rows > self.max_rows:
                raise ImportFileError(self.too_many())

    def _check_span(self):
        if self.row * max(self.highest_column, 1) > MAX_CELLS:
            self._refuse_cells()

    def _refuse_cells(self):
        raise ImportFileError(
            _(
                "The first sheet reaches row %(row)s and column %(column)s: more than "
                "%(max)s cells once its blank rows and columns are counted; nothing was saved. "
                "Copy only the rows and columns of the actions into a new workbook."
            )
            % {
                "row": _count(self.row),
                "column": _count(max(self.highest_column, 1)),
                "max": _count(MAX_CELLS),
            }
        )


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


def _undecodable(line):
    return ImportFileError(
        _utf8_advice(_("Line %(line)s is neither UTF-8 nor Windows-1252 text.") % {"line": line})
    )


class CsvTable:
    """A CSV file, read line by line: UTF-8 (a BOM is skipped) or, when it is not valid UTF-8,
    Windows-1252 (what Dutch Excel's plain "CSV (gescheiden door lijstscheidingsteken)"
    writes); the separator taken from the header line (`;` as Dutch Excel writes it, `,`, or
    tab; Excel's `sep=;` line is read)."""

    kind = "csv"
    separator_names = {";": ";", ",": ",", "\t": "tab"}

    def __init__(self, source, recognise):
        self.source = source
        self.budget = ReadBudget()
        with source.open() as stream:
            self.encoding = self._encoding(stream)
            stream.seek(0)
            head = stream.read(64 * 1024).decode(self.encoding, errors="replace")
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
        if self.encoding == WINDOWS_1252:
            self.description = _("CSV in Windows-1252, separated by “%(separator)s”") % {
                "separator": name
            }
        else:
            self.description = _("CSV, separated by “%(separator)s”") % {"separator": name}

    @classmethod
    def _encoding(cls, stream):
        """The file's encoding: UTF-8 when the whole file is valid UTF-8, else Windows-1252
        when it is that (the line of the first byte that is neither is refused). No NUL."""
        if cls._decodes(stream, "utf-8") is None:
            return "utf-8-sig"
        stream.seek(0)
        line = cls._decodes(stream, WINDOWS_1252)
        if line is None:
            return WINDOWS_1252
        raise _undecodable(line)

    @staticmethod
    def _decodes(stream, encoding):
        """None when the whole stream decodes, else the line of the first bad byte."""
        decoder = codecs.getincrementaldecoder(encoding)()
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
                return line + chunk.count(b"\n", 0, max(exc.start, 0))
            if not chunk:
                return None
            line += chunk.count(b"\n")

    def _records(self):
        with self.source.open() as stream:
            text = io.TextIOWrapper(stream, encoding=self.encoding, errors="strict", newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                if self.sep_line:
                    next(reader, None)
                yield from reader
            except UnicodeDecodeError:  # the file changed since its encoding was found
                raise _undecodable(reader.line_num + 1) from None
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
            if number % 1000 == 0:
                self.budget.check()
            yield number, [value if value != "" else None for value in record]

    def merged_ranges(self):
        return []


# --- Reading cells -------------------------------------------------------------------------


class CellProblem(Exception):
    pass


def cell_text(value):
    """A cell as text: the export's `'` before formula-like text stripped, line ends as
    `\\n`, outer blanks dropped; a formula or an error value is refused."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellProblem(
            _("the cell holds a formula (%(formula)s); paste its value instead.")
            % {"formula": shortened(value, 40)}
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


def shortened(text, length=120):
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


INTEGER = re.compile(r"[+-]?\d+(?:[.,]0{1,2})?")


def cell_integer(value, *, minimum=None, maximum=None, percent=False):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = cell_text(value)
        if percent:
            text = text.removesuffix("%").strip()
        if not INTEGER.fullmatch(text):
            raise CellProblem(
                _("“%(value)s” is not a whole number.") % {"value": shortened(text, 40)}
            )
        value = int(re.split(r"[.,]", text)[0])
    if isinstance(value, bool) or not isinstance(value, int):
        cell_text(value)  # a formula or an error value says so
        raise CellProblem(_("“%(value)s” is not a whole number.") % {"value": shortened(value, 40)})
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


def cell_date(value):
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
    text = cell_text(value)
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
        % {"value": shortened(text, 40)}
    )
