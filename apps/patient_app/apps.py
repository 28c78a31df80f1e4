from django.apps import AppConfig


class PatientAppConfig(AppConfig):
    name = "apps.patient_app"
    label = "patient_app"
    verbose_name = "Patient app (PWA)"
    default_auto_field = "django.db.models.BigAutoField"
