from django.core.management.commands.loaddata import Command as LoadDataCommand

from regions.services import rebuild_region_closure


class Command(LoadDataCommand):
    """Django's loaddata, then one rebuild of the region closure (raw saves skip signals)."""

    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        rebuild_region_closure()
