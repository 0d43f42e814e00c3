from django.core.management.commands.loaddata import Command as LoadDataCommand
from django.test.utils import override_settings

from regions.services import rebuild_region_closure


class Command(LoadDataCommand):
    """Django's loaddata, then one rebuild of the region closure (raw saves skip signals).
    Loading reference data is not an edit: no history is recorded for it (simple-history
    skips raw saves but not the many-to-many sets that follow them)."""

    def handle(self, *fixture_labels, **options):
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            super().handle(*fixture_labels, **options)
        rebuild_region_closure()
