"""The report as PDF in a large registry (more actions than EXPORT_IMMEDIATE_MAX_ROWS) is
prepared by a job, for the one who asked; in a small one it is made at once."""

import ctypes.util

import pytest

from jobs.models import Job, JobState
from tests.conftest import require_or_skip
from tests.factories import ReviewFactory
from tests.jobs.conftest import run_jobs

pytestmark = pytest.mark.django_db


def test_a_large_registrys_pdf_report_is_prepared_by_a_job(client, users, review_agenda, settings):
    require_or_skip(ctypes.util.find_library("pangoft2-1.0"), "Pango (for WeasyPrint) is missing")
    held = ReviewFactory(date="2015-06-08", title="Eerste herijking", status="held")
    url = f"/reviews/{held.pk}/report/pdf/"
    client.force_login(users["brabant_viewer"])
    settings.EXPORT_IMMEDIATE_MAX_ROWS = 0

    offer = client.get(url, {"region": "AG-ZUID"})

    assert offer.status_code == 200
    assert "Voorbereiden" in offer.content.decode()
    client.post("/jobs/prepare/", {"path": url, "query": "region=AG-ZUID", "title": "Rapport"})
    run_jobs()
    job = Job.objects.get()
    assert job.state == JobState.DONE, job.error
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    assert 'filename="herijking-2015-06-08-AG-ZUID.pdf"' in download["Content-Disposition"]
    client.force_login(users["brabant_editor"])
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
