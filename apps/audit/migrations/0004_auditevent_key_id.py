from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_staff_mfa")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, editable=False, max_length=16, null=True),
        ),
    ]
