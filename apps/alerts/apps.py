from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"

    def ready(self) -> None:
        from apps.alerts.selectors import alert_events_missed
        from apps.core.realtime import missed_events

        missed_events.register(alert_events_missed)
