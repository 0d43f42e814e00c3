"""Running jobs: `start()` records a Job and enqueues the one task (`run_job`) on Django's task
framework; a worker runs it, the job's kind (KINDS) does the work and
reports progress; the outcome (a result, a file, or a Dutch error) is stored on the Job.

A job's kind names a function `(job, progress) -> JobResult` (KINDS, by dotted path: this app
imports no other). `progress(done, total)` writes the
numbers and the heartbeat on a second connection ("jobs" in DATABASES), so that they are seen
while an import's rows are still inside its one transaction. A worker that dies (killed, its
machine gone) leaves its job running without a heartbeat: `fail_stale_jobs()` marks it failed
and offers a retry; its transaction died with it, so nothing was half-written."""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db import connections as db_connections
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from jobs.models import Job, JobState

logger = logging.getLogger(__name__)

KINDS = {
    "import": "actions.import_jobs.run_import",
    "export": "jobs.exports.run_export",
}
PROGRESS_EVERY = 0.5  # seconds between two progress writes
HEARTBEAT_SECONDS = 30


@dataclass
class JobResult:
    result: dict | None = None
    content: bytes | None = None
    file_name: str = ""
    content_type: str = ""


class JobFailed(Exception):
    """A failure to show as is (Dutch, already translated) to the person who started it."""


def start(user, kind, title, parameters=None, *, retry_of=None):
    """Record the job and put it on the queue; returns the Job (state queued)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown job kind: {kind}")
    parameters = {"language": translation.get_language() or settings.LANGUAGE_CODE} | (
        parameters or {}
    )
    job = Job.objects.create(
        user=user, kind=kind, title=str(title)[:300], parameters=parameters, retry_of=retry_of
    )
    enqueued = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(enqueued.id)[:64])
    job.task_id = str(enqueued.id)[:64]
    return job


def retry(job):
    """A new job doing what a failed one should have done."""
    return start(job.user, job.kind, job.title, job.parameters, retry_of=job)


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def run_job(job_id):
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name()[:200],
    )
    if not claimed:
        return "not queued"
    job = Job.objects.get(pk=job_id)
    beating = threading.Event()
    threading.Thread(target=_heartbeat, args=(job.pk, beating), daemon=True).start()
    try:
        with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
            try:
                outcome = import_string(KINDS[job.kind])(job, Progress(job))
            except JobFailed as exc:
                _finish(job, JobState.FAILED, error=str(exc))
                return "failed"
            except Exception:
                logger.exception("Job %s (%s) failed", job.pk, job.kind)
                _finish(job, JobState.FAILED, error=_("Something went wrong; nothing was saved."))
                return "failed"
            _finish(job, JobState.DONE, outcome=outcome)
    finally:
        beating.set()
    return "done"


def _heartbeat(job_pk, stop):
    """Every HEARTBEAT_SECONDS while the job runs, on this thread's own connection: a job
    that reports no progress for long (a PDF being laid out) still shows its worker alive."""
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                Job.objects.filter(pk=job_pk, state=JobState.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
            except DatabaseError:
                logger.debug("Heartbeat of job %s not written", job_pk, exc_info=True)
    finally:
        db_connections.close_all()


def _finish(job, state, *, outcome=None, error=""):
    now = timezone.now()
    fields = {"state": state, "finished_at": now, "heartbeat_at": now, "error": error}
    fields["done"] = job.done
    if outcome is not None:
        fields |= {
            "result": outcome.result,
            "result_file": outcome.content,
            "result_name": outcome.file_name,
            "result_type": outcome.content_type,
            "expires_at": now + timedelta(hours=settings.JOB_RESULT_HOURS),
        }
        fields["done"] = job.total or job.done
    fields["total"] = max(job.total, fields.get("done", job.done))
    Job.objects.filter(pk=job.pk).update(**fields)


class Progress:
    """`progress(done, total)`: written at most every PROGRESS_EVERY seconds (and always
    when done reaches total), with the heartbeat."""

    def __init__(self, job):
        self.job = job
        self.written = 0.0

    def __call__(self, done, total=None):
        self.job.done = done
        if total is not None:
            self.job.total = total
        now = time.monotonic()
        if now - self.written < PROGRESS_EVERY and done != self.job.total:
            return
        self.written = now
        alias = "default"
        if connection.in_atomic_block:
            if connection.vendor == "sqlite":
                return  # SQLite's one writer is the import itself: shown at the end.
            alias = settings.JOB_PROGRESS_DATABASE
        try:
            Job.objects.using(alias).filter(pk=self.job.pk).update(
                done=self.job.done, total=self.job.total, heartbeat_at=timezone.now()
            )
        except DatabaseError:
            # SQLite's one writer is the import itself: the progress waits for the end.
            logger.debug("Progress of job %s not written", self.job.pk, exc_info=True)


def fail_stale_jobs(jobs=None):
    """Running jobs whose worker is gone: failed, with a retry offered. A worker on this
    machine that no longer exists is gone at once; elsewhere, after JOB_STALE_SECONDS without
    a heartbeat (of `jobs`, else of all). Returns how many."""
    limit = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    jobs = Job.objects.all() if jobs is None else jobs
    running = jobs.filter(state=JobState.RUNNING).only("pk", "worker", "heartbeat_at")
    stale = [job.pk for job in running if job.heartbeat_at < limit or _worker_gone(job.worker)]
    failed = 0
    for job in Job.objects.filter(pk__in=stale).only("pk", "parameters"):
        with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
            failed += Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
                state=JobState.FAILED,
                finished_at=timezone.now(),
                error=_(
                    "The work was interrupted (the worker stopped); nothing was half-saved. "
                    "Try again."
                ),
            )
    return failed


def _worker_gone(worker):
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
