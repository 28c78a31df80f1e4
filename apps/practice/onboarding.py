"""A new practice with its defaults, and a patient's enrolment with the practice's schedules.

These compose several apps (accounts, checkins) in one transaction, which is why they live in the
top layer rather than in ``accounts``: accounts must not import the domain apps above it.
"""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import Practice, User
from apps.accounts.services.consent import consent_documents_publish_defaults
from apps.accounts.services.enrolment import invitation_redeem
from apps.audit.services import AuditAction, audit_log
from apps.checkins.services.checkins import checkin_tags_create_defaults
from apps.checkins.services.schedules import schedule_defaults_create, schedules_apply_practice_defaults


def practice_create(*, name: str, slug: str, timezone: str = "UTC", crisis_region: str = "US") -> Practice:
    """A new tenant with its defaults: consent texts (version 1), check-in tags, reminder schedules."""
    with transaction.atomic():
        practice, created = Practice.objects.get_or_create(
            slug=slug, defaults={"name": name, "timezone": timezone, "default_crisis_region": crisis_region}
        )
        consent_documents_publish_defaults(practice=practice)
        checkin_tags_create_defaults(practice=practice)
        schedule_defaults_create(practice=practice)
        if created:
            audit_log(
                actor=None,
                action=AuditAction.CREATE,
                object_type="practice",
                object_id=practice.pk,
                practice_id=practice.pk,
            )
    return practice


def patient_enrol(*, code: str, username: str, password: str) -> User:
    """Redeem an enrolment code (``invitation_redeem``) and start the practice's default check-in and
    questionnaire schedules for the new patient, in one transaction."""
    with transaction.atomic():
        user = invitation_redeem(code=code, username=username, password=password)
        schedules_apply_practice_defaults(patient=user.patient_profile)
    return user
