"""The admin's import as background jobs: upload → a preview job → confirm → an import job,
run by the real worker; and a worker killed in the middle of an import leaves nothing
half-written, its job failed with a retry that then imports."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from actions.models import Action, ImportUpload
from jobs import runner
from jobs.models import Job, JobState
from tests.jobs.conftest import run_jobs

IMPORT = "/admin/actions/action/import/"
CONFIRM = "/admin/actions/action/import/confirm/"


def token_in(page):
    import re

    match = re.search(r'name="token" value="([^"]+)"', page)
    return match.group(1) if match else None


def preview_and_confirm(client, data, rows=1):
    """Upload, run the preview's job, and confirm: returns the queued import job."""
    started = client.post(IMPORT, {"file": SimpleUploadedFile("voortgang.csv", data)})
    preview_job = Job.objects.get(kind="import", parameters__dry_run=True)
    assert started["Location"] == f"/jobs/{preview_job.pk}/"
    assert preview_job.state == JobState.QUEUED
    assert "In de wachtrij" in client.get(started["Location"]).content.decode()
    run_jobs()
    preview_job.refresh_from_db()
    assert (preview_job.state, preview_job.done, preview_job.total) == (JobState.DONE, rows, rows)
    preview = client.get(started["Location"], follow=True)
    assert preview.redirect_chain[-1][0] == f"{IMPORT}job/{preview_job.pk}/"
    token = token_in(preview.content.decode())
    assert token
    confirmed = client.post(CONFIRM, {"token": token})
    job = Job.objects.get(kind="import", parameters__dry_run=False)
    assert confirmed["Location"] == f"/jobs/{job.pk}/"
    return job


@pytest.mark.django_db
def test_an_import_runs_as_two_jobs_through_the_worker(client, users, import_world):
    own = import_world["own_action"]
    client.force_login(users["brabant_editor"])
    job = preview_and_confirm(client, f"id;progress\n{own.pk};70\n".encode())
    assert Action.objects.get(pk=own.pk).progress == 40  # nothing saved before the worker

    run_jobs()

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 1, 1)
    assert Action.objects.get(pk=own.pk).progress == 70
    assert ImportUpload.objects.count() == 0
    done = client.get(f"/jobs/{job.pk}/", follow=True)
    assert done.redirect_chain[-1][0] == "/admin/actions/action/"
    assert "Geïmporteerd uit voortgang.csv: 0 nieuw, 1 gewijzigd" in done.content.decode()
    # Someone else cannot see the job nor its preview.
    client.force_login(users["ministry_editor"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"{IMPORT}job/{job.pk}/").status_code == 404


WORKER = """
import django
django.setup()
from jobs import runner
runner.KINDS["stopping_import"] = "tests.jobs.kinds.stopping_import"
from django.core.management import call_command
call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
"""


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(path, process, seconds=120):
    end = time.monotonic() + seconds
    while not os.path.exists(path):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, "the worker never reached the import's rows"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_during_an_import_leaves_nothing_and_offers_a_retry(
    client, users, import_world, tmp_path, monkeypatch
):
    own, regional = import_world["own_action"], import_world["own_regional"]
    client.force_login(users["brabant_editor"])
    data = f"id;progress;title\n{own.pk};70;{own.title}\n{regional.pk};35;Nieuwe titel\n"
    job = preview_and_confirm(client, data.encode(), rows=2)
    marker = tmp_path / "in-transaction"
    Job.objects.filter(pk=job.pk).update(
        kind="stopping_import", parameters={**job.parameters, "marker": str(marker)}
    )
    before = [
        (a.pk, a.progress, a.title, a.version, a.history.count()) for a in Action.objects.all()
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "AGENDA_SNAPSHOT_DATE": "",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(marker, worker)
        assert Job.objects.get(pk=job.pk).state == JobState.RUNNING
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    after = [
        (a.pk, a.progress, a.title, a.version, a.history.count()) for a in Action.objects.all()
    ]
    assert after == before  # the rows written inside the transaction died with it
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "er is niets half opgeslagen" in job.error
    assert "Opnieuw proberen" in page

    monkeypatch.setitem(runner.KINDS, "stopping_import", "tests.jobs.kinds.stopping_import")
    retried = client.post(f"/jobs/{job.pk}/retry/")
    new = Job.objects.get(retry_of=job)
    assert retried["Location"] == f"/jobs/{new.pk}/"
    run_jobs()
    new.refresh_from_db()
    assert new.state == JobState.DONE
    own.refresh_from_db()
    regional.refresh_from_db()
    assert (own.progress, regional.progress, regional.title) == (70, 35, "Nieuwe titel")
