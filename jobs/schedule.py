"""Periodic tasks, put on the queue by `manage.py run_scheduler` (one or more; the database
decides which one enqueues a run) and run by the workers:

- `send_reminders`: every day at REMINDERS_AT (local time): the `send_reminders` command's
  work (each party's editors their overdue and stalled actions, once a day per party);
- `clean_up`: every CLEAN_UP_MINUTES: running jobs whose worker is gone marked failed, result
  files past their time removed, old finished jobs and task results, import uploads older
  than a day and expired export slots deleted."""

import io
import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from jobs.models import ExportSlot, Job, JobState, Schedule
from jobs.runner import fail_stale_jobs

logger = logging.getLogger(__name__)

JOBS_KEPT = timedelta(days=30)
TASK_RESULTS_KEPT = timedelta(days=7)


@task()
def send_reminders():
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()[-2000:]


@task()
def clean_up():
    return clean_up_now()


def clean_up_now():
    from django_tasks_db.models import DBTaskResult

    from actions.importing.uploads import clean_uploads

    now = timezone.now()
    done = {"stale": fail_stale_jobs()}
    done["files"] = (
        Job.objects.filter(expires_at__lt=now)
        .exclude(result_name="")
        .update(result_file=None, result_name="", result_type="")
    )
    done["jobs"] = Job.objects.filter(
        state__in=[JobState.DONE, JobState.FAILED], finished_at__lt=now - JOBS_KEPT
    ).delete()[0]
    done["tasks"] = DBTaskResult.objects.filter(finished_at__lt=now - TASK_RESULTS_KEPT).delete()[0]
    done["uploads"] = clean_uploads()  # the import's own rule (UPLOADS_KEPT)
    done["slots"] = ExportSlot.objects.filter(expires_at__lt=now).delete()[0]
    return done


def next_reminders(now):
    hour, minute = (int(part) for part in settings.REMINDERS_AT.split(":"))
    local = timezone.localtime(now)
    due = timezone.make_aware(datetime.combine(local.date(), time(hour, minute)))
    return due if due > now else due + timedelta(days=1)


def next_clean_up(now):
    return now + timedelta(minutes=settings.CLEAN_UP_MINUTES)


# name: (task, when it is next due after a run at `now`)
PERIODIC = {
    "send_reminders": (send_reminders, next_reminders),
    "clean_up": (clean_up, next_clean_up),
}


def enqueue_due(now=None):
    """Enqueue every periodic task that is due, once across all schedulers; returns their
    names."""
    now = now or timezone.now()
    enqueued = []
    for name, (periodic, following) in PERIODIC.items():
        schedule, _created = Schedule.objects.get_or_create(
            name=name, defaults={"next_run": following(now) if name == "send_reminders" else now}
        )
        if schedule.next_run > now:
            continue
        claimed = Schedule.objects.filter(pk=schedule.pk, next_run=schedule.next_run).update(
            next_run=following(now), last_run=now
        )
        if claimed:
            periodic.enqueue()
            enqueued.append(name)
    return enqueued
