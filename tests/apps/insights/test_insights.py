import datetime as dt
import uuid

import pytest
from django.utils import timezone

from apps.accounts.services.consent import consent_decide
from apps.alerts.models import RiskSignal
from apps.checkins.models import MoodCheckin
from apps.insights.models import Finding, PatternSnapshot, TextAnalysis
from apps.insights.selectors import pattern_days_list
from apps.insights.services import patterns_refresh, text_analyse
from apps.journals.models import JournalEntry
from tests.apps.journals.factories import make_text_entry

pytestmark = pytest.mark.slow
RISKY = "Work was brutal again. Honestly my kids would be fine without me."


def entry_via_api(client, text, django_capture_on_commit_callbacks, shared=None):
    body = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC", "text": text}
    if shared is not None:
        body["shared"] = shared
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/journals/", body, format="json")
    assert response.status_code == 201, response.json()
    return JournalEntry.objects.get(pk=response.json()["id"])


def test_a_journal_entry_is_analysed_and_risk_language_raises_a_signal(
    personas, as_user, django_capture_on_commit_callbacks
):
    entry = entry_via_api(as_user(personas.patient), RISKY, django_capture_on_commit_callbacks)
    assert entry.status == "done"
    analysis = TextAnalysis.objects.get(source_id=entry.id)
    assert analysis.risk_level == "passive_ideation" and analysis.versions["risk"].startswith("risk-")
    risk = Finding.objects.get(analysis=analysis, kind="risk", suppressed="")
    assert RISKY[risk.start : risk.end] == "Honestly my kids would be fine without me."
    assert Finding.objects.filter(analysis=analysis, kind="trigger", category="work").exists()
    signal = RiskSignal.objects.get(source_id=str(entry.id))
    assert (signal.kind, signal.level) == ("risk_language_passive_ideation", "moderate")
    assert signal.evidence["spans"][0]["source"] == "passive.better_off" and "kids" not in str(signal.evidence)


def test_nothing_runs_without_ai_consent(personas, as_user, django_capture_on_commit_callbacks):
    consent_decide(
        actor=personas.patient, patient=personas.patient_profile, kind="ai_processing", version=1, decision="declined"
    )
    entry = entry_via_api(as_user(personas.patient), RISKY, django_capture_on_commit_callbacks)
    assert entry.status == "done"
    assert not TextAnalysis.objects.exists() and not RiskSignal.objects.exists()


def test_unshared_entries_are_risk_screened_unless_the_practice_turns_it_off(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.patient)
    private = entry_via_api(client, RISKY, django_capture_on_commit_callbacks, shared=False)
    assert RiskSignal.objects.filter(source_id=str(private.id)).exists()
    # Staff get the signal but not the entry or its findings.
    staff = as_user(personas.clinician)
    base = f"/api/v1/patients/{personas.patient_profile.id}/"
    assert staff.get(f"{base}insights/findings/").json()["results"] == []
    assert staff.get(f"{base}risk-signals/").json()["results"][0]["evidence"]["shared_with_care_team"] is False
    personas.practice.risk_screen_unshared_journals = False
    personas.practice.save()
    other = entry_via_api(client, RISKY, django_capture_on_commit_callbacks, shared=False)
    assert not TextAnalysis.objects.filter(source_id=other.id).exists()


def test_a_check_in_note_is_analysed(personas, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(personas.patient).post(
            "/api/v1/me/checkins/",
            {
                "id": str(uuid.uuid4()),
                "occurred_at": timezone.now().isoformat(),
                "timezone": "UTC",
                "mood": 2,
                "anxiety": 8,
                "energy": 2,
                "note": "I keep thinking about killing myself.",
            },
            format="json",
        )
    checkin = MoodCheckin.objects.get()
    assert TextAnalysis.objects.get(source_id=checkin.id).risk_level == "active_ideation"
    assert RiskSignal.objects.get(source_type="mood_checkin").level == "high"


def test_findings_endpoint_returns_text_and_spans_for_shared_entries(
    personas, as_user, django_capture_on_commit_callbacks
):
    entry = entry_via_api(as_user(personas.patient), RISKY, django_capture_on_commit_callbacks, shared=True)
    results = (
        as_user(personas.clinician)
        .get(f"/api/v1/patients/{personas.patient_profile.id}/insights/findings/", {"source_id": str(entry.id)})
        .json()["results"]
    )
    assert results[0]["text"] == RISKY
    spans = {
        (f["kind"], results[0]["text"][f["start"] : f["end"]]) for f in results[0]["findings"] if not f["suppressed"]
    }
    assert ("trigger", "Work") in spans


def test_deleting_an_entry_deletes_its_analysis(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.patient)
    entry = entry_via_api(client, RISKY, django_capture_on_commit_callbacks)
    client.delete(f"/api/v1/me/journals/{entry.id}/")
    assert not TextAnalysis.objects.exists() and not Finding.objects.exists() and not RiskSignal.objects.exists()


def test_trigger_frequency_and_patterns(personas, as_user):
    patient = personas.patient_profile
    today = timezone.localdate()
    rows = []
    for i in range(60):
        day = today - dt.timedelta(days=i)
        work_day = i % 3 == 0
        rows.append(
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=timezone.now(),
                timezone="UTC",
                local_date=day,
                mood=3 if work_day else 7,
                anxiety=5,
                energy=5,
                sleep_hours=7,
                tags=["conflict"] if work_day else [],
            )
        )
    MoodCheckin.objects.bulk_create(rows)
    series = pattern_days_list(patient_id=patient.id)
    assert len(series) == 60 and any("conflict" in d.factors for d in series)
    client = as_user(personas.clinician)
    refreshed = client.post(f"/api/v1/patients/{patient.id}/insights/patterns/refresh/")
    assert refreshed.status_code == 201
    latest = client.get(f"/api/v1/patients/{patient.id}/insights/patterns/").json()
    conflict = next(p for p in latest["patterns"] if p["factor"] == "conflict" and p["lag_days"] == 0)
    assert conflict["effect"] == -4.0 and conflict["n_with"] == 20 and "conflict" in conflict["summary"]
    assert PatternSnapshot.objects.count() == 1
    make_text_entry(patient, text="My boss shouted at me.")
    text_analyse(source_type="journal_entry", source_id=JournalEntry.objects.get().id)
    weekly = client.get(f"/api/v1/patients/{patient.id}/insights/triggers/").json()
    assert any(r["category"] == "work" and r["count"] == 1 for r in weekly)


def test_pattern_mining_needs_consent(personas):
    consent_decide(
        actor=personas.patient, patient=personas.patient_profile, kind="ai_processing", version=1, decision="declined"
    )
    assert patterns_refresh(patient=personas.patient_profile) is None


def test_custom_triggers_are_managed_by_the_care_team(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/custom-triggers/"
    created = as_user(personas.clinician).post(
        url, {"key": "my_ex", "label": "My ex", "phrases": ["Jordan"]}, format="json"
    )
    assert created.status_code == 201
    entry = make_text_entry(personas.patient_profile, text="Saw Jordan at the shop and my chest went tight.")
    text_analyse(source_type="journal_entry", source_id=entry.id)
    assert Finding.objects.filter(category="my_ex", kind="patient_trigger").exists()
    assert (
        as_user(personas.patient).post(url, {"key": "x", "label": "x", "phrases": ["x"]}, format="json").status_code
        == 404
    )
    assert as_user(personas.clinician).delete(f"{url}{created.json()['id']}/").status_code == 204


def test_patient_themes_only_when_the_practice_enables_them(personas, as_user):
    client = as_user(personas.patient)
    assert client.get("/api/v1/me/themes/").status_code == 403
    personas.practice.show_patient_themes = True
    personas.practice.save()
    for day in range(2):
        entry = make_text_entry(personas.patient_profile, text="I went for a run in the morning.")
        JournalEntry.objects.filter(pk=entry.pk).update(local_date=timezone.localdate() - dt.timedelta(days=day))
        text_analyse(source_type="journal_entry", source_id=entry.id)
    themes = client.get("/api/v1/me/themes/").json()
    assert themes[0]["theme"] == "exercise" and "help" in themes[0]["message"]


PRIVATE = "I drank far too much last night and gambled away the rent money."


def test_unshared_entries_never_reach_staff_as_triggers_themes_or_pattern_factors(personas, as_user):
    """Issue 13: findings of an entry the patient did not share leaked to the care team as trigger
    categories (trigger frequency, the brief's themes) and as pattern-mining factors."""
    patient = personas.patient_profile
    entry = make_text_entry(patient, text=PRIVATE, shared=False)
    text_analyse(source_type="journal_entry", source_id=entry.id)
    private = set(Finding.objects.filter(kind="trigger").values_list("category", flat=True))
    assert {"substance_use", "finances"} <= private  # the engine did find them

    def staff_view() -> set[str]:
        base = f"/api/v1/patients/{patient.id}/"
        client = as_user(personas.clinician)
        weekly = {r["category"] for r in client.get(base + "insights/triggers/").json()}
        themes = client.get(base + "brief/").json()["themes"]
        themed = {t["category"] for t in themes["triggers"] + themes["protective"]}
        factors = set().union(*(d.factors for d in pattern_days_list(patient_id=patient.id)))
        findings = client.get(base + "insights/findings/").json()["results"]
        listed = {f["category"] for a in findings for f in a["findings"]}
        return weekly | themed | factors | listed

    assert not staff_view() & private
    entry.shared_with_care_team = True  # once shared, the care team sees them (so the check can fail)
    entry.save(update_fields=["shared_with_care_team"])
    assert {"substance_use", "finances"} <= staff_view()
