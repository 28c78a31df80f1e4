"""Risk-signal and alert evidence encrypted at rest; existing rows are copied into the encrypted column before the plaintext
one is dropped (the pattern of plans 0003)."""

from django.db import migrations

import apps.core.fields


def encrypt(apps, schema_editor):
    RiskSignal = apps.get_model("alerts", "RiskSignal")
    for row in RiskSignal.objects.all().only("id", "evidence").iterator():
        RiskSignal.objects.filter(pk=row.pk).update(sealed_evidence=row.evidence)
    Alert = apps.get_model("alerts", "Alert")
    for row in Alert.objects.all().only("id", "evidence").iterator():
        Alert.objects.filter(pk=row.pk).update(sealed_evidence=row.evidence)


def decrypt(apps, schema_editor):
    RiskSignal = apps.get_model("alerts", "RiskSignal")
    for row in RiskSignal.objects.all().only("id", "sealed_evidence").iterator():
        RiskSignal.objects.filter(pk=row.pk).update(evidence=row.sealed_evidence)
    Alert = apps.get_model("alerts", "Alert")
    for row in Alert.objects.all().only("id", "sealed_evidence").iterator():
        Alert.objects.filter(pk=row.pk).update(evidence=row.sealed_evidence)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0003_risksignal_alert")]

    operations = [
        migrations.AddField(
            model_name="risksignal",
            name="sealed_evidence",
            field=apps.core.fields.EncryptedJSONField(default=list),
        ),
        migrations.AddField(
            model_name="alert",
            name="sealed_evidence",
            field=apps.core.fields.EncryptedJSONField(default=list),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="risksignal", name="evidence"),
        migrations.RenameField(model_name="risksignal", old_name="sealed_evidence", new_name="evidence"),
        migrations.AlterField(
            model_name="risksignal",
            name="evidence",
            field=apps.core.fields.EncryptedJSONField(
                default=list,
                help_text="Item ids and answers, or text spans with the detector version; PHI, so encrypted",
            ),
        ),
        migrations.RemoveField(model_name="alert", name="evidence"),
        migrations.RenameField(model_name="alert", old_name="sealed_evidence", new_name="evidence"),
        migrations.AlterField(
            model_name="alert",
            name="evidence",
            field=apps.core.fields.EncryptedJSONField(
                default=list,
                help_text="The signals behind it: item and answer, or spans and detector; PHI, so encrypted",
            ),
        ),
    ]
