"""The pages of one's own jobs: "Mijn taken", a job with its progress bar (static/registry/
jobs.js asks `status/` every second), its file and a retry of a failed one. Someone else's
job is a 404, as is an expired file."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import exports, runner
from jobs.models import Job, JobState

LISTED = 50


def own_job(request, pk):
    job = Job.objects.filter(pk=pk, user=request.user).defer("result_file").first()
    if job is None:
        raise Http404
    return job


@login_required
def job_list(request):
    runner.fail_stale_jobs()
    jobs = Job.objects.filter(user=request.user).defer("result_file", "result")[:LISTED]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk):
    runner.fail_stale_jobs()
    job = own_job(request, pk)
    url = (job.result or {}).get("url") if job.state == JobState.DONE else None
    if url:
        return HttpResponseRedirect(url)
    return render(request, "jobs/job_detail.html", {"job": job, "expired": _expired(job)})


@login_required
def job_status(request, pk):
    runner.fail_stale_jobs(Job.objects.filter(pk=pk, user=request.user))
    job = own_job(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
        }
    )


@login_required
def job_download(request, pk):
    job = own_job(request, pk)
    if not job.has_file or _expired(job):
        raise Http404
    content = Job.objects.values_list("result_file", flat=True).get(pk=job.pk)
    response = HttpResponse(bytes(content), content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response


@login_required
@require_POST
def job_retry(request, pk):
    runner.fail_stale_jobs()
    job = own_job(request, pk)
    if job.state != JobState.FAILED:
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    new = runner.retry(job)
    return HttpResponseRedirect(reverse("jobs:detail", args=[new.pk]))


@login_required
@require_POST
def prepare(request):
    """Start the export job that a page offered ("Voorbereiden")."""
    title = request.POST.get("title", "").strip() or _("Export")
    job = exports.start_export(
        request, request.POST.get("path", ""), request.POST.get("query", ""), title
    )
    if job is None:
        raise Http404
    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))


def _expired(job):
    return job.expires_at is not None and job.expires_at < timezone.now()
