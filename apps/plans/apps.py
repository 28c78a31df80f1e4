from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "apps.plans"
    label = "plans"

    def ready(self) -> None:
        from apps.plans import handlers  # noqa: F401 - registers this app's answers to the hooks below it
