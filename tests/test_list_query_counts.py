"""Every list endpoint answers with the same number of queries for 1 row as for 12 (no N+1).

Each case grows the listed rows through the same services the app uses (or a plain row where the
row is only ever made by a background job), measures one GET, grows to 12 and measures again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import BreakGlassGrant, CareTeamMember, CareTeamRole, Invitation, Role
from apps.accounts.services.consent import consent_decide, consent_document_publish
from apps.accounts.services.devices import device_register
from apps.alerts.services import alerts_process_pending, risk_signal_record
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import DueItem, Schedule
from apps.checkins.services.checkins import checkin_tag_set
from apps.checkins.services.schedules import schedule_set
from apps.insights.models import Finding, PatientTrigger, TextAnalysis
from apps.notes.models import ClinicalSession, Note
from apps.plans.models import PlanSuggestion
from apps.plans.services import coping_entry_log, safety_plan_save
from apps.plans.treatment import treatment_plan_save
from tests.apps.checkins.factories import submit_checkin, submit_phq9
from tests.apps.journals.factories import make_text_entry
from tests.conftest import make_patient, make_user

SMALL, LARGE = 1, 12


@dataclass(frozen=True)
class Case:
    who: str  # persona attribute
    url: Callable[[object], str]
    add: Callable[[object, int], None]  # add the i-th row
    large: int = LARGE


def _p(p) -> str:
    return f"/api/v1/patients/{p.patient_profile.pk}/"


def _care_team(p, i):
    CareTeamMember.objects.create(
        patient=p.patient_profile, user=make_user(p.practice, f"ct{i}", Role.CARE_TEAM), role=CareTeamRole.OTHER
    )


def _invitation(p, i):
    Invitation.objects.create(
        practice=p.practice, patient=p.patient_profile, code_digest=f"{i:064d}", expires_at="2099-01-01T00:00Z"
    )


def _consent(p, i):
    consent_decide(
        actor=p.patient, patient=p.patient_profile, kind="journal_sharing", version=1,
        decision="declined" if i % 2 else "accepted",
    )  # fmt: skip


def _signal(p, i):
    risk_signal_record(
        patient_id=p.patient_profile.pk, source_type="test", source_id=uuid.uuid4(), kind="phq9_item9",
        level="high", evidence={}, occurred_at=timezone.now(),
    )  # fmt: skip


def _analysis(p, i):
    analysis = TextAnalysis.objects.create(
        patient=p.patient_profile, source_type="mood_checkin", source_id=submit_checkin(p.patient_profile, note="x").pk,
        local_date=timezone.localdate(), risk_level="none", emotions={}, versions={}, sentence_count=1,
    )  # fmt: skip
    Finding.objects.create(
        analysis=analysis, patient=p.patient_profile, local_date=analysis.local_date, kind="trigger",
        category="work", score=0.9, start=0, end=1, method="keyword",
    )  # fmt: skip


def _session(p, i):
    ClinicalSession.objects.create(
        patient=p.patient_profile, clinician=p.clinician, started_at=timezone.now() - dt.timedelta(days=i),
        modality="video",
    )  # fmt: skip


def _note_version(p, i):
    session = ClinicalSession.objects.filter(patient=p.patient_profile).first() or ClinicalSession.objects.create(
        patient=p.patient_profile, clinician=p.clinician, started_at=timezone.now(), modality="video"
    )
    Note.objects.create(
        session=session, version=i + 1, template_key="soap", template_version="1", sections=[], provenance={}
    )


def _note_versions_url(p) -> str:
    session = ClinicalSession.objects.filter(patient=p.patient_profile).first()
    return f"{_p(p)}sessions/{session.pk}/note/versions/"


def _schedule(p, i):
    kind = ("mood", "phq9", "gad7", "cssrs_screener")[i]
    schedule_set(
        actor=p.clinician,
        patient=p.patient_profile,
        kind=kind,
        interval_days=1,
        time_of_day=dt.time(9),
        window_hours=24,
    )


def _due(p, i):
    schedule = Schedule.objects.filter(patient=p.patient_profile).first()
    if schedule is None:
        _schedule(p, 0)
        schedule = Schedule.objects.get(patient=p.patient_profile)
    now = timezone.now()
    DueItem.objects.create(
        patient=p.patient_profile, schedule=schedule, kind=schedule.kind, due_at=now - dt.timedelta(minutes=i + 1),
        window_ends_at=now + dt.timedelta(hours=2),
    )  # fmt: skip


def _coping(p, i):
    coping_entry_log(
        actor=p.patient, patient=p.patient_profile, id=uuid.uuid4(), kind="coping", strategy=f"walk {i}",
        occurred_at=timezone.now(), timezone="UTC",
    )  # fmt: skip


def _read_by_clinician(p, i):
    audit_log(
        actor=p.clinician, action=AuditAction.READ, object_type="journal_entry", object_id=uuid.uuid4(),
        patient_id=p.patient_profile.pk, data_category="journal",
    )  # fmt: skip


def _alert(p, i):
    other = make_patient(p.practice, None, p.clinician, name=f"Alert Patient {i}")
    risk_signal_record(
        patient_id=other.pk, source_type="test", source_id=uuid.uuid4(), kind="phq9_item9", level="high",
        evidence={}, occurred_at=timezone.now(),
    )  # fmt: skip
    alerts_process_pending()


def _break_glass(p, i):
    BreakGlassGrant.objects.create(
        practice=p.practice, patient=p.patient_profile, user=make_user(p.practice, f"bg{i}", Role.CLINICIAN),
        reason="An emergency at the front desk", expires_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip


CASES: dict[str, Case] = {
    "patients": Case(
        "clinician",
        lambda p: "/api/v1/patients/",
        lambda p, i: make_patient(p.practice, None, p.clinician, name=f"P {i}"),
    ),
    "care-team": Case("admin", lambda p: f"{_p(p)}care-team/", _care_team),
    "invitations": Case("clinician", lambda p: f"{_p(p)}invitations/", _invitation),
    "consents": Case("clinician", lambda p: f"{_p(p)}consents/", _consent),
    "checkins": Case("clinician", lambda p: f"{_p(p)}checkins/", lambda p, i: submit_checkin(p.patient_profile)),
    "questionnaires": Case(
        "clinician", lambda p: f"{_p(p)}questionnaires/", lambda p, i: submit_phq9(p.patient_profile, [1] * 9)
    ),
    "schedules": Case("clinician", lambda p: f"{_p(p)}schedules/", _schedule, large=4),
    "risk-signals": Case("clinician", lambda p: f"{_p(p)}risk-signals/", _signal),
    "journals": Case(
        "clinician", lambda p: f"{_p(p)}journals/", lambda p, i: make_text_entry(p.patient_profile, shared=True)
    ),
    "insight-findings": Case("clinician", lambda p: f"{_p(p)}insights/findings/", _analysis),
    "custom-triggers": Case(
        "clinician",
        lambda p: f"{_p(p)}custom-triggers/",
        lambda p, i: PatientTrigger.objects.create(patient=p.patient_profile, key=f"k{i}", label="L", phrases=["x"]),
    ),  # fmt: skip
    "safety-plan": Case(
        "clinician",
        lambda p: f"{_p(p)}safety-plan/",
        lambda p, i: safety_plan_save(
            actor=p.clinician, patient=p.patient_profile, content={"warning_signs": [str(i)]}
        ),
    ),  # fmt: skip
    "coping": Case("clinician", lambda p: f"{_p(p)}coping/", _coping),
    "treatment-plan": Case(
        "clinician",
        lambda p: f"{_p(p)}treatment-plan/",
        lambda p, i: treatment_plan_save(actor=p.clinician, patient=p.patient_profile, content={"problems": [str(i)]}),
    ),  # fmt: skip
    "suggestions": Case(
        "clinician",
        lambda p: f"{_p(p)}suggestions/",
        lambda p, i: PlanSuggestion.objects.create(
            patient=p.patient_profile, strategy="worry_time", text="x", evidence={}, fingerprint=f"f{i}"
        ),
    ),  # fmt: skip
    "sessions": Case("clinician", lambda p: f"{_p(p)}sessions/", _session),
    "break-glass": Case("admin", lambda p: "/api/v1/break-glass/", _break_glass),
    "note-versions": Case("clinician", _note_versions_url, _note_version),
    "alerts": Case("clinician", lambda p: "/api/v1/alerts/", _alert),
    "me-checkins": Case("patient", lambda p: "/api/v1/me/checkins/", lambda p, i: submit_checkin(p.patient_profile)),
    "me-questionnaires": Case(
        "patient", lambda p: "/api/v1/me/questionnaires/", lambda p, i: submit_phq9(p.patient_profile, [1] * 9)
    ),
    "me-journals": Case("patient", lambda p: "/api/v1/me/journals/", lambda p, i: make_text_entry(p.patient_profile)),
    "me-todo": Case("patient", lambda p: "/api/v1/me/todo/", _due),
    "me-coping": Case("patient", lambda p: "/api/v1/me/coping/", _coping),
    "me-access-log": Case("patient", lambda p: "/api/v1/me/access-log/", _read_by_clinician),
    "me-consents": Case("patient", lambda p: "/api/v1/me/consents/", _consent),
    "audit-events": Case("admin", lambda p: "/api/v1/audit/events/", _read_by_clinician),
    "staff": Case("admin", lambda p: "/api/v1/staff/", lambda p, i: make_user(p.practice, f"staff{i}", Role.CLINICIAN)),
    "devices": Case(
        "patient",
        lambda p: "/api/v1/devices/",
        lambda p, i: device_register(user=p.patient, token=f"token-{i}", platform="android"),
    ),  # fmt: skip
    "consent-documents": Case(
        "admin",
        lambda p: "/api/v1/consent-documents/",
        lambda p, i: consent_document_publish(actor=p.admin, kind="ai_processing", title="T", text=f"v{i}"),
    ),  # fmt: skip
    "checkin-tags": Case(
        "patient",
        lambda p: "/api/v1/checkin-tags/",
        lambda p, i: checkin_tag_set(actor=p.admin, key=f"tag{i}", label=f"Tag {i}"),
    ),  # fmt: skip
}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_list_costs_the_same_number_of_queries_for_1_row_and_for_12(name, personas, as_user):
    case = CASES[name]
    client = as_user(getattr(personas, case.who))
    for i in range(SMALL):
        case.add(personas, i)
    url = case.url(personas)
    client.get(url)  # warm per-process caches (instrument definitions, content types)
    small = _queries(client, url)
    for i in range(SMALL, case.large):
        case.add(personas, i)
    assert _queries(client, url) == small, name


def test_every_list_endpoint_has_a_case():
    """A new list endpoint needs a case above."""
    import inspect

    from django.urls import get_resolver
    from rest_framework import generics

    from apps.accounts.door import PatientScopedViewSet

    def lists(callback) -> bool:
        """A ViewSet's list action, a generic list view, or any GET handler that paginates."""
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        actions = getattr(callback, "actions", {}) or {}
        if actions.get("get") == "list" or (cls and issubclass(cls, generics.ListAPIView)):
            return True
        handler = getattr(cls, actions.get("get", "get"), None) if cls else None
        return handler is not None and "paginate_queryset" in inspect.getsource(handler)

    listing = set()
    for resolver in get_resolver().url_patterns:
        for pattern in getattr(resolver, "url_patterns", []):
            if lists(pattern.callback):
                listing.add(str(pattern.pattern).removeprefix("^").removesuffix("$"))
    covered = {
        "patients/", "patients/<uuid:patient_pk>/care-team/", "patients/<uuid:patient_pk>/invitations/",
        "patients/<uuid:patient_pk>/checkins/", "patients/<uuid:patient_pk>/questionnaires/",
        "patients/<uuid:patient_pk>/schedules/", "patients/<uuid:patient_pk>/risk-signals/",
        "patients/<uuid:patient_pk>/journals/", "patients/<uuid:patient_pk>/insights/findings/",
        "patients/<uuid:patient_pk>/custom-triggers/", "patients/<uuid:patient_pk>/safety-plan/",
        "patients/<uuid:patient_pk>/coping/", "patients/<uuid:patient_pk>/treatment-plan/",
        "patients/<uuid:patient_pk>/sessions/", "alerts/", "me/checkins/", "me/questionnaires/", "me/journals/",
        "me/coping/", "devices/", "staff/", "consent-documents/", "break-glass/", "audit/events/",
        "me/access-log/",
    }  # fmt: skip
    assert PatientScopedViewSet  # lists of patient data are the door's list(); the rest are practice lists
    assert listing - covered == set()
