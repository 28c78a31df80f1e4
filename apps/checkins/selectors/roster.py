"""The care team's roster: every patient the caller may see clinically, with what says who needs
attention first. A fixed number of queries whatever the number of patients or the length of their
history (tests/apps/checkins/test_roster.py asserts it).

Need order: open urgent alerts, then open high, then open routine alerts, then a reliable
deterioration on the latest PHQ-9/GAD-7, then the longest time since the last check-in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from apps.accounts.door import Purpose, scoped
from apps.accounts.models import PatientProfile, User
from apps.alerts.models import Alert, AlertState, Severity
from apps.checkins.models import DueItem, DueStatus, QuestionnaireResponse

ADHERENCE_DAYS = 30
ROSTER_INSTRUMENTS = ("phq9", "gad7")


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int | None
    band: str
    date: dt.date
    delta: int | None
    reliable_change: str | None  # "improvement" | "deterioration" | None

    @property
    def size(self) -> int:
        return abs(self.delta or 0)

    @property
    def direction(self) -> str:
        if not self.delta:
            return "same"
        return "up" if self.delta > 0 else "down"


@dataclass(frozen=True)
class RosterRow:
    patient_id: object
    name: str
    open_alerts: dict[str, int]
    last_checkin_at: dt.datetime | None
    adherence: float | None  # completed / (completed + missed) over ADHERENCE_DAYS
    scores: dict[str, Score] = field(default_factory=dict)
    next_due_kind: str | None = None
    next_due_at: dt.datetime | None = None

    @property
    def pk(self):  # rows are read-audited as the patient they show
        return self.patient_id

    @property
    def open_alert_total(self) -> int:
        return sum(self.open_alerts.values())

    @property
    def deteriorating(self) -> bool:
        return any(s.reliable_change == "deterioration" for s in self.scores.values())

    def need_key(self, now: dt.datetime) -> tuple:
        silence = (now - self.last_checkin_at).total_seconds() if self.last_checkin_at else float("inf")
        return (
            -self.open_alerts.get(Severity.URGENT, 0),
            -self.open_alerts.get(Severity.HIGH, 0),
            -self.open_alerts.get(Severity.ROUTINE, 0),
            not self.deteriorating,
            -silence,
            self.name.lower(),
        )


def _latest_ids(instrument: str):
    return Subquery(
        QuestionnaireResponse.objects.filter(patient_id=OuterRef("pk"), instrument_key=instrument)
        .order_by("-occurred_at")
        .values("id")[:1]
    )


def roster_for(*, user: User, search: str = "", only_with_alerts: bool = False, now=None) -> list[RosterRow]:
    """Rows sorted by need. ``search`` matches the patient's name (names are encrypted at rest, so the
    match runs here after decryption, over the caller's own roster only)."""
    now = now or timezone.now()
    patients = list(
        scoped(PatientProfile.objects.all(), user, Purpose.CLINICAL, patient_field="")
        .annotate(
            last_checkin_at=Max("mood_checkins__occurred_at"),
            next_due_id=Subquery(
                DueItem.objects.filter(patient_id=OuterRef("pk"), status=DueStatus.PENDING, window_ends_at__gt=now)
                .order_by("due_at")
                .values("id")[:1]
            ),
            **{f"latest_{key}": _latest_ids(key) for key in ROSTER_INSTRUMENTS},
        )
        .order_by()
    )
    needle = search.strip().lower()
    if needle:
        patients = [p for p in patients if needle in p.full_name.lower()]
    ids = [p.pk for p in patients]

    alerts: dict[object, dict[str, int]] = {}
    for row in (
        Alert.objects.filter(patient_id__in=ids, state=AlertState.OPEN)
        .values("patient_id", "severity")
        .annotate(n=Count("id"))
        .order_by()
    ):
        alerts.setdefault(row["patient_id"], {})[row["severity"]] = row["n"]

    since = now - dt.timedelta(days=ADHERENCE_DAYS)
    adherence = {
        row["patient_id"]: row
        for row in DueItem.objects.filter(patient_id__in=ids, due_at__gte=since, due_at__lte=now)
        .values("patient_id")
        .annotate(
            completed=Count("id", filter=Q(status=DueStatus.COMPLETED)),
            missed=Count("id", filter=Q(status=DueStatus.MISSED)),
        )
        .order_by()
    }
    score_ids = [getattr(p, f"latest_{key}") for p in patients for key in ROSTER_INSTRUMENTS]
    scores = {
        r.pk: r
        for r in QuestionnaireResponse.objects.filter(pk__in=[i for i in score_ids if i]).only(
            "id", "instrument_key", "total_score", "band_label", "local_date", "change"
        )
    }
    due_ids = [p.next_due_id for p in patients if p.next_due_id]
    due = {d.pk: d for d in DueItem.objects.filter(pk__in=due_ids).only("id", "kind", "due_at")}

    rows = []
    for p in patients:
        done = adherence.get(p.pk)
        counted = (done["completed"] + done["missed"]) if done else 0
        next_due = due.get(p.next_due_id)
        patient_scores = {}
        for key in ROSTER_INSTRUMENTS:
            r = scores.get(getattr(p, f"latest_{key}"))
            if r is not None:
                patient_scores[key] = Score(
                    instrument=key,
                    total=r.total_score,
                    band=r.band_label,
                    date=r.local_date,
                    delta=r.change.get("delta"),
                    reliable_change=r.change.get("reliable_change"),
                )
        row = RosterRow(
            patient_id=p.pk,
            name=p.full_name,
            open_alerts=alerts.get(p.pk, {}),
            last_checkin_at=p.last_checkin_at,
            adherence=round(done["completed"] / counted, 2) if counted else None,
            scores=patient_scores,
            next_due_kind=next_due.kind if next_due else None,
            next_due_at=next_due.due_at if next_due else None,
        )
        if only_with_alerts and not row.open_alert_total:
            continue
        rows.append(row)
    rows.sort(key=lambda r: r.need_key(now))
    return rows
