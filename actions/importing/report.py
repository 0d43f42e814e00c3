"""What an import reports: per row new, changed, unchanged or refused (with the row, column
and reason), and the whole as lines of text for the command line."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from actions.sheet import field_label

# After this many problems the check stops: the file needs fixing first.
MAX_PROBLEMS = 1000


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
# A row of an action the user may not change, left as exported: skipped, not an error.
SKIPPED = "skipped"


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
    skipped: int = 0  # unchanged rows of actions the user may not change
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
    if report.skipped:
        lines.append(
            _("Skipped (unchanged, of actions you may not change): %(count)s")
            % {"count": report.skipped}
        )
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
