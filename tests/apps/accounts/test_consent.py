from apps.accounts.models import ConsentRecord
from apps.accounts.selectors import consent_is_granted
from tests.conftest import make_patient


def state(response):
    return {item["kind"]: item for item in response.json()}


def test_without_a_decision_consent_is_not_granted(personas):
    newcomer = make_patient(personas.practice, "fresh", personas.clinician)
    assert consent_is_granted(patient_id=newcomer.id, kind="ai_processing") is False


def test_declining_is_as_easy_as_accepting_and_revocation_is_timed(personas, as_user):
    client = as_user(personas.patient)
    assert consent_is_granted(patient_id=personas.patient_profile.id, kind="ai_processing")
    response = client.post(
        "/api/v1/me/consents/", {"kind": "ai_processing", "version": 1, "decision": "declined"}, format="json"
    )
    assert response.status_code == 201
    ai = state(response)["ai_processing"]
    assert ai["granted"] is False and len(ai["history"]) == 2
    assert ai["history"][1]["revoked_at"] is not None
    assert not consent_is_granted(patient_id=personas.patient_profile.id, kind="ai_processing")


def test_a_new_consent_version_asks_for_review(personas, as_user):
    published = as_user(personas.admin).post(
        "/api/v1/consent-documents/",
        {"kind": "journal_sharing", "title": "Sharing v2", "text": "New words."},
        format="json",
    )
    assert published.status_code == 201 and published.json()["version"] == 2
    mine = state(as_user(personas.patient).get("/api/v1/me/consents/"))
    assert mine["journal_sharing"]["needs_review"] is True and mine["ai_processing"]["needs_review"] is False


def test_an_unknown_version_or_kind_is_a_field_error(personas, as_user):
    client = as_user(personas.patient)
    bad_version = client.post(
        "/api/v1/me/consents/", {"kind": "ai_processing", "version": 9, "decision": "accepted"}, format="json"
    )
    assert bad_version.status_code == 400 and "version" in bad_version.json()["error"]["fields"]
    bad_kind = client.post(
        "/api/v1/me/consents/", {"kind": "mind_reading", "version": 1, "decision": "accepted"}, format="json"
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["error"]["fields"]
    assert ConsentRecord.objects.filter(patient=personas.patient_profile).count() == 3


def test_only_admins_publish_consent_texts(personas, as_user):
    response = as_user(personas.clinician).post(
        "/api/v1/consent-documents/", {"kind": "journal_sharing", "title": "x", "text": "y"}, format="json"
    )
    assert response.status_code == 403


def test_the_care_team_sees_the_patients_consent_state(personas, as_user):
    response = as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/consents/")
    assert response.status_code == 200 and state(response)["session_recording"]["granted"] is True


def test_consent_documents_are_listed_for_the_callers_practice(personas, as_user):
    docs = as_user(personas.patient).get("/api/v1/consent-documents/").json()
    assert {d["kind"] for d in docs} == {"ai_processing", "journal_sharing", "session_recording"}
    assert len(docs) == 3
