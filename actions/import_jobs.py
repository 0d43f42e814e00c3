"""The admin's import as background jobs (jobs.runner): the preview (a dry run) and the
confirmed import run in a task worker with a progress bar, on the stored upload, as the user
who uploaded it (their scope). The import itself is unchanged (actions.importing: the
services, one transaction, all or nothing); its report is kept on the job as JSON and shown
by the admin's preview page."""

from collections import Counter
from dataclasses import asdict

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from actions.importing.importer import ADMIN_MAX_ROWS, MAX_ROWS, ActionImporter
from actions.importing.report import ImportReport, Problem, RowOutcome
from actions.models import ImportUpload
from config.spreadsheets.reading import ImportSource
from jobs.runner import JobFailed, JobResult


def import_file(user, upload, *, dry_run, expect_digest=None, progress=None):
    """One run of the import on a stored upload (the admin's, in a request or a job)."""
    source = ImportSource.from_bytes(upload.file_name, bytes(upload.content))
    importer = ActionImporter(
        user,
        progress=progress,
        max_rows=ADMIN_MAX_ROWS,
        too_many_rows_hint=_(
            "Larger files are imported on the command line: manage.py import_actions."
        )
        if ADMIN_MAX_ROWS < MAX_ROWS
        else "",
    )
    return importer.run(source, dry_run=dry_run, expect_digest=expect_digest)


def run_import(job, progress):
    """The job kind "import": parameters `upload`, `dry_run`, `digest` (the previewed one)."""
    params = job.parameters
    user = get_user_model().objects.get(pk=job.user_id)
    upload = ImportUpload.objects.filter(pk=params["upload"], user=user).first()
    if upload is None:
        raise JobFailed(
            _("The uploaded file is no longer kept; nothing was saved. Upload it again.")
        )
    report = import_file(
        user,
        upload,
        dry_run=params.get("dry_run", True),
        expect_digest=params.get("digest"),
        progress=progress,
    )
    result = {
        "report": report_to_json(report),
        "upload": upload.pk,
        "url": reverse("admin:actions_action_import_job", args=[job.pk]),
    }
    if report.committed:
        result["message"] = done_message(report, upload.file_name)
        upload.delete()
    return JobResult(result=result)


def done_message(report, file_name):
    done = _(
        "Imported from %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged."
    ) % {
        "file": file_name,
        "new": len(report.new),
        "changed": len(report.changed),
        "unchanged": report.unchanged,
    }
    if report.skipped:
        done += " " + _("Skipped, as rows of actions you may not change: %(skipped)s.") % {
            "skipped": report.skipped
        }
    return done


def report_to_json(report):
    data = asdict(report)
    data["field_counts"] = dict(report.field_counts)
    # Values shown in the preview are text already; anything else becomes text.
    return _plain(data)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def report_from_json(data):
    data = dict(data)
    data["file_problems"] = [Problem(**p) for p in data.get("file_problems", [])]
    data["outcomes"] = [
        RowOutcome(
            **{
                **o,
                "problems": [Problem(**p) for p in o.get("problems", [])],
                "changes": [tuple(c) for c in o.get("changes", [])],
            }
        )
        for o in data.get("outcomes", [])
    ]
    data["field_counts"] = Counter(data.get("field_counts", {}))
    return ImportReport(**data)
