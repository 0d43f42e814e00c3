from django.contrib.admin.apps import AdminConfig


class RegistryAdminConfig(AdminConfig):
    """Django's admin with the registry's site: open to members, not only to staff."""

    default_site = "config.admin_base.RegistryAdminSite"
