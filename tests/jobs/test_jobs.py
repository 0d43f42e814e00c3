"""A job's life: queued → running → done, with its progress and its file; only who started
it sees it (others get a 404); a failed job offers a retry; a job whose worker is gone is
marked failed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import runner
from jobs.models import Job, JobState
from tests.factories import UserFactory
from tests.jobs.conftest import run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setitem(runner.KINDS, "count", "tests.jobs.kinds.count_to_three")


def test_a_job_is_queued_run_and_its_file_kept_for_its_owner(client, counting):
    owner, other = UserFactory(username="eigenaar"), UserFactory(username="ander")
    job = runner.start(owner, "count", "Tellen")
    assert (job.state, job.done, job.total) == (JobState.QUEUED, 0, 0)
    client.force_login(owner)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "In de wachtrij" in page
    assert 'id="job-progress"' in page
    assert client.get(f"/jobs/{job.pk}/status/").json()["state"] == "queued"
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404

    run_jobs()

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.percent) == (JobState.DONE, 3, 3, 100)
    assert job.started_at <= job.finished_at
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    assert job.result == {"counted": 3}
    status = client.get(f"/jobs/{job.pk}/status/").json()
    assert status | {"state_label": ""} == {
        "state": "done",
        "state_label": "",
        "done": 3,
        "total": 3,
        "percent": 100,
        "finished": True,
    }
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download.content == b"een;twee;drie\n"
    assert 'filename="tellen.csv"' in download["Content-Disposition"]
    listing = client.get("/jobs/").content.decode()
    assert "Tellen" in listing
    assert "Klaar" in listing

    client.force_login(other)
    for url in ("", "status/", "download/"):
        assert client.get(f"/jobs/{job.pk}/{url}").status_code == 404
    assert "Tellen" not in client.get("/jobs/").content.decode()
    client.logout()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 302  # to the login


def test_an_expired_file_is_gone(client, counting):
    owner = UserFactory()
    job = runner.start(owner, "count", "Tellen")
    run_jobs()
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(owner)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert "niet meer bewaard" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_job_whose_worker_is_gone_fails_and_can_be_tried_again(client, counting):
    owner = UserFactory()
    job = runner.start(owner, "count", "Tellen")
    # A worker on another machine that stopped writing its heartbeat long ago.
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, worker="elders:123", started_at=long_ago, heartbeat_at=long_ago
    )
    # A fresh heartbeat of a live worker elsewhere is left alone.
    alive = runner.start(owner, "count", "Nog bezig")
    Job.objects.filter(pk=alive.pk).update(
        state=JobState.RUNNING, worker="elders:124", heartbeat_at=timezone.now()
    )
    client.force_login(owner)

    # The page's progress bar asks the status: it learns of the failure at once.
    assert client.get(f"/jobs/{job.pk}/status/").json()["state"] == "failed"
    page = client.get(f"/jobs/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "onderbroken" in job.error
    assert "Opnieuw proberen" in page
    assert Job.objects.get(pk=alive.pk).state == JobState.RUNNING
    retried = client.post(f"/jobs/{job.pk}/retry/")
    new = Job.objects.get(retry_of=job)
    assert retried["Location"] == f"/jobs/{new.pk}/"
    run_jobs()
    new.refresh_from_db()
    assert new.state == JobState.DONE
    # Only a failed job is retried, and only by its owner.
    client.force_login(UserFactory())
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/retry/").status_code in (404, 405)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_without_progress_still_beats(monkeypatch):
    """A worker busy with one long step (a PDF) writes its heartbeat meanwhile, so it is not
    taken for a stopped one."""
    monkeypatch.setitem(runner.KINDS, "quiet", "tests.jobs.kinds.quiet_for_a_while")
    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 0.1)
    job = runner.start(UserFactory(), "quiet", "Stil")
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.result["heartbeat"] > job.result["started"]
