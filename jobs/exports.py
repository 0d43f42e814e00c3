"""Exports and PDF reports beside the requests (settings.EXPORT_GATE names this module, so
that config/ imports no app):

- `deferred(request, count, title)`: an export longer than EXPORT_IMMEDIATE_MAX_ROWS rows
  (and every PDF report of a registry that large) is not made in the request: the page
  offers to prepare it ("Voorbereiden", a POST to `jobs:prepare`), which starts an export
  job; its page shows the progress and links the file when it is ready.
- The job (`run_export`) makes the very same response, as the user who asked, by calling the
  same view with the same GET parameters (a request built here): same filters, scope,
  columns and file; the rows are counted as they are written (`track`).
- `slot(request, make)`: at most EXPORT_SLOTS exports are made at once across every server
  (ExportSlot rows: a semaphore in the database, held until the response's last byte); one
  more is answered 503 with Retry-After and a message."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jobs import runner
from jobs.models import ExportSlot
from jobs.runner import JobFailed, JobResult

logger = logging.getLogger(__name__)

SLOT_SECONDS = 15 * 60  # a slot held longer than this (a crashed server) is taken back
RETRY_AFTER = 10
# The views whose GET may be prepared by a job: the admin's list exports, the review lists
# with `export=`, the report as PDF.
PREPARABLE = {"reviews:actions", "reviews:agreements", "reviews:report-pdf"}


def preparable(match):
    name = match.view_name
    return name in PREPARABLE or (name.startswith("admin:") and name.endswith("_export"))


def in_job(request):
    return getattr(request, "export_job", None) is not None


def deferred(request, count, title):
    """None when the export is made now; else the page offering to prepare it."""
    if in_job(request) or count <= settings.EXPORT_IMMEDIATE_MAX_ROWS:
        return None
    return render(
        request,
        "jobs/prepare.html",
        {
            "title": title,
            "count": formats.number_format(count, force_grouping=True),
            "limit": formats.number_format(settings.EXPORT_IMMEDIATE_MAX_ROWS, force_grouping=True),
            "path": request.path,
            "query": request.GET.urlencode(),
            "back": request.META.get("HTTP_REFERER", ""),
        },
    )


def start_export(request, path, query, title):
    """The export job for the GET `path?query` (checked: one of PREPARABLE), or None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if not preparable(match):
        return None
    return runner.start(request.user, "export", title, {"path": path, "query": query})


def track(request, rows, total=None):
    """The rows, counted into the job's progress when a job makes them."""
    progress = getattr(request, "export_job", None)
    if progress is None:
        yield from rows
        return
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % 200 == 0:
            progress(done, total)
    progress(done, max(done, total or 0))


def slot(request, make):
    """`make()` while holding an export slot (until its response is closed), or a 503."""
    if in_job(request):
        return make()
    held = acquire(f"{request.path} {getattr(request.user, 'pk', None)}")
    if held is None:
        response = HttpResponse(
            _(
                "Too many exports are being made right now; try again in a few seconds, "
                "or prepare a large export under My jobs."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    try:
        response = make()
    except BaseException:
        release(held)
        raise
    response._resource_closers.append(lambda: release(held))
    return response


def acquire(holder):
    """A free slot (one INSERT when the first is free), or None when all are held; slots
    held past their time (a server that died) are taken back first."""
    now = timezone.now()
    for attempt in range(2):
        for number in range(settings.EXPORT_SLOTS):
            held = _take(number, holder, now)
            if held is not None:
                return held
        if attempt == 0 and not ExportSlot.objects.filter(expires_at__lt=now).delete()[0]:
            break
    return None


def _take(number, holder, now):
    slot = ExportSlot(
        number=number, holder=holder[:200], expires_at=now + timedelta(seconds=SLOT_SECONDS)
    )
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                slot.save(force_insert=True)
        else:
            slot.save(force_insert=True)
    except IntegrityError:
        return None
    return slot


def release(held):
    ExportSlot.objects.filter(pk=held.pk).delete()


def run_export(job, progress):
    """The job kind "export": the GET `path?query` as the job's user; its file."""
    user = get_user_model().objects.get(pk=job.user_id)
    path, query = job.parameters["path"], job.parameters.get("query", "")
    match = resolve(path)
    if not preparable(match):
        raise JobFailed(_("This page cannot be prepared as a job."))
    request = RequestFactory().get(path, QueryDict(query))
    request.user = user
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    request.LANGUAGE_CODE = job.parameters.get("language") or settings.LANGUAGE_CODE
    request.export_job = progress
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response = response.render()
    if response.status_code != 200 or "attachment" not in response.get("Content-Disposition", ""):
        said = " ".join(str(m) for m in get_messages(request))
        raise JobFailed(said or _("The export could not be made; nothing was prepared."))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    # Not response.close(): its request_finished signal would close this worker's connection.
    for closer in response._resource_closers:
        closer()
    name = response["Content-Disposition"].split("filename=")[-1].strip('"; ')
    return JobResult(
        result={"rows": progress.job.done},
        content=content,
        file_name=name,
        content_type=response["Content-Type"],
    )
