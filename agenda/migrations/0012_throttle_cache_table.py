"""The table of the `throttle` cache (the API's rate-limit counts, shared by every worker)
when that cache is the database (the default); nothing when it is Redis or another cache."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def database_cache_tables():
    return [
        config["LOCATION"]
        for config in settings.CACHES.values()
        if config["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    ]


def create(apps, schema_editor):
    if database_cache_tables():
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    for table in database_cache_tables():
        schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("agenda", "0011_history_day_index")]

    operations = [migrations.RunPython(create, drop)]
