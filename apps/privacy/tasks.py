"""Jobs for the patient's own data: building an export (``ml`` queue) and expiring old ones."""

from apps.core.jobs import job
from apps.privacy.services.export import patient_export_build, patient_exports_expire


@job("privacy.build_export")
def build_export(export_id: str) -> None:
    patient_export_build(export_id=export_id)


@job("privacy.expire_exports")
def expire_exports() -> int:
    return patient_exports_expire()
