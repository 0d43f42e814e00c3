"""Optimistic concurrency for the versioned models (Agreement, Action).

A writer says which `version` it read; the service locks the row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite runs every transaction IMMEDIATE, see settings) and refuses when the
version moved on, so concurrent edits never silently overwrite each other."""

from django.utils.translation import gettext_lazy as _


class StaleVersionError(Exception):
    """The row changed after the writer read it."""

    def __init__(self, instance):
        self.instance = instance
        super().__init__(
            _("This record was changed by someone else (now version %(version)s). Reload it.")
            % {"version": instance.version}
        )


def lock_for_write(queryset, pk, expected_version=None):
    """The row, locked until the transaction ends; StaleVersionError if its version moved."""
    instance = queryset.select_for_update().get(pk=pk)
    if expected_version is not None and instance.version != int(expected_version):
        raise StaleVersionError(instance)
    return instance
