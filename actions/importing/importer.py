"""Action lists back from spreadsheets: read a `.xlsx` or `.csv` file, check every row, and
apply it through the services (DESIGN.md, "Spreadsheets").

The file is what the export gives: headers in row 1, either the API's JSON field names or
the admin export's headers (in any of the site's languages; the label columns beside the
codes are ignored); `.xlsx` (its first sheet) or `.csv` (UTF-8 with or without BOM, or
Windows-1252; `;`, `,` or tab). A row with an `id` updates that action, a row without one
creates one. Absent columns are left alone; read-only columns (`overdue`, `theme`,
timestamps, labels) are ignored; any other column is an error naming it. A row left as
exported of an action the user may not change is skipped (and counted).

Every row goes through the very services that the admin and the API call, with the
importing user's scope: `action_create`, `action_update` (with `expected_version` from the
row's `version`, the status through the status rules, the `note` column as the move's note),
or — for a contributor who only changes progress — `action_add_update`. All rows run inside
one transaction; a dry run, or any bad row, rolls the whole transaction back. So nothing is
committed unless every row passed the same checks that write it, and a dry run does exactly
the work of a real import. Every bad row is reported with its row number, column and reason.

Reading is streamed (CSV line by line, XLSX in openpyxl's read-only mode) and sizes are
capped (bytes, rows, unpacked XLSX parts), so memory stays bounded whatever the file."""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from actions.api.serializers import ActionSerializer
from actions.choices import ActionStatus
from actions.importing.report import (
    CHANGED,
    ERROR,
    MAX_PROBLEMS,
    NEW,
    SKIPPED,
    UNCHANGED,
    ImportReport,
    Problem,
    RowOutcome,
)
from actions.models import Action
from actions.services import (
    EDITABLE_FIELDS,
    ActionChange,
    ActionCreation,
    action_add_update,
    action_create_many,
    action_update_many,
)
from actions.sheet import ACTION_SHEET, CHANGEABLE, KEY_COLUMNS, READ_COLUMNS, field_label
from agenda.models import Agreement, Party
from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError
from config.refusals import WHOLE_RECORD, last_change, refusal_errors
from config.spreadsheets.reading import (
    CellProblem,
    ImportFileError,
    cell_date,
    cell_integer,
    cell_text,
    normal_text,
    open_table,
    shortened,
)
from config.spreadsheets.writing import header_for
from regions.models import Region

logger = logging.getLogger(__name__)

# Limits; a deployment may set them in its settings. 20,000 rows is many times the whole
# agenda (25 actions at the 2016 review; a province's list has dozens to hundreds).
MAX_BYTES = getattr(settings, "ACTION_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "ACTION_IMPORT_MAX_ROWS", 20_000)
# In the admin the preview and the import run as background jobs (actions/import_jobs.py), at
# under a millisecond a row (make bench-imports): the same limit as the command line, unless a
# deployment sets a lower one.
ADMIN_MAX_ROWS = getattr(settings, "ACTION_IMPORT_ADMIN_MAX_ROWS", MAX_ROWS)
CHUNK_ROWS = 200


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
                # The headers people see in the export (in their language), not field names.
                known = ", ".join(
                    c.header for c in ACTION_SHEET.columns() if c.name in READ_COLUMNS
                )
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
        counted = None
        if hasattr(table, "count_rows"):
            # Streamed with its limits before openpyxl reads a row.
            counted = table.count_rows(self.max_rows, self._too_many_rows)
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
        if counted is not None:
            count = counted
        else:
            count = 0
            for _number, values in table.rows():
                if _is_blank(values):
                    continue
                count += 1
                if count > self.max_rows:
                    raise ImportFileError(self._too_many_rows())
        if count == 0:
            raise ImportFileError(_("The file has a header but no rows under it."))
        return count

    def _too_many_rows(self):
        message = _(
            "The file has more than %(max)s rows; split it into files of at most %(max)s rows."
        ) % {"max": formats.number_format(self.max_rows, force_grouping=True)}
        return " ".join(filter(None, [message, self.too_many_rows_hint]))

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
            self._pending, self._pending_new = [], []
            outcomes = [self._row(number, values, actions) for number, values in chunk]
            self._apply_pending(outcomes)
            for outcome in outcomes:
                number = outcome.row
                report.rows_read += 1
                self._digest.update(
                    repr((number, outcome.kind, outcome.changes, outcome.note)).encode()
                )
                if outcome.kind == UNCHANGED:
                    report.unchanged += 1
                elif outcome.kind == SKIPPED:
                    report.skipped += 1
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
                action_id = cell_integer(_at(values, id_column.index), minimum=1)
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
        # Which of them the user may change: an unchanged row of another's action is skipped.
        self.editable_ids = set(
            Action.objects.editable_by(self.user).filter(pk__in=ids).values_list("pk", flat=True)
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
        """The cell's value as the service takes it, or CellProblem saying what is wrong."""
        if name in KEY_COLUMNS:
            return cell_integer(value, minimum=1)
        if name == "progress":
            return cell_integer(value, minimum=0, maximum=100, percent=True)
        if name in ("start_date", "due_date"):
            return cell_date(value)
        if name in ("agreement", "owner", "region"):
            return self._parse_reference(name, value)
        if name == "contributors":
            return self._parse_contributors(value)
        if name == "status":
            return self._parse_status(value)
        if name == "code":
            return cell_text(value) or None
        return cell_text(value)

    def _parse_reference(self, name, value):
        text = cell_text(value)
        if not text:
            return None
        lookup = {"agreement": self.agreements, "owner": self.parties, "region": self.regions}
        found = lookup[name].find(text)
        if found is None:
            raise CellProblem(self._unknown(name, [text]))
        return found

    def _parse_contributors(self, value):
        codes = [c.strip() for c in re.split(r"[,;\n]", cell_text(value)) if c.strip()]
        found = {code: self.parties.find(code) for code in codes}
        unknown = [code for code, party in found.items() if party is None]
        if unknown:
            raise CellProblem(self._unknown("contributors", unknown))
        return sorted(set(found.values()), key=lambda party: party.code)

    def _parse_status(self, value):
        text = cell_text(value)
        if not text:
            return ""
        status = self.statuses.get(text.casefold())
        if status is None:
            allowed = ", ".join(f"{s.value} ({s.label})" for s in ActionStatus)
            raise CellProblem(
                _("unknown status “%(value)s”; use one of: %(allowed)s.")
                % {"value": shortened(text, 40), "allowed": allowed}
            )
        return status

    def _unknown(self, name, codes):
        what = {
            "agreement": _("Unknown agreement: %(codes)s."),
            "owner": _("Unknown party: %(codes)s."),
            "contributors": _("Unknown party: %(codes)s."),
            "region": _("Unknown region: %(codes)s."),
        }[name]
        return what % {"codes": ", ".join(f"“{shortened(code, 40)}”" for code in codes[:10])}

    def _create(self, number, parsed):
        # An empty cell of a field that cannot be empty: the model's default (progress 0),
        # or, without one, the service names it missing (agreement, owner).
        fields = {
            name: parsed[name]
            for name in EDITABLE_FIELDS
            if name in parsed and (parsed[name] is not None or Action._meta.get_field(name).null)
        }
        creation = ActionCreation(
            fields=fields,
            contributors=parsed.get("contributors", []),
            status=parsed.get("status") or None,
        )
        pending = _PendingNew(number, creation)
        self._pending_new.append(pending)
        return pending

    def _created(self, number, creation, action):
        changes = [
            (field_label(name), "", _display(name, value))
            for name, value in (*creation.fields.items(), ("contributors", creation.contributors))
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
            # A row of an action the user may not change, left as exported: not theirs to
            # import, and no reason to refuse the file.
            kind = UNCHANGED if action.pk in self.editable_ids else SKIPPED
            return RowOutcome(number, kind, action.pk, _describe(action))
        expected = parsed.get("version")
        if "version" in self.columns and expected is None:
            return self._refuse(
                number, "version", _("the version is missing; keep the export's value."), action
            )
        note = parsed.get("note", "")
        refused_at = [*differs, *(["status"] if moves else [])]
        if set(differs) <= {"progress"} and not moves and action.pk not in self.editable_ids:
            # A contributor may add progress, as a progress update; the service says
            # whether this user may.
            try:
                saved = action_add_update(
                    action=action,
                    user=self.user,
                    progress=parsed["progress"],
                    note=note,
                    expected_version=expected,
                ).action
            except (ValidationError, OutOfScope, StaleVersionError, IntegrityError) as exc:
                return self._refused(number, exc, action, refused_at)
            return self._updated(number, parsed, action, before, differs, saved, note, moves)
        # Changes go to the service in batches (`_apply_pending`): the same rules, a fixed
        # number of queries per batch.
        change = ActionChange(
            action,
            expected_version=expected,
            contributors=parsed["contributors"] if "contributors" in differs else None,
            status=status if moves else None,
            note=note,
            fields={name: parsed[name] for name in differs if name != "contributors"},
        )
        pending = _Pending(number, parsed, action, before, differs, moves, refused_at, change)
        self._pending.append(pending)
        return pending

    def _apply_pending(self, outcomes):
        """The chunk's changes through `action_update_many`, its new rows through
        `action_create_many`; each placeholder in `outcomes` replaced by its row's outcome."""
        done = {}
        if self._pending_new:
            creations = [p.creation for p in self._pending_new]
            results = action_create_many(user=self.user, creations=creations)
            for pending, result in zip(self._pending_new, results, strict=True):
                done[id(pending)] = (
                    self._refused(pending.number, result, None)
                    if isinstance(result, Exception)
                    else self._created(pending.number, pending.creation, result)
                )
            self._pending_new = []
        if not self._pending:
            outcomes[:] = [done.get(id(outcome), outcome) for outcome in outcomes]
            return
        results = action_update_many(user=self.user, changes=[p.change for p in self._pending])
        for pending, result in zip(self._pending, results, strict=True):
            if isinstance(result, Exception):
                done[id(pending)] = self._refused(
                    pending.number, result, pending.action, pending.refused_at
                )
            else:
                done[id(pending)] = self._updated(
                    pending.number,
                    pending.parsed,
                    pending.action,
                    pending.before,
                    pending.differs,
                    result,
                    pending.change.note,
                    pending.moves,
                )
        outcomes[:] = [done.get(id(outcome), outcome) for outcome in outcomes]
        self._pending = []

    def _updated(self, number, parsed, action, before, differs, saved, note, moves):
        """The outcome of a row whose change was saved: what changed, old → new."""
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
        shown_note = shortened(note) if moves and note else ""
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
            change = last_change(exc.instance) or {"user": "?", "when": "?"}
            stale = _(
                "the action changed after your export (by %(user)s, %(when)s; now version "
                "%(version)s). Export again and redo your change, or remove this row."
            ) % {**change, "version": exc.instance.version}
            return self._refuse(number, "version", stale, action)
        if isinstance(exc, OutOfScope):
            # At the column the refusal names, else at the first one the row changes.
            name = exc.field or (differs[0] if differs else "owner")
            message = exc.message
            if exc.field is None and action is not None:
                message = " ".join(
                    [
                        message,
                        _("(changed: %(fields)s)")
                        % {"fields": ", ".join(field_label(n) for n in differs)},
                        _("Leave the row as exported, or remove it from the file."),
                    ]
                )
            return self._refuse(number, name, message, action)
        if isinstance(exc, IntegrityError):
            return self._refuse(
                number,
                "id",
                _("the database refuses this row (a duplicate or invalid value)."),
                action,
            )
        errors = refusal_errors(exc)
        # A refusal of the whole row (a check constraint names no field) belongs at the one
        # column the row changes, when it changes one.
        whole_row = differs[0] if len(differs) == 1 else None
        problems = []
        for name, messages in errors.items():
            if name is WHOLE_RECORD:
                name = whole_row
            column = self.columns.get(name) if name else None
            if column is not None:
                where, header = column.letter, column.header
            elif name:
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


@dataclass
class _PendingNew:
    """A new row waiting for its chunk's batch (`_apply_pending`)."""

    number: int
    creation: ActionCreation


@dataclass
class _Pending:
    """A row whose change waits for its chunk's batch (`_apply_pending`)."""

    number: int
    parsed: dict
    action: Action
    before: dict
    differs: list
    moves: bool
    refused_at: list
    change: ActionChange


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
    return shortened(value)


def _describe(action):
    return shortened(f"{action.code} – {action.title}" if action.code else action.title, 80)
