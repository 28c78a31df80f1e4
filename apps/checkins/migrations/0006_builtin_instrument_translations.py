"""Give the stored built-in instruments their validated translations (Spanish PHQ-9 and GAD-7).
The wording is added to the same version: ids, values, scoring and risk rules do not change, so
earlier administrations and trends stay comparable."""

from django.db import migrations


def forward(apps, schema_editor):
    from apps.checkins.scoring import load_builtin

    Instrument = apps.get_model("checkins", "Instrument")
    for definition in load_builtin():
        for row in Instrument.objects.filter(practice=None, key=definition["key"], version=definition["version"]):
            row.definition = {**row.definition, "translations": definition.get("translations", {})}
            row.save(update_fields=["definition"])


def backward(apps, schema_editor):
    Instrument = apps.get_model("checkins", "Instrument")
    for row in Instrument.objects.filter(practice=None):
        row.definition = {k: v for k, v in row.definition.items() if k != "translations"}
        row.save(update_fields=["definition"])


class Migration(migrations.Migration):
    dependencies = [("checkins", "0005_questionnaire_language")]

    operations = [migrations.RunPython(forward, backward)]
