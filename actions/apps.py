from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions")

    def ready(self):
        # Registers the list's row builder (config/api/rows.py) for the API, admin and exports.
        import actions.api.rows  # noqa: F401
