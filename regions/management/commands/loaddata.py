from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands.loaddata import Command as LoadDataCommand
from django.db import transaction
from django.test.utils import override_settings

from config import dated_states
from config.history import record_initial_history
from regions.services import rebuild_region_closure


class Command(LoadDataCommand):
    """Django's loaddata, then one rebuild of the region closure (raw saves skip signals), the
    dated states of the loaded records replayed into their history (config.dated_states: the
    files among the labels that hold them), and for every other loaded row that has no history
    yet one "created" record dated at its `created_at` (loading is no edit: nobody made it,
    and a reload records nothing new). All or nothing."""

    def handle(self, *fixture_labels, **options):
        dated = [label for label in fixture_labels if dated_states.is_dated_states(label)]
        fixtures = [label for label in fixture_labels if label not in dated]
        with transaction.atomic(using=options.get("database")):
            if fixtures:
                with override_settings(SIMPLE_HISTORY_ENABLED=False):
                    super().handle(*fixtures, **options)
            rebuild_region_closure()
            for label in dated:
                try:
                    written = dated_states.replay(label)
                except dated_states.DatedStatesError as exc:
                    raise CommandError(f"{label}: {exc}") from None
                if options.get("verbosity", 1) >= 1:
                    self.stdout.write(f"Replayed the dated states of {written} record(s).")
            record_initial_history(
                m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")
            )
