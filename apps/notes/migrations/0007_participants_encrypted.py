"""Session participants encrypted at rest; existing rows are copied into the encrypted column before the plaintext one is dropped
(``apps.core.migration_ops.seal_column``)."""

from django.db import migrations

from apps.core.fields import EncryptedJSONField
from apps.core.migration_ops import seal_column


class Migration(migrations.Migration):
    dependencies = [("notes", "0006_encrypted_json")]

    operations = [
        *seal_column(
            "notes",
            "clinicalsession",
            "participants",
            EncryptedJSONField(
                default=list, blank=True, help_text="Roles of others present, no names; PHI, so encrypted"
            ),
        ),
    ]
