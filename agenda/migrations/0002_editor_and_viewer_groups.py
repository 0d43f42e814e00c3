from django.contrib.auth.management import create_permissions
from django.db import migrations

# Model permissions only; which rows an editor may change is decided by memberships
# (editable_by), and reference data, reviews and goals by ministry editors only (the admin).
EDITOR_MODELS = {
    "agenda": [
        "agreement",
        "agreementparty",
        "budgetline",
        "review",
        "reviewdecision",
        "goal",
        "goalmeasurement",
        "party",
        "membership",
        "theme",
    ],
    "actions": ["action"],
    "regions": ["region"],
}
READ_APPS = ["regions", "agenda", "actions"]


def create_groups(apps, schema_editor):
    """Groups "Redacteur" (editor) and "Lezer" (viewer): model permissions for the admin.
    Which records an editor may change is decided by memberships (editable_by)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(
        content_type__app_label__in=READ_APPS, codename__startswith="view_"
    ).exclude(content_type__model__startswith="historical")
    viewer, _ = Group.objects.get_or_create(name="Lezer")
    viewer.permissions.set(view)
    editor, _ = Group.objects.get_or_create(name="Redacteur")
    change = [
        perm
        for app, models in EDITOR_MODELS.items()
        for perm in Permission.objects.filter(
            content_type__app_label=app, content_type__model__in=models
        )
    ]
    editor.permissions.set([*view, *change])


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Lezer", "Redacteur"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0001_initial"),
        ("actions", "0001_initial"),
        ("regions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
