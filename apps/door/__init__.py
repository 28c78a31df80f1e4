"""The one door to patient data: every view that shows a patient's data goes through here.

The door resolves *whose* data (the patient in the URL, or the caller's own record for ``/me/…``)
through ``apps.accounts.scoping`` -- outside the caller's scope is a 404, like something that does
not exist -- and writes the ``read`` audit event for what was shown. Views say *what* they show.

- API views: subclass ``PatientScopedViewSet`` (``/patients/{id}/…``, the alert inbox, the patient
  list) or ``MyRecordViewSet`` (``/me/…``). See ``apps/door/api.py``.
- Server-rendered class-based views: mix in ``PatientScopedTemplateMixin`` (``apps/door/pages.py``).
- Plain function views: ``patient_for(user, pk, purpose)`` / ``own_patient(user)``, ``scoped(qs, user)``,
  then ``audited_read(user, rows, object_type=…, data_category=…)`` or ``audited_patient_read(…)``
  (``apps/door/access.py``).

Layer: above ``accounts``/``audit`` (whose scoping and audit trail it joins), below the domain apps.
"""

from apps.accounts.scoping import Purpose
from apps.door.access import (
    audited_export,
    audited_patient_read,
    audited_read,
    own_patient,
    patient_for,
    patient_id_of,
    scoped,
)
from apps.door.api import MyRecordViewSet, PatientScopedViewSet
from apps.door.pages import PatientScopedTemplateMixin

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
