"""The spreadsheet import's own speed: preview (dry run) and apply (real import) of the admin's
Dutch workbook with every row's progress edited, at 1,000 and 10,000 rows; medians, and the
ratio to a baseline measured in the same run: the same number of rows created by one plain
`bulk_create` (no checks, no history), rolled back.

    python bench/imports.py [--sizes 1000,10000] [--repeat 3]
    DATABASE_URL=postgres://…/bench_db python bench/imports.py   # else a temporary SQLite

The database is migrated and the reference data loaded (fixtures/); the bench's own actions
(codes BENCH-…) are added under one agreement. Each repeat exports afresh (new versions) and
edits progress to a value the rows do not have, so that every row changes."""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-imports.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import translation  # noqa: E402

from actions.models import Action  # noqa: E402
from agenda.models import Agreement, Party  # noqa: E402

PREFIX = "BENCH-"


def prepare(size):
    """At least `size` bench actions under one agreement; their ids."""
    agreement = Agreement.objects.order_by("code").first()
    owner = Party.objects.order_by("code").first()
    have = Action.objects.filter(code__startswith=PREFIX).count()
    Action.objects.bulk_create(
        Action(agreement=agreement, owner=owner, code=f"{PREFIX}{n}", title=f"Bench action {n}")
        for n in range(have, size)
    )
    return list(
        Action.objects.filter(code__startswith=PREFIX).order_by("id").values_list("id", flat=True)
    )[:size]


def workbook(ids, progress, new=False):
    """The admin's Dutch workbook of these actions, progress set to `progress` in every row;
    `new`: with the cells that belong to a stored action emptied (id, code, version; status
    and completion: new actions start as planned), so that every row is a new action."""
    from openpyxl import load_workbook

    from actions.sheet import ACTION_SHEET
    from config.spreadsheets.writing import serialized_rows, sheet_workbook_file

    queryset = (
        Action.objects.filter(pk__in=ids)
        .select_related("agreement__theme", "owner", "region")
        .prefetch_related("contributors")
        .order_by("id")
    )
    with translation.override("nl"):
        rows = serialized_rows(ACTION_SHEET.serializer_class, queryset, {})
        data = sheet_workbook_file(ACTION_SHEET, rows, title="bench").read()
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("Voortgang (%)") + 1
    headers = [str(c.value) for c in sheet[1]]
    stored = ("ID", "Code", "Versie", "Status", "Afgerond op")
    emptied = [headers.index(h) + 1 for h in stored] if new else []
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=column, value=progress)
        for index in emptied:  # (cell(..., value=None) would leave the value as it is)
            sheet.cell(row=row, column=index).value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def import_once(user, data, dry_run, new=False):
    from actions.importing.importer import ActionImporter
    from config.spreadsheets.reading import ImportSource

    source = ImportSource.from_bytes("bench.xlsx", data)
    with translation.override("nl"):
        seconds, report = timed(
            lambda: ActionImporter(user, max_rows=100_000).run(source, dry_run=dry_run)
        )
    assert not report.file_problems, [str(p) for p in report.problems[:3]]
    assert report.ok, [str(p) for p in report.problems[:3]]
    assert report.committed != dry_run, report
    return seconds, len(report.new if new else report.changed)


def baseline_once(size):
    """A plain bulk_create of `size` actions, rolled back."""
    agreement = Agreement.objects.order_by("code").first()
    owner = Party.objects.order_by("code").first()
    start = time.perf_counter()
    with transaction.atomic():
        Action.objects.bulk_create(
            Action(agreement=agreement, owner=owner, code=f"BASE-{n}", title=f"Base {n}")
            for n in range(size)
        )
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def bench(size, repeat, user, new=False):
    ids = prepare(size)
    previews, applies, baselines = [], [], []
    for attempt in range(repeat):
        progress = 10 + (Action.objects.get(pk=ids[0]).progress + 1 + attempt) % 80
        data = workbook(ids, progress, new=new)
        seconds, changed = import_once(user, data, dry_run=True, new=new)
        assert changed == size, (changed, size)
        previews.append(seconds)
        with transaction.atomic():  # new rows: rolled back, so that each repeat adds as many
            seconds, changed = import_once(user, data, dry_run=False, new=new)
            transaction.set_rollback(new)
        assert changed == size, (changed, size)
        applies.append(seconds)
        baselines.append(baseline_once(size))
    preview, apply = statistics.median(previews), statistics.median(applies)
    base = statistics.median(baselines)
    print(
        f"{size:>6} {'new' if new else 'edited'} rows  "
        f"preview {preview:6.2f} s ({preview * 1000 / size:.2f} ms/row, "
        f"{preview / base:5.1f}x)  apply {apply:6.2f} s ({apply * 1000 / size:.2f} ms/row, "
        f"{apply / base:5.1f}x)  baseline bulk_create {base:5.2f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--new", action="store_true", help="new rows (else every row edited)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Agreement.objects.exists():
        call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")))
    user, _created = get_user_model().objects.get_or_create(
        username="bench-imports", defaults={"is_superuser": True, "is_staff": True}
    )
    engine = django.db.connection.vendor
    what = "every row a new action" if args.new else "progress edited in every row"
    print(f"import of the admin's .xlsx, {what} ({engine}); medians of")
    print(f"{args.repeat} runs; ratio to the baseline (a plain bulk_create of the same rows):")
    for size in (int(s) for s in args.sizes.split(",")):
        bench(size, args.repeat, user, new=args.new)


if __name__ == "__main__":
    main()
