import uuid

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQR

from apps.alerts.models import RiskSignal
from apps.checkins.models import QuestionnaireResponse
from tests.apps.checkins.factories import WHO5, days_ago, submit_phq9

URL = "/api/v1/me/questionnaires/"


def phq9_body(values, **overrides):
    data = {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "occurred_at": timezone.now().isoformat(),
        "timezone": "Europe/London",
        "answers": {f"phq9_{i + 1}": v for i, v in enumerate(values)},
    }
    data.update(overrides)
    return data


def test_the_server_scores_a_phq9(personas, as_user):
    response = as_user(personas.patient).post(URL, phq9_body([2, 2, 2, 2, 1, 1, 1, 1, 0]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["total_score"], body["band"], body["instrument_version"]) == (12, "moderate", 1)
    assert body["risk"] == [] and body["change"]["previous_total"] is None


def test_a_client_sent_total_or_a_missing_item_is_refused(personas, as_user):
    data = phq9_body([1] * 8)
    data["answers"]["total"] = 27
    response = as_user(personas.patient).post(URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"answers.phq9_9", "answers.total"}
    assert QuestionnaireResponse.objects.count() == 0


def test_an_unknown_instrument_is_a_field_error(personas, as_user):
    response = as_user(personas.patient).post(URL, phq9_body([0] * 9, instrument="beck"), format="json")
    assert response.status_code == 400 and "instrument" in response.json()["error"]["fields"]


def test_resubmitting_is_idempotent(personas, as_user):
    client, data = as_user(personas.patient), phq9_body([1] * 9)
    assert client.post(URL, data, format="json").status_code == 201
    assert client.post(URL, data, format="json").status_code == 200
    assert QuestionnaireResponse.objects.count() == 1


def test_item9_raises_a_risk_signal_the_care_team_can_see(personas, as_user):
    body = as_user(personas.patient).post(URL, phq9_body([0] * 8 + [1]), format="json").json()
    assert body["risk"][0]["signal"] == "phq9_item9" and body["risk"][0]["level"] == "moderate"
    signal = RiskSignal.objects.get()
    assert (signal.kind, signal.source_id) == ("phq9_item9", body["id"])
    # The alert was made with the submission, in its transaction, not left for a queue.
    assert signal.processed_at is not None and signal.alert.severity == "high"
    listed = as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/risk-signals/")
    assert listed.json()["results"][0]["evidence"]["items"][0]["item"] == "phq9_9"


def test_reliable_deterioration_is_flagged_and_signalled(personas):
    submit_phq9(personas.patient_profile, [1] * 9, when=days_ago(20), item9=0)  # 8
    later = submit_phq9(personas.patient_profile, [2] * 9, when=days_ago(5), item9=0)  # 16
    assert later.change == {
        "previous_total": 8,
        "delta": 8,
        "reliable_change": "deterioration",
        "response": False,
        "remission": False,
    }
    assert RiskSignal.objects.filter(kind="reliable_deterioration", source_id=str(later.id)).exists()


def test_a_late_upload_rebases_the_next_administration(personas):
    latest = submit_phq9(personas.patient_profile, [0] * 9, when=days_ago(1))  # 0
    submit_phq9(personas.patient_profile, [2] * 9, when=days_ago(30), item9=0)  # 16, uploaded late
    middle = submit_phq9(personas.patient_profile, [1] * 9, when=days_ago(14), item9=0)  # 8, later still
    latest.refresh_from_db()
    assert latest.previous_id == middle.id and latest.change["previous_total"] == 8
    assert latest.change["reliable_change"] == "improvement" and latest.change["remission"] is True


def test_cssrs_positive_items_become_signals_with_levels(personas, as_user):
    data = {
        "id": str(uuid.uuid4()),
        "instrument": "cssrs_screener",
        "occurred_at": timezone.now().isoformat(),
        "timezone": "Europe/London",
        "answers": {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 0, "cssrs_5": 0, "cssrs_6": 0},
    }
    body = as_user(personas.patient).post(URL, data, format="json").json()
    assert body["band"] == "risk_moderate"
    assert set(RiskSignal.objects.values_list("kind", "level")) == {
        ("cssrs_wish_dead", "low"),
        ("cssrs_suicidal_thoughts", "low"),
        ("cssrs_method", "moderate"),
    }


def test_history_with_bands_and_flags_for_the_care_team(personas, as_user):
    submit_phq9(personas.patient_profile, [2] * 9, when=days_ago(28), item9=0)
    submit_phq9(personas.patient_profile, [1] * 9, when=days_ago(14), item9=0)
    client = as_user(personas.clinician)
    url = f"/api/v1/patients/{personas.patient_profile.id}/questionnaires/"
    rows = client.get(url, {"instrument": "phq9"}).json()["results"]
    assert [(r["total_score"], r["band"], r["change"]["reliable_change"]) for r in rows] == [
        (8, "mild", "improvement"),
        (16, "moderately_severe", None),
    ]
    detail = client.get(f"{url}{rows[0]['id']}/").json()
    assert detail["answers"]["phq9_1"] == 1
    assert client.get(url, {"start": "2026-02-01", "end": "2026-01-01"}).status_code == 400


def test_fhir_export_validates_as_r4_resources(personas, as_user):
    response = submit_phq9(personas.patient_profile, [1, 2, 3, 0, 1, 2, 3, 0, 1])
    url = f"/api/v1/patients/{personas.patient_profile.id}/questionnaires/{response.id}/fhir/"
    exported = as_user(personas.clinician).get(url)
    assert exported.status_code == 200
    bundle = Bundle.model_validate(exported.json())
    qr, observation = (entry.resource for entry in bundle.entry)
    assert isinstance(qr, FhirQR) and qr.status == "completed" and len(qr.item) == 9
    assert qr.item[8].answer[0].valueCoding.code == "LA6569-3"
    assert isinstance(observation, Observation)
    assert observation.code.coding[0].code == "44261-6" and observation.valueQuantity.value == 13
    assert observation.category[0].coding[0].code == "survey"
    assert observation.derivedFrom[0].reference == f"QuestionnaireResponse/{response.id}"


def test_instruments_are_listed_and_admins_can_add_one(personas, as_user):
    keys = {i["key"] for i in as_user(personas.patient).get("/api/v1/instruments/").json()}
    assert keys == {"phq9", "gad7", "cssrs_screener"}
    definition = WHO5
    created = as_user(personas.admin).post("/api/v1/practice/instruments/", {"definition": definition}, format="json")
    assert created.status_code == 201, created.json()
    bad = as_user(personas.admin).post(
        "/api/v1/practice/instruments/", {"definition": {**definition, "key": "who5b", "bands": []}}, format="json"
    )
    assert bad.status_code == 400 and "definition" in bad.json()["error"]["fields"]
    data = {
        "id": str(uuid.uuid4()),
        "instrument": "who5",
        "occurred_at": timezone.now().isoformat(),
        "timezone": "UTC",
        "answers": {f"who5_{i}": 3 for i in range(1, 6)},
    }
    scored = as_user(personas.patient).post(URL, data, format="json").json()
    assert (scored["total_score"], scored["band"]) == (15, "ok")
    # Another practice does not get it.
    assert "who5" not in {i["key"] for i in as_user(personas.outsider).get("/api/v1/instruments/").json()}
