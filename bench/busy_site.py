"""A busy site (`make bench-busy`): a province imports 10,000 rows while a review meeting
exports every action and downloads the report PDF; meanwhile everyone else's ordinary requests
are timed, and compared with the same requests on the quiet site just before.

On a PostgreSQL database built as `make bench` builds its own (the fixtures, then
`generate_demo`): gunicorn as in production (gunicorn.conf.py, 2 workers) and task workers
(`manage.py db_worker`, --workers of them), each in its own processes.

1. quiet: --clients threads send the ordinary requests below, round and round, for --seconds;
2. busy: the jobs are started as the pages start them (jobs.runner.start): the import's
   preview of 10,000 new rows, then the import itself with the previewed digest; an XLSX of
   every action from the admin's export; the planned review's report as PDF. The same
   clients run until every job has ended.

Printed: per request, the median and the 95th percentile quiet and busy and their ratio; each
job's time and state. Nothing is asserted (BENCHMARKS.md keeps the last run).

    python bench/busy_site.py [--actions 20000] [--rows 10000] [--reuse]"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = os.environ.get("BENCH_DB_PREFIX", "mkb_bench_busy")
ORDINARY = [
    ("/healthz", "/healthz"),
    ("API: 50 actions", "/api/v1/actions/?page_size=50"),
    ("API: one agreement", "/api/v1/agreements/?page_size=1"),
    ("landing page", "/"),
    ("review dashboard", "/reviews/"),
    ("actions list, overdue", "/reviews/actions/?overdue=true"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--rows", type=int, default=10000, help="rows the import adds")
    parser.add_argument("--seconds", type=float, default=20, help="of the quiet phase")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="task workers")
    parser.add_argument(
        "--nice", type=int, default=10, help="the workers' CPU niceness (make run's: 10)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    args = parser.parse_args()

    from bench.run import ENV, build  # the same databases and environment as `make bench`
    from scripts.load_run import free_port

    url = build(args.actions, f"{PREFIX}_{args.actions}", reuse=args.reuse)
    env = {**os.environ, **ENV, "DATABASE_URL": url, "WEB_CONCURRENCY": "2"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    jobs = prepare_jobs(args.rows)

    port = free_port()
    logs = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    processes = [
        start(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "config.wsgi:application",
            ],
            {**env, "BIND": f"127.0.0.1:{port}"},
            logs / "busy-gunicorn.log",
        )
    ]
    for number in range(args.workers):
        processes.append(
            start(
                [
                    "nice",
                    "-n",
                    str(args.nice),
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                ],
                env,
                logs / f"busy-worker-{number}.log",
            )
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        for _label, path in ORDINARY:  # warm: each worker's first answer is no measure
            get(base + path)
        print(f"{args.actions:,} actions; quiet for {args.seconds:.0f} s ...", flush=True)
        quiet = hammer(base, args.clients, until=deadline(args.seconds))
        print(
            f"busy: import of {args.rows:,} new rows, XLSX of every action, report PDF ...",
            flush=True,
        )
        started = time.monotonic()
        ended = threading.Event()
        watcher = threading.Thread(target=jobs.watch, args=(ended,))
        jobs.start()
        watcher.start()
        busy = hammer(base, args.clients, until=ended.is_set)
        watcher.join()
        print(f"every job ended after {time.monotonic() - started:.0f} s\n")
        report(quiet, busy)
        jobs.report()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    return 0


def start(command, env, log):
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )


def deadline(seconds):
    end = time.monotonic() + seconds
    return lambda: time.monotonic() >= end


def wait_for(url):
    for _ in range(120):
        if get(url)[0] == 200:
            return
        time.sleep(0.5)
    raise SystemExit(f"no answer from {url}")


def get(url):
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - start) * 1000


def hammer(base, clients, until):
    """{label: [ms, ...]} of the ordinary requests, sent round and round by `clients` threads
    until `until()`; a request that is not a 200 is counted apart."""
    times = {label: [] for label, _path in ORDINARY}
    times["not 200"] = []

    def client(offset):
        n = offset
        while not until():
            label, path = ORDINARY[n % len(ORDINARY)]
            status, ms = get(base + path)
            times[label if status == 200 else "not 200"].append(ms)
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def p95(values):
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def report(quiet, busy):
    print(
        f"{'request':<26}{'n':>6}{'quiet median':>14}{'busy median':>13}{'ratio':>7}"
        f"{'quiet p95':>11}{'busy p95':>10}{'ratio':>7}"
    )
    for label, _path in ORDINARY:
        q, b = quiet[label], busy[label]
        if not q or not b:
            print(f"{label:<26} no answers (quiet {len(q)}, busy {len(b)})")
            continue
        qm, bm = statistics.median(q), statistics.median(b)
        print(
            f"{label:<26}{len(b):>6}{qm:11.0f} ms{bm:10.0f} ms{bm / qm:7.1f}"
            f"{p95(q):8.0f} ms{p95(b):7.0f} ms{p95(b) / p95(q):7.1f}"
        )
    print(f"not a 200: quiet {len(quiet['not 200'])}, busy {len(busy['not 200'])}")


class Jobs:
    """The three pieces of long work, started as the pages start them."""

    def __init__(self, user, upload, review):
        self.user, self.upload, self.review = user, upload, review
        self.jobs = []
        self.apply = None

    def start(self):
        from jobs import runner

        self.jobs = [
            runner.start(
                self.user,
                "import",
                "Bench: voorbeeld van de import",
                {"upload": self.upload.pk, "dry_run": True},
            ),
            runner.start(
                self.user,
                "export",
                "Bench: alle acties als XLSX",
                {"path": "/admin/actions/action/export/xlsx/", "query": ""},
            ),
            runner.start(
                self.user,
                "export",
                "Bench: rapport als PDF",
                {"path": f"/reviews/{self.review.pk}/report/pdf/", "query": ""},
            ),
        ]

    def watch(self, ended):
        """Sets `ended` when every job has ended; starts the import itself (as the person
        confirming the preview would) when its preview is done."""
        from django.db import connection

        from jobs import runner
        from jobs.models import JobState

        finished = (JobState.DONE, JobState.FAILED)
        try:
            while True:
                time.sleep(0.5)
                for job in self.jobs:
                    job.refresh_from_db()
                preview = self.jobs[0]
                if self.apply is None and preview.state == JobState.DONE:
                    digest = preview.result["report"]["digest"]
                    self.apply = runner.start(
                        self.user,
                        "import",
                        "Bench: import",
                        {"upload": self.upload.pk, "dry_run": False, "digest": digest},
                    )
                    self.jobs.append(self.apply)
                    continue
                if all(job.state in finished for job in self.jobs) and (
                    self.apply is not None or preview.state == JobState.FAILED
                ):
                    return
        finally:
            connection.close()
            ended.set()

    def report(self):
        for job in self.jobs:
            seconds = (job.finished_at - job.started_at).total_seconds()
            outcome = job.error or summary(job)
            print(f"job {job.title:<36} {job.state:<6} {seconds:6.1f} s  {outcome}")


def summary(job):
    """What a job did, in a few words (an import's rows and problems, an export's file)."""
    report = (job.result or {}).get("report")
    if report is None:
        size = len(job.result_file or b"") // 1024
        return f"{job.result_name}, {size:,} KB, {(job.result or {}).get('rows', 0):,} rows"
    problems = [p["message"] for p in report["file_problems"]]
    new = sum(1 for outcome in report["outcomes"] if outcome.get("kind") == "new")
    return f"{report['rows_read']} rows read, {new} new {'; '.join(problems)[:120]}"


def prepare_jobs(rows):
    """The import's upload (the admin's workbook, `rows` new actions), a planned review, the
    user who does it all (a superuser: the bench measures the work, not the scope)."""
    import hashlib

    from django.contrib.auth import get_user_model

    from actions.models import Action, ImportUpload
    from agenda.models import Review
    from bench.imports import workbook
    from config.clock import today

    user, _ = get_user_model().objects.get_or_create(
        username="bench-busy", defaults={"is_superuser": True, "is_staff": True}
    )
    ids = list(Action.objects.order_by("id").values_list("id", flat=True)[:rows])
    content = workbook(ids, 42, new=True)
    ImportUpload.objects.filter(user=user).delete()
    upload = ImportUpload.objects.create(
        user=user,
        file_name="bench.xlsx",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    review, _ = Review.objects.get_or_create(
        date=today().replace(year=today().year + 1),
        defaults={"title": "Benchmark: de volgende herijking"},
    )
    return Jobs(user, upload, review)


if __name__ == "__main__":
    sys.exit(main())
