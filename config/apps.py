from django.contrib.admin.apps import AdminConfig


class RegistryAdminConfig(AdminConfig):
    """Django's admin with the registry's site: open to members, not only to staff."""

    default_site = "config.admin_base.RegistryAdminSite"

    def ready(self):
        super().ready()
        # The API's timestamps (and every export's) in UTC, whatever zone is active.
        from config.api.fields import register_utc_timestamps

        register_utc_timestamps()
