from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "agenda"
    verbose_name = _("Agenda")

    def ready(self):
        # Registers the list's row builder (config/api/rows.py) for the API, admin and exports.
        import agenda.api.rows  # noqa: F401
