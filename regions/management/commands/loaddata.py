from django.apps import apps
from django.core.management.commands.loaddata import Command as LoadDataCommand
from django.test.utils import override_settings

from config.history import record_initial_history
from regions.services import rebuild_region_closure


class Command(LoadDataCommand):
    """Django's loaddata, then one rebuild of the region closure (raw saves skip signals),
    and for every loaded row that has no history yet one "created" record dated at its
    `created_at` (loading is no edit: nobody made it, and a reload records nothing new)."""

    def handle(self, *fixture_labels, **options):
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            super().handle(*fixture_labels, **options)
        rebuild_region_closure()
        record_initial_history(
            m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")
        )
