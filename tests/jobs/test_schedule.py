"""The periodic tasks: enqueued once when due (however many schedulers ask), run by the
worker; the clean-up removes expired result files, old uploads and stale jobs."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from actions.models import ImportUpload
from jobs import runner
from jobs.models import ExportSlot, Job, JobState, Schedule
from jobs.schedule import enqueue_due
from tests.factories import UserFactory
from tests.jobs.conftest import run_jobs

pytestmark = pytest.mark.django_db


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


def test_each_periodic_task_is_enqueued_once_when_due(settings):
    settings.REMINDERS_AT = "07:00"
    settings.CLEAN_UP_MINUTES = 60
    assert enqueue_due(at("2026-12-01 06:00")) == ["clean_up"]
    assert enqueue_due(at("2026-12-01 06:00")) == []  # a second scheduler: nothing more
    assert enqueue_due(at("2026-12-01 06:59")) == []
    assert enqueue_due(at("2026-12-01 07:01")) == ["send_reminders", "clean_up"]
    assert enqueue_due(at("2026-12-01 07:30")) == []
    assert Schedule.objects.get(name="send_reminders").next_run == at("2026-12-02 07:00")
    assert DBTaskResult.objects.count() == 3


def test_the_worker_runs_the_reminders_and_the_clean_up(settings, monkeypatch):
    monkeypatch.setitem(runner.KINDS, "count", "tests.jobs.kinds.count_to_three")
    user = UserFactory()
    kept, expired = runner.start(user, "count", "Nieuw"), runner.start(user, "count", "Oud")
    run_jobs()
    Job.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    stale = runner.start(user, "count", "Gestopt")
    Job.objects.filter(pk=stale.pk).update(
        state=JobState.RUNNING, worker="elders:1", heartbeat_at=timezone.now() - timedelta(days=1)
    )
    old_upload = ImportUpload.objects.create(user=user, file_name="a.csv", content=b"x", sha256="0")
    ImportUpload.objects.filter(pk=old_upload.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    new_upload = ImportUpload.objects.create(user=user, file_name="b.csv", content=b"y", sha256="1")
    ExportSlot.objects.create(number=0, holder="x", expires_at=timezone.now() - timedelta(1))
    settings.REMINDERS_AT = (timezone.localtime() - timedelta(minutes=1)).strftime("%H:%M")
    Schedule.objects.create(name="send_reminders", next_run=timezone.now() - timedelta(seconds=1))

    call_command("run_scheduler", "--once")
    run_jobs()

    assert set(
        DBTaskResult.objects.filter(task_path__startswith="jobs.schedule").values_list(
            "status", flat=True
        )
    ) == {"SUCCESSFUL"}
    assert Job.objects.get(pk=kept.pk).result_name == "tellen.csv"
    assert Job.objects.get(pk=expired.pk).result_name == ""
    assert Job.objects.get(pk=expired.pk).result_file is None
    assert Job.objects.get(pk=stale.pk).state == JobState.FAILED
    assert list(ImportUpload.objects.all()) == [new_upload]
    assert not ExportSlot.objects.exists()
