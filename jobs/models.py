"""A job: long work (an import, a big export, a PDF report) done by a task worker instead of
inside a web request, as the person who asked sees it: what, state, progress, the result
file (kept privately in the database, for them only, a limited time) and errors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job state", "queued")
    RUNNING = "running", pgettext_lazy("job state", "running")
    DONE = "done", pgettext_lazy("job state", "done")
    FAILED = "failed", pgettext_lazy("job state", "failed")


FINISHED = (JobState.DONE, JobState.FAILED)


class Job(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    done = models.PositiveIntegerField(pgettext_lazy("job progress", "done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    result_file = models.BinaryField(_("result file"), null=True, blank=True, editable=False)
    result_name = models.CharField(_("file name"), max_length=255, blank=True)
    result_type = models.CharField(_("content type"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_created"),
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat"),
        ]

    def __str__(self):
        return self.title

    @property
    def finished(self):
        return self.state in FINISHED

    @property
    def percent(self):
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def has_file(self):
        return self.state == JobState.DONE and bool(self.result_name)


class ExportSlot(models.Model):
    """One of the EXPORT_SLOTS places an export may hold at a time, across every app server
    and worker (a row per place held; the unique number is the semaphore)."""

    number = models.PositiveSmallIntegerField(unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.number}: {self.holder}"


class Schedule(models.Model):
    """When a periodic task (jobs.schedule) is next due. A scheduler claims a run by moving
    `next_run` forward in one conditional UPDATE: with several schedulers (one per server),
    exactly one enqueues it."""

    name = models.CharField(max_length=60, unique=True)
    next_run = models.DateTimeField()
    last_run = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
