import importlib

from django.db import migrations

# The groups of 0002 are no longer needed: rights come from memberships alone
# (agenda.backends). Going back recreates them (empty of users, as 0002 made them).
groups_migration = importlib.import_module("agenda.migrations.0002_editor_and_viewer_groups")


class Migration(migrations.Migration):
    dependencies = [("agenda", "0004_history_of_parties")]

    operations = [
        migrations.RunPython(groups_migration.remove_groups, groups_migration.create_groups)
    ]
