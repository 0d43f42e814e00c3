"""The agreements on a day (actions.history.on_day), as for the actions: an index on the
historical records' (id, history_date). RunSQL (the historical model is generated),
reversible."""

from django.db import migrations

INDEX = "agenda_historicalagreement_id_date"
TABLE = "agenda_historicalagreement"


class Migration(migrations.Migration):
    dependencies = [("agenda", "0010_code_validator")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON {TABLE} (id, history_date)",
            f"DROP INDEX {INDEX}",
        ),
    ]
