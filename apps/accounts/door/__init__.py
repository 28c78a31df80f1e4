"""The one door to patient data: every view that shows a patient's data goes through here.

The door resolves *whose* data (the patient in the URL, or the caller's own record for ``/me/…``)
through ``apps.accounts.scoping`` -- outside the caller's scope is a 404, like something that does
not exist -- and writes the ``read`` audit event for what was shown. Views say *what* they show.

- API views: subclass ``PatientScopedViewSet`` (``/patients/{id}/…``, the alert inbox, the patient
  list) or ``MyRecordViewSet`` (``/me/…``). See ``apps/accounts/door/api.py``.
- Server-rendered class-based views: mix in ``PatientScopedTemplateMixin`` (``apps/accounts/door/pages.py``).
- Plain function views: ``patient_for(user, pk, purpose)`` / ``own_patient(user)``, ``scoped(qs, user)``,
  then ``audited_read(user, rows, object_type=…, data_category=…)`` or ``audited_patient_read(…)``
  (``apps/accounts/door/access.py``).

It lives in ``accounts`` next to ``scoping.py`` (who may see which patient) and joins it with the audit
trail (``apps.audit``, the layer below); every domain app above reaches patient data through it.
"""

from apps.accounts.door.access import (
    audited_export,
    audited_patient_read,
    audited_read,
    own_patient,
    patient_for,
    patient_id_of,
    scoped,
)
from apps.accounts.door.api import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.door.pages import PatientScopedTemplateMixin
from apps.accounts.scoping import Purpose

__all__ = [
    "MyRecordViewSet",
    "PatientScopedTemplateMixin",
    "PatientScopedViewSet",
    "Purpose",
    "audited_export",
    "audited_patient_read",
    "audited_read",
    "own_patient",
    "patient_for",
    "patient_id_of",
    "scoped",
]
