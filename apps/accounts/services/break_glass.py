"""Break-glass: emergency read access to a patient outside the caller's care team.

Invariants (security-relevant; tests in tests/apps/accounts/test_break_glass.py):

- Only a clinician or care-team member of the patient's own practice may open a grant, with a stated
  reason; a practice admin without a clinical role cannot (admins see no clinical content).
- A grant gives clinical *read* access (``Purpose.CLINICAL`` in ``scoping.patients_visible_to``)
  until ``expires_at`` (``BREAK_GLASS_MINUTES``); writes that check the care team stay refused.
- Opening is audited (``create`` on ``break_glass_grant``) and every read under the grant names it
  (the door). The practice admins and the patient's primary clinician are told at once by a realtime
  job (``accounts.break_glass_alert``): a websocket event and a push carrying ids only, no PHI.
- Every grant waits in the practice admins' review queue until one of them records an outcome.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import BreakGlassGrant, CareTeamMember, PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.core.jobs import enqueue_on_commit

MIN_REASON_LENGTH = 10
REVIEW_OUTCOMES = [("appropriate", "appropriate"), ("inappropriate", "inappropriate")]
OUTCOME_VALUES = frozenset(value for value, _ in REVIEW_OUTCOMES)


def _audit(actor: User, grant: BreakGlassGrant, action: str, **detail) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="break_glass_grant",
        object_id=grant.pk,
        patient_id=grant.patient_id,
        data_category="break_glass",
        detail=detail,
    )


def break_glass_open(*, actor: User, patient_id, reason: str) -> BreakGlassGrant:
    if not actor.is_care_staff:
        raise Forbidden("Only clinicians and care-team members can open a record in an emergency.")
    patient = PatientProfile.objects.filter(pk=patient_id, practice_id=actor.practice_id).first()
    if patient is None:
        raise NotFound("No such patient.")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise Invalid({"reason": [f"State the emergency (at least {MIN_REASON_LENGTH} characters)."]})
    if CareTeamMember.objects.filter(patient=patient, user=actor).exists():
        raise Conflict("You are on this patient's care team already.", code="already_on_care_team")
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            practice_id=actor.practice_id,
            patient=patient,
            user=actor,
            reason=reason,
            expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        _audit(
            actor,
            grant,
            AuditAction.CREATE,
            expires_at=grant.expires_at.isoformat(),
            minutes=settings.BREAK_GLASS_MINUTES,
        )
        enqueue_on_commit("accounts.break_glass_alert", grant_id=str(grant.pk))
    return grant


def break_glass_end(*, actor: User, grant: BreakGlassGrant) -> BreakGlassGrant:
    """The holder closes their grant before it expires."""
    if grant.user_id != actor.pk:
        raise NotFound("No such grant.")
    if grant.ended_at is None and grant.expires_at > timezone.now():
        with transaction.atomic():
            grant.ended_at = timezone.now()
            grant.save(update_fields=["ended_at"])
            _audit(actor, grant, AuditAction.UPDATE, ended=True)
    return grant


def break_glass_review(*, actor: User, grant: BreakGlassGrant, outcome: str, note: str = "") -> BreakGlassGrant:
    if not actor.is_practice_admin or grant.practice_id != actor.practice_id:
        raise NotFound("No such grant.")
    if outcome not in OUTCOME_VALUES:
        raise Invalid({"outcome": [f"Choose one of {', '.join(sorted(OUTCOME_VALUES))}."]})
    if grant.reviewed_at is not None:
        raise Conflict("This grant has been reviewed.", code="already_reviewed")
    with transaction.atomic():
        grant.reviewed_by, grant.reviewed_at = actor, timezone.now()
        grant.review_outcome, grant.review_note = outcome, note.strip()
        grant.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_note"])
        _audit(actor, grant, AuditAction.UPDATE, review_outcome=outcome)
    return grant
