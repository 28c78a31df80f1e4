"""Push tokens encrypted at rest, with an HMAC digest for lookups. Existing rows are copied into the
encrypted column (and given their digest) before the plaintext column is dropped."""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

import apps.core.fields


def _digest(token: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"device-token:" + token.encode(), hashlib.sha256).hexdigest()


def encrypt_tokens(apps, schema_editor):
    Device = apps.get_model("accounts", "Device")
    for device in Device.objects.all().only("id", "token"):
        Device.objects.filter(pk=device.pk).update(sealed_token=device.token, token_digest=_digest(device.token))


def decrypt_tokens(apps, schema_editor):
    Device = apps.get_model("accounts", "Device")
    for device in Device.objects.all().only("id", "sealed_token"):
        Device.objects.filter(pk=device.pk).update(token=device.sealed_token)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_break_glass_export_erasure")]

    operations = [
        migrations.AddField(
            model_name="device", name="sealed_token", field=apps.core.fields.EncryptedTextField(default="")
        ),
        migrations.AddField(model_name="device", name="token_digest", field=models.CharField(max_length=64, null=True)),
        migrations.AlterField(model_name="device", name="token", field=models.CharField(max_length=1024, default="")),
        migrations.RunPython(encrypt_tokens, decrypt_tokens),
        migrations.RemoveField(model_name="device", name="token"),
        migrations.RenameField(model_name="device", old_name="sealed_token", new_name="token"),
        migrations.AlterField(model_name="device", name="token", field=apps.core.fields.EncryptedTextField()),
        migrations.AlterField(
            model_name="device", name="token_digest", field=models.CharField(max_length=64, unique=True)
        ),
    ]
