import datetime as dt
import io
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from apps.alerts.services import alert_create_from_signal, risk_signal_record
from apps.checkins.models import MoodCheckin
from apps.insights.services import text_analyse
from apps.notes.models import ClinicalSession, Note
from apps.notes.services.sessions import clinical_session_create
from tests.apps.checkins.factories import submit_phq9
from tests.apps.journals.factories import make_text_entry

pytestmark = pytest.mark.slow


def url(personas, suffix="brief/"):
    return f"/api/v1/patients/{personas.patient_profile.id}/{suffix}"


def seed(personas, today):
    patient = personas.patient_profile
    session = ClinicalSession.objects.create(
        patient=patient,
        clinician=personas.clinician,
        modality="video",
        started_at=timezone.now() - dt.timedelta(days=7),
    )
    Note.objects.create(
        session=session,
        version=1,
        status="signed",
        template_key="soap",
        template_version=1,
        signed_by=personas.clinician,
        signed_at=timezone.now() - dt.timedelta(days=7),
        sections=[
            {
                "key": "plan",
                "title": "Plan",
                "sentences": [{"text": "Homework: keep a sleep diary.", "source": "homework", "evidence": []}],
            }
        ],
        provenance={},
    )
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=timezone.now(),
                timezone="UTC",
                local_date=today - dt.timedelta(days=i),
                mood=3 if i <= 7 else 7,
                anxiety=6,
                energy=5,
                sleep_hours=6,
            )
            for i in range(60)
        ]
    )
    submit_phq9(patient, [2] * 9, when=timezone.now() - dt.timedelta(days=30), item9=0)
    submit_phq9(patient, [3] * 9, when=timezone.now() - dt.timedelta(days=2), item9=1)
    shared = make_text_entry(patient, text="My boss shouted at me again.", shared=True)
    private = make_text_entry(patient, text="My boss keeps texting me at night.", shared=False)
    for entry in (shared, private):
        text_analyse(source_type="journal_entry", source_id=entry.id)
    signal = risk_signal_record(
        patient_id=patient.pk,
        source_type="t",
        source_id=uuid.uuid4(),
        kind="phq9_item9",
        level="high",
        evidence={},
        occurred_at=timezone.now(),
    )
    alert_create_from_signal(signal=signal)


def test_the_brief_covers_everything_since_the_last_session_with_refs(personas, as_user):
    today = timezone.localdate()
    seed(personas, today)
    brief = as_user(personas.clinician).get(url(personas)).json()
    assert brief["period"]["since"] == "last session"
    mood = brief["measures"]["mood"]
    assert (mood["period_mean"], mood["baseline_mean"], mood["change"]) == (3.0, 7.0, -4.0)
    phq = next(q for q in brief["questionnaires"] if q["instrument"] == "phq9")
    assert phq["total"] == 25 and "phq9_item9" in phq["risk"] and phq["ref"].startswith("questionnaire_response:")
    # The PHQ-9 raised its alerts as it was submitted; the later item-9 signal raised that one to urgent.
    alerts = {(a["source"], a["severity"]) for a in brief["alerts"]}
    assert alerts == {("phq9", "urgent"), ("reliable_deterioration", "high")}, alerts
    assert all(a["ref"].startswith("alert:") for a in brief["alerts"])
    work = next(t for t in brief["themes"]["triggers"] if t["category"] == "work")
    # Counted and quoted only from the shared entry: the unshared one never reaches staff (issue 13).
    assert work["mentions"] == 1
    assert [e["span"] for e in work["examples"]] == ["boss"]
    assert brief["last_plan"]["items"] == ["Homework: keep a sleep diary."]
    assert brief["treatment_goals"] is None
    assert len(brief["series"]) == 8
    (history,) = brief["score_history"]  # both PHQ-9s (30 days ago and 2 days ago), with band thresholds
    assert [p["total"] for p in history["points"]] == [16, 25] and history["max"] == 27
    assert [t["min"] for t in history["thresholds"]] == [5, 10, 15, 20]


def test_a_session_created_for_today_does_not_empty_the_brief(personas, as_user):
    """Preparing for today's session means creating it first (the web app's "Create session" starts it
    now): the brief still runs from the last session held, a week ago, not from today's."""
    today = timezone.localdate()
    seed(personas, today)
    clinical_session_create(
        actor=personas.clinician, patient=personas.patient_profile, started_at=timezone.now(), modality="video"
    )
    brief = as_user(personas.clinician).get(url(personas)).json()
    assert brief["period"]["since"] == "last session"
    assert brief["period"]["start"] == (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    assert brief["last_plan"]["items"] == ["Homework: keep a sleep diary."]
    assert brief["measures"]["mood"]["period_mean"] == 3.0 and len(brief["series"]) == 8


def test_a_session_held_earlier_today_starts_the_window(personas, as_user):
    """A session today that has ended is a session held: the next brief runs from it."""
    seed(personas, timezone.localdate())
    now = timezone.now()
    clinical_session_create(
        actor=personas.clinician,
        patient=personas.patient_profile,
        started_at=now - dt.timedelta(minutes=2),
        ended_at=now - dt.timedelta(minutes=1),
        modality="video",
    )
    brief = as_user(personas.clinician).get(url(personas)).json()
    assert brief["period"]["start"] == (now - dt.timedelta(minutes=2)).date().isoformat()
    assert brief["last_plan"] is None  # that session has no signed note yet


def test_an_empty_history_gives_an_empty_but_complete_brief(personas, as_user):
    brief = as_user(personas.clinician).get(url(personas)).json()
    assert brief["period"]["since"] == "the last 30 days"
    assert brief["questionnaires"] == [] and brief["alerts"] == [] and brief["last_plan"] is None
    assert brief["score_history"] == []
    assert brief["measures"]["mood"]["period_mean"] is None and brief["patterns"] == []
    page = as_user(personas.clinician).get(url(personas, "brief.html"))
    assert page.status_code == 200 and b"No check-ins in this period" in page.content


def test_the_brief_uses_a_fixed_number_of_queries(personas, as_user):
    client = as_user(personas.clinician)
    seed(personas, timezone.localdate())
    goals = [
        {"text": "PHQ-9 below 10", "measure": {"type": "questionnaire", "instrument": "phq9", "target": 10}},
        {"text": "Mood above 6", "measure": {"type": "checkin_mean", "metric": "mood", "target": 6, "op": ">"}},
    ]
    client.post(url(personas, "treatment-plan/"), {"goals": goals}, format="json")
    client.post(url(personas, "treatment-plan/sign/"))
    client.get(url(personas))
    with CaptureQueriesContext(connection) as small:
        client.get(url(personas))
    for _ in range(5):  # more of everything
        entry = make_text_entry(personas.patient_profile, text="Work was hard and I slept badly.", shared=True)
        text_analyse(source_type="journal_entry", source_id=entry.id)
        submit_phq9(personas.patient_profile, [1] * 9, item9=0)
    with CaptureQueriesContext(connection) as large:
        client.get(url(personas))
    assert len(large.captured_queries) == len(small.captured_queries)
    # Authentication (with the revoked-token check), the door (with its break-glass grant check) and the
    # read's audit event (10, as every clinician read of one patient pays), then the brief: one query
    # per section, themes in two, one per measured goal (issue 20: the themes took three; issue 19 added
    # the section of entries that were not risk-screened because of their language).
    assert len(small.captured_queries) <= 24


def test_the_printable_page_has_charts(personas, as_user):
    seed(personas, timezone.localdate())
    page = as_user(personas.clinician).get(url(personas, "brief.html")).content.decode()
    assert "<svg" in page and "Pre-session brief" in page and "sleep diary" in page
    assert 'aria-label="phq9 scores against band thresholds"' in page and page.count("stroke-dasharray") == 4


def pdf_page(data: bytes) -> tuple[int, str, bytes]:
    """Page count, the first page's text read back, and its decompressed drawing operators."""
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    return len(reader.pages), page.extract_text(), page.get_contents().get_data()


def test_the_pdf_has_the_chart_and_the_same_content(personas, as_user):
    seed(personas, timezone.localdate())
    response = as_user(personas.clinician).get(url(personas, "brief.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages, text, ops = pdf_page(response.content)
    assert pages == 1  # one page
    assert f"Pre-session brief: {personas.patient_profile.full_name}" in text  # whose brief it is
    assert "keep a sleep diary" in text
    assert "RISK ITEMS: phq9_item9" in text  # the risk item stands out in print too
    assert "phq9: 25 (6 months)" in text  # the score chart's label
    # vector lines: the mood series in its blue, 8 days = 7 segments per series; the score chart in purple
    assert b".121569 .372549 .74902 RG" in ops and len(re.findall(rb"[\d.] l\b", ops)) >= 3 * 7
    assert b".415686 .239216 .603922 RG" in ops and b"[3 2] 0 d" in ops  # dashed band thresholds
    empty = as_user(personas.clinician).get(url(personas, "brief.pdf")).content
    assert pdf_page(empty)[0] == 1


def test_the_pdf_names_the_patient_in_any_script(personas, as_user):
    personas.patient_profile.full_name = "王小明 (محمد العلي) José Ñúñez"
    personas.patient_profile.save(update_fields=["full_name"])
    _, text, _ = pdf_page(as_user(personas.clinician).get(url(personas, "brief.pdf")).content)
    # the header is the first thing on the page; the reader starts a new line at each change of font
    header = text.split("Daily check-ins")[0]
    assert header.startswith("Pre-session brief:")
    assert "王小明" in header and "محمد العلي"[::-1] in header and "José Ñúñez" in header
    page = as_user(personas.clinician).get(url(personas, "brief.html")).content.decode()
    assert "<bdi>王小明 (محمد العلي) José Ñúñez</bdi>" in page
