from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "apps.insights"
    label = "insights"

    def ready(self) -> None:
        from apps.insights import handlers  # noqa: F401 - registers this app's answers to the hooks below it
