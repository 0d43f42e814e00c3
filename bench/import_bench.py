"""Part of the benchmark (bench/run.py starts it): the spreadsheet import of a workbook of
the first N actions (the admin's Dutch export, every open row's progress edited), dry run and
real, and the unchanged file; each run in a fresh process; time and peak memory.

    DATABASE_URL=… python bench/import_bench.py [--rows 10000] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from actions.models import Action  # noqa: E402


def import_file(rows, progress=None):
    """The admin's Dutch workbook of the first `rows` actions; with `progress`, the progress of
    every row that is not done set to it (as a person editing a column in Excel)."""
    import io

    from openpyxl import load_workbook

    from actions.sheet import ACTION_SHEET
    from config.spreadsheets.writing import serialized_rows, sheet_workbook_file

    ids = Action.objects.order_by("id").values_list("id", flat=True)[:rows]
    queryset = (
        Action.objects.filter(pk__in=list(ids))
        .select_related("agreement__theme", "owner", "region")
        .prefetch_related("contributors")
        .order_by("id")
    )
    rows_json = serialized_rows(ACTION_SHEET.serializer_class, queryset, {})
    data = sheet_workbook_file(ACTION_SHEET, rows_json, title="bench").read()
    if progress is None:
        return data
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    column, status = header.index("Voortgang (%)") + 1, header.index("Status") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=status).value != "done":
            sheet.cell(row=row, column=column, value=progress)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _memory(field):
    """VmRSS or VmHWM (the peak) of this process, in bytes, from /proc (Linux)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def import_worker(path, dry_run):
    """One import in this (fresh) process: prints its time and its peak memory above what the
    process held before it (resident memory: everything, C libraries included). The peak is
    reset first, so that neither start-up nor the parent process (ru_maxrss survives exec)
    counts."""
    import json

    from django.contrib.auth import get_user_model
    from django.utils import translation

    from actions.importing.importer import ActionImporter
    from config.spreadsheets.reading import ImportSource

    translation.activate("nl")
    user = get_user_model().objects.get(username="bench")
    source = ImportSource.from_path(path)
    Action.objects.count()  # the database connection is open before measuring
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets VmHWM to the current resident size
    before = _memory("VmRSS")
    start = time.perf_counter()
    report = ActionImporter(user).run(source, dry_run=dry_run)
    seconds = time.perf_counter() - start
    peak = _memory("VmHWM")
    problems = [str(p) for p in report.problems[:3]]
    result = {
        "seconds": seconds,
        "memory": peak - before,
        "changed": len(report.changed),
        "committed": report.committed,
        "problems": problems,
    }
    print(json.dumps(result))


def run_worker(data, dry_run):
    import json
    import subprocess

    path = Path(tempfile.mkdtemp()) / "bench-import.xlsx"
    path.write_bytes(data)
    command = [sys.executable, __file__, "--import-worker", str(path)]
    if dry_run:
        command.append("--dry-run")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert not result["problems"], result["problems"]
    return result


def bench_import(rows, repeat):
    """The import of a `rows`-row workbook: dry run and real import with every open row's
    progress edited, and the unchanged file; each run in a fresh process; medians of time (per
    row also as a ratio to /healthz) and of peak memory."""
    done = Action.objects.filter(
        pk__in=Action.objects.order_by("id").values("id")[:rows], status="done"
    ).count()
    print(
        f"import of {rows} rows (.xlsx, the admin's export; progress edited in the "
        f"{rows - done} rows not done); medians of {repeat} runs, each in a fresh process:"
    )
    changed = import_file(rows, progress=37)
    in_file = Action.objects.order_by("id")[:rows]
    taken = set(in_file.values_list("progress", flat=True))
    fresh = min(
        (p for p in range(1, 99 - repeat) if not taken & set(range(p, p + repeat))), default=1
    )
    cases = [
        ("dry run, rows changed", lambda i: changed, True),
        ("unchanged file", lambda i: import_file(rows), True),
        # Each real run from a fresh export (new versions), so that it changes every open row.
        # A progress the rows do not have yet, also on a database an earlier run imported into.
        ("real import, rows changed", lambda i: import_file(rows, progress=fresh + i), False),
    ]
    for label, data_for, dry_run in cases:
        results = [run_worker(data_for(i), dry_run) for i in range(repeat)]
        if not dry_run:
            # Rows whose progress already was the new value stay unchanged: not all of them.
            wrong = [r for r in results if not r["committed"] or not r["changed"]]
            assert not wrong, ("expected a committed import that changed rows", wrong)
        seconds = statistics.median(r["seconds"] for r in results)
        memory = statistics.median(r["memory"] for r in results)
        per_row = seconds * 1000 / rows
        print(
            f"{'import ' + label:<42} median {seconds:7.1f} s  ({per_row:.2f} ms/row)  "
            f"peak memory {memory / 1e6:6.1f} MB"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--import-worker", help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_worker:
        import_worker(args.import_worker, args.dry_run)
        return
    get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    bench_import(args.rows, args.repeat)


if __name__ == "__main__":
    main()
