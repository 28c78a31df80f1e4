"""Reads for the accounts domain that other apps ask: whether a patient has consented to something."""

from __future__ import annotations

from apps.accounts.models import ConsentDecision, ConsentRecord


def consent_is_granted(*, patient_id, kind: str) -> bool:
    """The latest decision on ``kind`` is an acceptance; with no decision on record the answer is no."""
    latest = ConsentRecord.objects.filter(patient_id=patient_id, kind=kind).order_by("-decided_at").first()
    return latest is not None and latest.decision == ConsentDecision.ACCEPTED
