from django.apps import AppConfig


class JournalsConfig(AppConfig):
    name = "apps.journals"
    label = "journals"
