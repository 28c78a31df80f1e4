"""Load the built-in instruments (PHQ-9, GAD-7, C-SSRS screener) from apps/checkins/instruments/."""

from django.db import migrations


def load(apps, schema_editor):
    from apps.checkins.scoring import load_builtin

    Instrument = apps.get_model("checkins", "Instrument")
    for definition in load_builtin():
        Instrument.objects.get_or_create(
            practice=None,
            key=definition["key"],
            version=definition["version"],
            defaults={"title": definition["title"], "definition": definition},
        )


class Migration(migrations.Migration):
    dependencies = [("checkins", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
