"""The PHQ-9 item-9 answer (risk findings) encrypted at rest; existing rows are copied into the encrypted column before the plaintext one is dropped
(``apps.core.migration_ops.seal_column``)."""

from django.db import migrations

from apps.core.fields import EncryptedJSONField
from apps.core.migration_ops import seal_column


class Migration(migrations.Migration):
    dependencies = [("checkins", "0003_encrypted_json")]

    operations = [
        *seal_column(
            "checkins",
            "questionnaireresponse",
            "risk",
            EncryptedJSONField(
                default=list,
                blank=True,
                help_text="Risk findings (signal, level, item evidence): the item-9 answer, PHI",
            ),
        ),
    ]
