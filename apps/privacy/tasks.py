"""Jobs for the patient's own data: building an export (``ml`` queue) and expiring old ones."""

from celery import shared_task

from apps.core import context
from apps.privacy.export import patient_export_build, patient_exports_expire


def _ctx(task):
    return context.bind(context.RequestContext(request_id=task.request.id or context.new_request_id(), via="task"))


@shared_task(bind=True, name="privacy.build_export", acks_late=True, max_retries=3)
def build_export(self, export_id: str) -> None:
    with _ctx(self):
        patient_export_build(export_id=export_id)


@shared_task(bind=True, name="privacy.expire_exports")
def expire_exports(self) -> int:
    with _ctx(self):
        return patient_exports_expire()
