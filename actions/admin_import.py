"""The import in the admin, for editors: upload on the action list → a preview of every row
(new, changed with old → new per field, unchanged, refused, and why) → confirm.

The preview is the import itself run as a dry run (actions.importing: the services, the
editor's scope, rolled back). The upload is kept in the database (ImportUpload), so the
confirmation never trusts the browser with the rows: it carries only a signed token naming
the stored upload and a digest of the previewed outcome. Confirming runs the import again on
those stored bytes, for real; if the registry changed in between so that the outcome is no
longer what the editor saw, nothing is saved and the new preview is shown instead.

django-import-export was not used: its rows are set on model instances field by field and
saved with `instance.save()`, so the status rules, the version check, the scope and the one
history record per write (all in the services) would be bypassed or duplicated; its
temporary storage of uploads is a local file (wrong with several app servers); and it reads
a whole file into memory (tablib).

The preview and the import run as background jobs (actions.import_jobs, jobs/): the upload
leads to the job's page with its progress bar, which leads to the preview when it is ready;
confirming starts the import's job the same way."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.import_jobs import report_from_json
from actions.importing.importer import ADMIN_MAX_ROWS
from actions.importing.uploads import UploadQuotaExceeded, store_upload
from actions.models import ImportUpload
from config.spreadsheets.reading import MAX_BYTES
from jobs import runner
from jobs.models import Job, JobState

TOKEN_SALT = "actions.import.confirm"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview can be confirmed
ROWS_SHOWN = 500  # rows listed in the preview; the counts cover all


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_BYTES)}
            )
        return upload


class ActionImportAdminMixin:
    """Adds `import/` and `import/confirm/` to the action admin, and the button on its list."""

    import_template = "admin/actions/action/import.html"
    import_preview_template = "admin/actions/action/import_preview.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/job/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            path(
                "import/confirm/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        """Editors import (within their scope, row by row); readers do not."""
        return self.has_add_permission(request) or self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"has_import_permission": self.has_import_permission(request)} | (
            extra_context or {}
        )
        return super().changelist_view(request, extra_context)

    def _url(self, name, **kwargs):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            kwargs=kwargs,
            current_app=self.admin_site.name,
        )

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "changelist_url": self._url("changelist"),
            "import_url": self._url("import"),
            "confirm_url": self._url("import_confirm"),
            "export_xlsx_url": self._url("export", kind="xlsx"),
            "max_size": filesizeformat(MAX_BYTES),
            "max_rows": formats.number_format(ADMIN_MAX_ROWS, force_grouping=True),
            **extra,
        }

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm()
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    upload = self._store(request, form.cleaned_data["file"])
                except UploadQuotaExceeded as exc:
                    form.add_error("file", exc.message)
                else:
                    title = _("Import preview: %(file)s") % {"file": upload.file_name}
                    return self._start_job(request, title, upload, dry_run=True)
        return TemplateResponse(
            request,
            self.import_template,
            self._context(request, _("Import actions"), form=form),
        )

    def import_confirm_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            token = signing.loads(
                request.POST.get("token", ""), salt=TOKEN_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            token = {}
        upload = None
        if token.get("user") == request.user.pk:
            upload = ImportUpload.objects.filter(pk=token.get("upload"), user=request.user).first()
        if upload is None:
            return self._expired_preview(request)
        title = _("Import: %(file)s") % {"file": upload.file_name}
        return self._start_job(request, title, upload, dry_run=False, digest=token["digest"])

    def import_job_view(self, request, pk):
        """An import job's outcome: the preview (or, after a confirmed import that could not
        be saved, the new one), or — saved — the list with what was imported. Only for the
        user who started it; until it is done, its page with the progress bar."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = Job.objects.filter(pk=pk, user=request.user, kind="import").first()
        if job is None:
            raise Http404
        if job.state != JobState.DONE:
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        result = job.result or {}
        if result.get("message"):
            messages.success(request, result["message"])
            return HttpResponseRedirect(self._url("changelist"))
        report = report_from_json(result["report"])
        upload = ImportUpload.objects.filter(pk=result.get("upload"), user=request.user).first()
        if upload is None:
            return self._expired_preview(request)
        return self._preview(request, upload, report)

    def _start_job(self, request, title, upload, *, dry_run, digest=None):
        """The preview's or the import's job on the stored upload; its page shows the progress."""
        parameters = {"upload": upload.pk, "dry_run": dry_run}
        if digest is not None:
            parameters["digest"] = digest
        job = runner.start(request.user, "import", title, parameters)
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))

    def _expired_preview(self, request):
        messages.error(
            request,
            _("This preview has expired or is unknown; nothing was saved. Upload the file again."),
        )
        return HttpResponseRedirect(self._url("import"))

    def _store(self, request, uploaded):
        """The upload kept for its confirmation, within the user's quota (UploadQuotaExceeded
        otherwise); their uploads whose preview can no longer be confirmed are deleted."""
        content = b"".join(uploaded.chunks())
        return store_upload(
            request.user,
            uploaded.name,
            content,
            usable_for=timedelta(seconds=PREVIEW_MAX_AGE),
        )

    def _preview(self, request, upload, report):
        token = None
        if report.ok and report.has_changes:
            token = signing.dumps(
                {"upload": upload.pk, "user": request.user.pk, "digest": report.digest},
                salt=TOKEN_SALT,
            )
        return TemplateResponse(
            request,
            self.import_preview_template,
            self._context(
                request,
                _("Import actions: preview"),
                report=report,
                upload=upload,
                token=token,
                rows=report.outcomes[:ROWS_SHOWN],
                rows_hidden=max(len(report.outcomes) - ROWS_SHOWN, 0),
                problems=report.problems[:ROWS_SHOWN],
                problems_hidden=max(len(report.problems) - ROWS_SHOWN, 0),
            ),
        )
