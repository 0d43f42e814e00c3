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
a whole file into memory (tablib)."""

import hashlib
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.importing import ADMIN_MAX_ROWS, MAX_BYTES, ActionImporter, ImportSource
from actions.models import ImportUpload

TOKEN_SALT = "actions.import.confirm"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview can be confirmed
UPLOADS_KEPT = timedelta(days=1)
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
                upload = self._store(request, form.cleaned_data["file"])
                report = self._run(request, upload, dry_run=True)
                return self._preview(request, upload, report)
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
            messages.error(
                request,
                _(
                    "This preview has expired or is unknown; nothing was saved. "
                    "Upload the file again."
                ),
            )
            return HttpResponseRedirect(self._url("import"))
        report = self._run(request, upload, dry_run=False, expect_digest=token["digest"])
        if not report.committed:
            return self._preview(request, upload, report)
        upload.delete()
        messages.success(
            request,
            _("Imported from %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "file": upload.file_name,
                "new": len(report.new),
                "changed": len(report.changed),
                "unchanged": report.unchanged,
            },
        )
        return HttpResponseRedirect(self._url("changelist"))

    def _store(self, request, uploaded):
        ImportUpload.objects.filter(created_at__lt=timezone.now() - UPLOADS_KEPT).delete()
        content = b"".join(uploaded.chunks())
        return ImportUpload.objects.create(
            user=request.user,
            file_name=uploaded.name[:255],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
        )

    def _run(self, request, upload, *, dry_run, expect_digest=None):
        source = ImportSource.from_bytes(upload.file_name, bytes(upload.content))
        importer = ActionImporter(
            request.user,
            max_rows=ADMIN_MAX_ROWS,
            too_many_rows_hint=_(
                "Larger files are imported on the command line: manage.py import_actions."
            ),
        )
        return importer.run(source, dry_run=dry_run, expect_digest=expect_digest)

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
