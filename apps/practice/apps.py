from django.apps import AppConfig


class PracticeConfig(AppConfig):
    """The top layer: setting up and looking after a practice (onboarding, enrolment with the
    practice's defaults, demo data, key rotation). It composes the apps below; nothing imports it."""

    name = "apps.practice"
    label = "practice"
