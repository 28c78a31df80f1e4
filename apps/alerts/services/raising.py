"""Risk signals in, alerts out: severity, deduplication, routing, escalation, acknowledgement.

Invariants (see tests/apps/alerts):
- A signal, its alert and the alert's delivery rows commit together, in the transaction of the
  submission that raised them (outbox); delivery runs after commit on the ``realtime`` queue and is
  retried until it succeeds or is marked failed, so nothing is lost while Redis, FCM or a worker is down.
- Repeated signals for the same patient and source within the policy's window update the open alert;
  a higher severity raises it and notifies again, and new evidence of the same severity notifies too
  (never silently folded in). The clinician a session signal names as present is never paged for it.
- An urgent alert nobody acknowledges escalates every ``escalation_minutes`` to the next tier (on-call,
  then supervisors, then all tiers again), with its state in the database so restarts lose nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import PatientProfile, User
from apps.alerts.models import (
    SEVERITY_RANK,
    Alert,
    AlertDelivery,
    AlertState,
    RiskSignal,
    Severity,
)
from apps.alerts.routing import ESCALATION_TIERS, policy_for, recipients
from apps.alerts.selectors import risk_signals_pending
from apps.audit.services import AuditAction, audit_log
from apps.core.jobs import enqueue_on_commit
from apps.core.realtime import on_commit_best_effort

logger = logging.getLogger(__name__)
LEVEL_TO_SEVERITY = {"high": Severity.URGENT, "moderate": Severity.HIGH, "low": Severity.ROUTINE}


# --- the signal queue -------------------------------------------------------------------------
def risk_signal_record(
    *, patient_id, source_type: str, source_id, kind: str, level: str, evidence: dict[str, Any], occurred_at: datetime
) -> RiskSignal:
    """Idempotent per (source, kind): re-scoring the same submission does not duplicate signals.

    A new signal becomes an alert (or folds into the open one) right here, in the caller's transaction:
    the alert row and its delivery rows commit with the submission that raised them, and only delivery
    is queued (``realtime``, after commit). Scoring is rules and arithmetic, so this costs the request a
    few queries, and an alert never waits in a queue, behind ML work or behind a broker hop, to exist.
    If making the alert fails, the savepoint is rolled back, the signal stays pending and the realtime
    worker (then ``alerts.tick``, every 15 s) makes it: the submission is never lost or refused."""
    signal, created = RiskSignal.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        kind=kind,
        defaults={"patient_id": patient_id, "level": level, "evidence": evidence, "occurred_at": occurred_at},
    )
    if created:
        try:
            with transaction.atomic():
                alert_create_from_signal(signal=signal)
                signal.refresh_from_db(fields=["processed_at", "alert"])
        except Exception as exc:  # noqa: BLE001 - the signal is durable; the queue makes the alert later
            logger.warning(
                "alert for signal %s not made in its transaction (%s); queued", signal.pk, type(exc).__name__
            )
            enqueue_on_commit("alerts.process_signals")
    return signal


def risk_signals_supersede(
    *, source_type: str, source_id, kind_prefix: str, holding: Iterable[str], reason: str
) -> list[RiskSignal]:
    """A later pass over one source (its speakers relabelled, the input processed again) found the
    ``holding`` kinds and not the others. Signals of ``kind_prefix`` it no longer finds are marked
    superseded (kept, shown, never deleted); a superseded signal found again is reinstated, and if its
    alert was resolved meanwhile it raises a new one. An open alert whose severity rested on superseded
    signals is flagged ``needs_review`` for a clinician, with its reason: never closed automatically.
    Returns the signals whose status changed."""
    holding = set(holding)
    now = timezone.now()
    changed: list[RiskSignal] = []
    alerts: set = set()
    with transaction.atomic():
        signals = RiskSignal.objects.select_for_update().filter(
            source_type=source_type, source_id=str(source_id), kind__startswith=kind_prefix
        )
        for signal in signals:
            if signal.kind in holding and signal.superseded_at is not None:
                signal.superseded_at, signal.superseded_reason = None, ""
                reopen = signal.alert_id is None or signal.alert.state == AlertState.RESOLVED
                if reopen:
                    signal.processed_at, signal.alert = None, None
                signal.save(update_fields=["superseded_at", "superseded_reason", "processed_at", "alert"])
                if reopen:
                    alert_create_from_signal(signal=signal)
                    signal.refresh_from_db(fields=["alert"])
            elif signal.kind not in holding and signal.superseded_at is None:
                signal.superseded_at, signal.superseded_reason = now, reason
                signal.save(update_fields=["superseded_at", "superseded_reason"])
            else:
                continue
            changed.append(signal)
            if signal.alert_id is not None:
                alerts.add(signal.alert_id)
        for alert_id in alerts:
            _alert_review(alert_id, reason)
    return changed


def _alert_review(alert_id, reason: str) -> None:
    """Mark each evidence item of the alert with its signal's current status, and flag the alert for
    review when no live signal supports it (or none supports its severity)."""
    from apps.alerts.delivery import broadcast_state

    alert = Alert.objects.select_for_update().select_related("patient").get(pk=alert_id)
    signals = list(alert.signals.all())
    superseded = {str(s.pk): s.superseded_reason for s in signals if s.superseded_at is not None}
    alert.evidence = [
        {
            **{k: v for k, v in item.items() if k != "superseded"},
            **({"superseded": superseded[item["signal_id"]]} if item.get("signal_id") in superseded else {}),
        }
        for item in alert.evidence
    ]
    live = [s for s in signals if s.superseded_at is None]
    strongest = max((SEVERITY_RANK[LEVEL_TO_SEVERITY.get(s.level, Severity.HIGH)] for s in live), default=None)
    was = (alert.needs_review, alert.review_reason)
    if alert.state != AlertState.RESOLVED:
        if strongest is None:
            alert.needs_review, alert.review_reason = True, "all_signals_superseded"
        elif strongest < SEVERITY_RANK[alert.severity]:
            alert.needs_review, alert.review_reason = True, "severity_rests_on_superseded"
        else:
            alert.needs_review, alert.review_reason = False, ""
    alert.save(update_fields=["evidence", "needs_review", "review_reason", "updated_at"])
    _audit_system_update(
        alert, {"superseded_signals": len(superseded), "needs_review": alert.needs_review, "reason": reason}
    )
    if (alert.needs_review, alert.review_reason) != was or superseded:
        on_commit_best_effort(broadcast_state, alert.pk, "alert.updated")


def _audit_system_update(alert: Alert, detail: dict[str, Any]) -> None:
    """An alert changed by the system (no actor): escalation, signals superseded."""
    audit_log(
        actor=None,
        action=AuditAction.UPDATE,
        object_type="alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
        practice_id=alert.patient.practice_id,
        data_category="alert",
        detail=detail,
    )


def signal_family(kind: str) -> str:
    """Signals of one family deduplicate into one alert (all C-SSRS items, all risk-language levels)."""
    for family in ("phq9", "cssrs", "risk_language", "reliable_deterioration", "missed_checkins"):
        if kind.startswith(family):
            return "cssrs_screener" if family == "cssrs" else family
    return kind


# --- alerts -----------------------------------------------------------------------------------
def _evidence_item(signal: RiskSignal) -> dict[str, Any]:
    return {
        "signal_id": str(signal.pk),
        "kind": signal.kind,
        "level": signal.level,
        "source_type": signal.source_type,
        "source_id": signal.source_id,
        "occurred_at": signal.occurred_at.isoformat(),
        **signal.evidence,
    }


def _create_deliveries(alert: Alert, targets: Iterable[tuple[User, str]], reason: str) -> list[AlertDelivery]:
    """One row per recipient not already told for this reason, written in one statement (a care team of
    fifty is one INSERT, not fifty round trips), and one delivery job for all of them after commit.

    After commit the process that made the alert also sends the websocket events itself (best effort,
    ``delivery.send_websockets_now``): the alert then reaches screens without waiting for a broker hop
    and a realtime worker's turn for a core, which was most of its time on a busy host (issue 12). The
    job still runs: it sends whatever that did not (``websocket_sent_at`` under a row lock: once), then
    queues the push."""
    now = timezone.now()
    existing = set(AlertDelivery.objects.filter(alert=alert, reason=reason).values_list("recipient_id", "tier"))
    deliveries = AlertDelivery.objects.bulk_create(
        [
            AlertDelivery(alert=alert, recipient=user, reason=reason, tier=tier, next_push_at=now)
            for user, tier in targets
            if (user.pk, tier) not in existing
        ]
    )
    if deliveries:
        from apps.alerts.delivery import send_websockets_now

        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: send_websockets_now(ids))
        enqueue_on_commit("alerts.deliver", delivery_ids=ids)
    return deliveries


def _not_in_the_room(targets: list[tuple[User, str]], signal: RiskSignal) -> list[tuple[User, str]]:
    """A signal from a session names the clinician who was in the room: they heard it, so they are never
    paged for it, whether it creates an alert, raises one or adds evidence to one."""
    present = signal.evidence.get("clinician_present")
    return [(user, tier) for user, tier in targets if str(user.pk) != present] if present else list(targets)


def _schedule_escalation(alert: Alert, policy, now: datetime) -> None:
    alert.next_escalation_at = (
        now + timedelta(minutes=policy.escalation_minutes)
        if alert.severity == Severity.URGENT and alert.state == AlertState.OPEN
        else None
    )


def alert_create_from_signal(*, signal: RiskSignal) -> Alert | None:
    """Turn one signal into a new alert, or fold it into the open alert of the same family.
    Idempotent: a signal already processed returns the alert it went into, and changes nothing.
    Signals of one patient are turned into alerts one at a time (the patient row is locked, ``FOR NO KEY
    UPDATE`` so rows that merely reference the patient are not blocked): two risky submissions at the
    same instant, in two requests, still make one alert, not two."""
    severity = LEVEL_TO_SEVERITY.get(signal.level, Severity.HIGH)
    source = signal_family(signal.kind)
    with transaction.atomic():
        patient = (
            PatientProfile.objects.select_for_update(no_key=True, of=("self",))
            .select_related("practice")
            .get(pk=signal.patient_id)
        )
        policy = policy_for(patient.practice_id)
        now = timezone.now()
        window_start = now - timedelta(minutes=policy.dedup_window_minutes)
        signal = RiskSignal.objects.select_for_update().get(pk=signal.pk)
        if signal.processed_at is not None:
            return signal.alert
        alert = (
            Alert.objects.select_for_update()
            .filter(
                patient=patient,
                source=source,
                state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED],
                updated_at__gte=window_start,
            )
            .order_by("-created_at")
            .first()
        )
        if alert is None:
            alert = Alert.objects.create(
                patient=patient,
                source=source,
                severity=severity,
                evidence=[_evidence_item(signal)],
                occurred_at=signal.occurred_at,
            )
            targets = _not_in_the_room(
                recipients(policy.routing.get(severity, ["primary_clinician"]), patient, policy), signal
            )
            present = signal.evidence.get("clinician_present")
            if present:
                # Said in a session: the clinician in the room already knows. They are recorded as having
                # acknowledged it and are not paged; the rest of the care team is told.
                alert.state, alert.acknowledged_by_id, alert.acknowledged_at = AlertState.ACKNOWLEDGED, present, now
            _schedule_escalation(alert, policy, now)
            alert.save(update_fields=["next_escalation_at", "state", "acknowledged_by", "acknowledged_at"])
            _create_deliveries(alert, targets, "new")
            audit_log(
                actor=None,
                action=AuditAction.CREATE,
                object_type="alert",
                object_id=alert.pk,
                patient_id=patient.pk,
                practice_id=patient.practice_id,
                data_category="alert",
                detail={"severity": severity, "source": source, "signal": signal.kind},
            )
        else:
            raised = SEVERITY_RANK[severity] > SEVERITY_RANK[alert.severity]
            # New evidence as bad as what the alert already says is news too: folding it in silently is how
            # a real disclosure after an earlier (perhaps false) signal reached nobody.
            new_evidence = not raised and SEVERITY_RANK[severity] == SEVERITY_RANK[alert.severity]
            alert.evidence = [*alert.evidence, _evidence_item(signal)][-50:]
            alert.signal_count += 1
            alert.occurred_at = max(alert.occurred_at, signal.occurred_at)
            if raised:
                alert.severity = severity
                alert.state = AlertState.OPEN  # a worse signal re-opens an acknowledged alert
                _schedule_escalation(alert, policy, now)
            alert.save()
            targets = _not_in_the_room(recipients(policy.routing.get(severity, []), patient, policy), signal)
            if raised:
                _create_deliveries(alert, targets, "severity_raised")
            elif new_evidence:
                _create_deliveries(alert, targets, f"evidence_{alert.signal_count}")
            audit_log(
                actor=None,
                action=AuditAction.UPDATE,
                object_type="alert",
                object_id=alert.pk,
                patient_id=patient.pk,
                practice_id=patient.practice_id,
                data_category="alert",
                detail={"signal": signal.kind, "severity": alert.severity, "raised": raised},
            )
            if not (raised or new_evidence):
                from apps.alerts.delivery import broadcast_state

                on_commit_best_effort(broadcast_state, alert.pk, "alert.updated")
        signal.processed_at, signal.alert = now, alert
        signal.save(update_fields=["processed_at", "alert"])
    return alert


def alerts_process_pending(*, limit: int = 200) -> int:
    count = 0
    for signal_id in list(risk_signals_pending(limit=limit).values_list("pk", flat=True)):
        with transaction.atomic():
            signal = (
                RiskSignal.objects.select_for_update(skip_locked=True)
                .filter(pk=signal_id, processed_at__isnull=True)
                .first()
            )
            if signal is None:
                continue
            if signal.processed_at is None:
                alert_create_from_signal(signal=signal)
                count += 1
    return count


def alerts_escalate_due(*, now: datetime | None = None) -> int:
    """Escalate urgent alerts nobody has acknowledged in time to the next tier, and again later."""
    now = now or timezone.now()
    count = 0
    due = list(
        Alert.objects.filter(state=AlertState.OPEN, severity=Severity.URGENT, next_escalation_at__lte=now).values_list(
            "pk", flat=True
        )[:200]
    )
    for alert_id in due:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(skip_locked=True)
                .select_related("patient")
                .filter(pk=alert_id, state=AlertState.OPEN, next_escalation_at__lte=now)
                .first()
            )
            if alert is None:
                continue
            policy = policy_for(alert.patient.practice_id)
            alert.escalation_level += 1
            level = alert.escalation_level
            tiers = (
                [ESCALATION_TIERS[level - 1]]
                if level <= len(ESCALATION_TIERS)
                else [*policy.routing.get(Severity.URGENT, []), *ESCALATION_TIERS]
            )
            alert.next_escalation_at = now + timedelta(minutes=policy.escalation_minutes)
            alert.save(update_fields=["escalation_level", "next_escalation_at", "updated_at"])
            targets = recipients(tiers, alert.patient, policy)
            _create_deliveries(alert, targets, f"escalation_{level}")
            _audit_system_update(alert, {"escalation_level": level, "tiers": tiers, "recipients": len(targets)})
            count += 1
    return count
