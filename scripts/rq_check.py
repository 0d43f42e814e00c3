"""The Redis/RQ queue end to end (README, "Background jobs"; run by CI after
`pip install -r requirements-rq.txt`): jobs started as the pages start them go through Redis
to an RQ worker in its own process, which does them and records the outcome.

    .venv/bin/python scripts/rq_check.py     # Redis on 127.0.0.1:6379 (RQ_CHECK_REDIS_URL)

On a temporary SQLite database with the reference data: an export of every action as CSV
(done, the file kept on the job), and an import whose upload is gone (failed, with the reason
the person who started it reads). Then `manage.py rqworker --burst` empties the queue. Exits
non-zero when a job did not end as it should."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS = os.environ.get("RQ_CHECK_REDIS_URL", "redis://127.0.0.1:6379/13")
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "rq-check-only"),
    "DEBUG": "on",
    "TASKS_BACKEND": "rq",
    "RQ_REDIS_URL": REDIS,
    "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/rq-check.sqlite3",
    "AGENDA_SNAPSHOT_DATE": "",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from actions.models import Action  # noqa: E402
from jobs import runner  # noqa: E402
from jobs.models import Job, JobState  # noqa: E402


def main():
    queue = redis.Redis.from_url(REDIS)
    queue.flushdb()
    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")))
    user = get_user_model().objects.create_superuser("rq-check", password=None)
    export = runner.start(
        user,
        "export",
        "RQ: alle acties",
        {"path": "/admin/actions/action/export/csv/", "query": ""},
    )
    gone = runner.start(user, "import", "RQ: import", {"upload": 999999, "dry_run": True})
    assert queue.dbsize() > 0, "nothing was put on the Redis queue"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "rqworker",
            "--burst",
            "--job-class",
            "django_tasks_rq.Job",
            "default",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    export.refresh_from_db()
    gone.refresh_from_db()
    failures = []
    rows = Action.objects.count()
    lines = bytes(export.result_file or b"").decode("utf-8-sig").count("\n")
    if export.state != JobState.DONE or lines < rows:
        failures.append(f"export: {export.state}, {lines} lines for {rows} actions {export.error}")
    if gone.state != JobState.FAILED or "Upload" not in gone.error:
        failures.append(f"import without its upload: {gone.state} {gone.error!r}")
    if Job.objects.exclude(worker="").count() != 2:
        failures.append("a job has no worker recorded")
    queue.flushdb()
    for failure in failures:
        print(f"rq: {failure}")
    if not failures:
        print(f"rq: both jobs ended as they should (export: {lines} lines; import: failed, said)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
