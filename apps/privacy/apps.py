from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """The patient's rights over their own data: export everything held about them, and erasure.
    It reads and removes rows of every domain app below it; the patient app and the practice layer
    call it."""

    name = "apps.privacy"
    label = "privacy"
