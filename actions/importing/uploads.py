"""Uploaded import files kept between preview and confirmation (ImportUpload): stored with a
per-user quota (how many, how many bytes), old ones cleaned on every upload.

Settings: `ACTION_IMPORT_UPLOADS_PER_USER` (5 files) and `ACTION_IMPORT_UPLOAD_BYTES_PER_USER`
(50 MB) waiting per user; an upload is kept a day at the longest (`UPLOADS_KEPT`), a user's
own uploads no longer than their preview can be confirmed (`usable_for`)."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Length
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import ImportUpload

UPLOADS_KEPT = timedelta(days=1)
UPLOADS_PER_USER = getattr(settings, "ACTION_IMPORT_UPLOADS_PER_USER", 5)
UPLOAD_BYTES_PER_USER = getattr(settings, "ACTION_IMPORT_UPLOAD_BYTES_PER_USER", 50 * 1024 * 1024)


class UploadQuotaExceeded(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def clean_uploads(user=None, usable_for=None):
    """Delete every upload older than UPLOADS_KEPT and, with `user`, theirs older than
    `usable_for` (no preview of them can be confirmed any more). Returns how many."""
    now = timezone.now()
    deleted, _kinds = ImportUpload.objects.filter(created_at__lt=now - UPLOADS_KEPT).delete()
    if user is not None and usable_for is not None:
        old = ImportUpload.objects.filter(user=user, created_at__lt=now - usable_for)
        deleted += old.delete()[0]
    return deleted


def store_upload(user, file_name, content, *, usable_for=UPLOADS_KEPT):
    """The upload stored for `user`, after cleaning; UploadQuotaExceeded (with a message for
    them) when it would take them past their quota."""
    clean_uploads(user, usable_for)
    held = ImportUpload.objects.filter(user=user).aggregate(
        count=Count("pk"), size=Sum(Length("content"))
    )
    count, size = held["count"], held["size"] or 0
    if count + 1 > UPLOADS_PER_USER or size + len(content) > UPLOAD_BYTES_PER_USER:
        raise UploadQuotaExceeded(
            _(
                "You have %(count)s uploaded files (%(size)s) waiting for confirmation; with "
                "this one that would be more than %(max_count)s files or %(max_size)s. Confirm "
                "or leave those previews (they expire after %(minutes)s minutes), then upload "
                "again. Nothing was saved."
            )
            % {
                "count": count,
                "size": filesizeformat(size),
                "max_count": UPLOADS_PER_USER,
                "max_size": filesizeformat(UPLOAD_BYTES_PER_USER),
                "minutes": int(usable_for.total_seconds() // 60),
            }
        )
    return ImportUpload.objects.create(
        user=user,
        file_name=file_name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
