"""Practices still on the shipped crisis resources get the new ones (Spanish lines for the US, Spain,
France, Mexico, tap-to-call numbers); a practice that edited its list keeps it."""

from django.db import migrations

PREVIOUS_DEFAULT = {
    "US": [{"name": "988 Suicide & Crisis Lifeline", "contact": "Call or text 988", "url": "https://988lifeline.org"}],
    "CA": [{"name": "9-8-8 Suicide Crisis Helpline", "contact": "Call or text 988", "url": "https://988.ca"}],
    "GB": [
        {"name": "Samaritans", "contact": "Call 116 123 (free, 24/7)", "url": "https://www.samaritans.org"},
        {"name": "NHS 111", "contact": "Call 111 and choose the mental health option", "url": "https://111.nhs.uk"},
    ],
    "IE": [{"name": "Samaritans Ireland", "contact": "Call 116 123", "url": "https://www.samaritans.ie"}],
    "AU": [{"name": "Lifeline", "contact": "Call 13 11 14", "url": "https://www.lifeline.org.au"}],
    "DEFAULT": [{"name": "Emergency services", "contact": "Call your local emergency number", "url": ""}],
}


def _replace(apps, old: dict, new: dict) -> None:
    AlertPolicy = apps.get_model("alerts", "AlertPolicy")
    for policy in AlertPolicy.objects.all():
        if policy.crisis_resources == old:
            policy.crisis_resources = new
            policy.save(update_fields=["crisis_resources"])


def forward(apps, schema_editor):
    from apps.alerts.models import default_crisis_resources

    _replace(apps, PREVIOUS_DEFAULT, default_crisis_resources())


def backward(apps, schema_editor):
    from apps.alerts.models import default_crisis_resources

    _replace(apps, default_crisis_resources(), PREVIOUS_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_evidence_encrypted")]

    operations = [migrations.RunPython(forward, backward)]
