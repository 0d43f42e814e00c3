"""The `changes/` feed's own log (agenda.FeedEntry), filled from the recorded history so that
a feed walked from before this migration still sees every change."""

from django.db import migrations, models

import agenda.models

RESOURCES = [  # (type, app, historical model, key field), as the API names them
    ("region", "regions", "HistoricalRegion", "code"),
    ("party", "agenda", "HistoricalParty", "code"),
    ("theme", "agenda", "HistoricalTheme", "code"),
    ("agreement", "agenda", "HistoricalAgreement", "code"),
    ("action", "actions", "HistoricalAction", "id"),
    ("review", "agenda", "HistoricalReview", "id"),
    ("goal", "agenda", "HistoricalGoal", "code"),
]


def entries_from_history(apps, schema_editor):
    entry = apps.get_model("agenda", "FeedEntry")
    drafts = set(
        apps.get_model("agenda", "Agreement")
        .objects.filter(status="draft")
        .values_list("id", flat=True)
    )
    rows = []
    for name, app, model, key in RESOURCES:
        history = apps.get_model(app, model).objects.order_by("id", "history_id")
        last = {}
        for record in history.iterator(chunk_size=2000):
            if name == "agreement":
                public = record.status != "draft"
            elif name == "action":
                public = record.agreement_id not in drafts
            else:
                public = True
            before = last.get(record.id)
            value = str(getattr(record, key))
            at = record.history_date
            if before is not None and before[0] != value and record.history_type != "-":
                rows.append(
                    (
                        at,
                        entry(
                            at=at,
                            type=name,
                            key=before[0],
                            object_id=record.id,
                            kind="-",
                            public=before[1],
                        ),
                    )
                )
            kind = record.history_type if before is not None or record.history_type == "-" else "+"
            rows.append(
                (
                    at,
                    entry(
                        at=at,
                        type=name,
                        key=value,
                        object_id=record.id,
                        kind=kind,
                        public=public or bool(before and before[1]),
                    ),
                )
            )
            last[record.id] = (value, public)
    rows.sort(key=lambda row: row[0])
    entry.objects.bulk_create([row[1] for row in rows], batch_size=2000)


def no_entries(apps, schema_editor):
    apps.get_model("agenda", "FeedEntry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0012_throttle_cache_table"),
        ("actions", "0007_code_validator"),
        ("regions", "0004_code_validator"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedEntry",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "txid",
                    models.BigIntegerField(
                        db_default=agenda.models.CurrentTransaction(), editable=False
                    ),
                ),
                ("at", models.DateTimeField()),
                ("type", models.CharField(max_length=20)),
                ("key", models.CharField(max_length=100)),
                ("object_id", models.BigIntegerField()),
                ("kind", models.CharField(max_length=1)),
                ("public", models.BooleanField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["txid", "id"], name="feed_entry_position"),
                    models.Index(fields=["at"], name="feed_entry_at"),
                ],
            },
        ),
        migrations.RunPython(entries_from_history, no_entries),
    ]
