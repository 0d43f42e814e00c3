"""Big exports as jobs: above EXPORT_IMMEDIATE_MAX_ROWS the page offers to prepare the file;
the job makes the very file the request would have made, for the one who asked only. At
most EXPORT_SLOTS exports are made at once: one more is a 503 with Retry-After."""

import pytest

from jobs import exports
from jobs.models import ExportSlot, Job, JobState
from tests.jobs.conftest import run_jobs

pytestmark = pytest.mark.django_db

ADMIN_CSV = "/admin/actions/action/export/csv/"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "url",
    [ADMIN_CSV + "?o=1", "/reviews/actions/?export=csv&ordering=code"],
)
def test_a_big_export_is_prepared_by_a_job_as_the_same_file(
    client, users, small_agenda, settings, url
):
    editor = users["brabant_editor"]
    client.force_login(editor)
    now = client.get(url)
    assert now.status_code == 200
    immediate = body(now)
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 1

    offer = client.get(url)

    page = offer.content.decode()
    assert offer.status_code == 200
    assert "Voorbereiden" in page
    assert "op de achtergrond voorbereid" in page
    assert not Job.objects.exists()
    path, query = url.split("?")
    started = client.post("/jobs/prepare/", {"path": path, "query": query, "title": "Acties"})
    job = Job.objects.get()
    assert started["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.state) == ("export", JobState.QUEUED)

    run_jobs()

    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    rows = immediate.count(b"\n") - 1
    assert (job.done, job.total) == (rows, rows)
    assert "downloaden" in client.get(f"/jobs/{job.pk}/").content.decode()
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download.content == immediate
    assert download["Content-Disposition"] == now["Content-Disposition"]
    client.force_login(users["brabant_viewer"])
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_only_export_pages_can_be_prepared(client, users, small_agenda):
    client.force_login(users["brabant_editor"])
    for path in ["/admin/auth/user/", "/jobs/", "/nergens/", "", "/admin/actions/action/"]:
        response = client.post("/jobs/prepare/", {"path": path, "query": ""})
        assert response.status_code == 404
    assert client.get("/jobs/prepare/").status_code == 405
    assert not Job.objects.exists()


def test_an_export_refused_in_the_job_says_why(client, users, small_agenda, settings):
    client.force_login(users["brabant_editor"])
    client.post("/jobs/prepare/", {"path": "/reviews/actions/", "query": "export=csv&x=1"})
    run_jobs()
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert job.error


def test_exports_beyond_the_slots_get_a_503_with_retry_after(client, users, small_agenda, settings):
    settings.EXPORT_SLOTS = 1
    client.force_login(users["brabant_editor"])
    held = exports.acquire("another export")
    assert exports.acquire("one more") is None

    for url in [ADMIN_CSV, "/reviews/actions/?export=csv", "/api/v1/actions/?format=csv"]:
        refused = client.get(url)
        assert refused.status_code == 503, url
        assert refused["Retry-After"] == "10"
        assert "Er worden nu te veel exports gemaakt" in refused.content.decode()

    exports.release(held)
    made = client.get(ADMIN_CSV)
    assert made.status_code == 200
    assert ExportSlot.objects.count() == 1  # held while the file is sent
    body(made)  # read to the end: the test client closes it, as a server does
    assert not ExportSlot.objects.exists()
