"""Hostile input answers 4xx with the usual error shape, never 500 (issue 13)."""

import uuid

import pytest
from django.utils import timezone

NOW = timezone.now().isoformat


def deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/me/checkins/"])
def test_json_nested_a_thousand_deep_is_a_400(personas, as_user, client, path):
    caller = as_user(personas.patient) if path.startswith("/api/v1/me/") else client
    response = caller.post(path, deep(1000), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_json_nested_deeper_than_any_client_needs_is_refused(personas, as_user):
    response = as_user(personas.patient).post("/api/v1/me/checkins/", deep(40), content_type="application/json")
    assert response.status_code == 400 and "nested" in response.json()["error"]["message"]


def bodies():
    base = {"occurred_at": "0001-01-01T00:00:00Z", "timezone": "America/New_York"}
    return {
        "/api/v1/me/checkins/": {**base, "mood": 5, "anxiety": 5, "energy": 5},
        "/api/v1/me/journals/": {**base, "text": "An entry from the year one."},
        "/api/v1/me/questionnaires/": {**base, "instrument": "gad7", "answers": {f"gad7_{i}": 0 for i in range(1, 8)}},
        "/api/v1/me/coping/": {**base, "kind": "coping", "strategy": "box_breathing"},
    }


@pytest.mark.parametrize("path", list(bodies()))
@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "0001-01-01T05:00:00+09:00", "1899-12-31T23:00:00Z"])
def test_an_occurred_at_from_the_distant_past_is_a_field_error(personas, as_user, path, when):
    body = {**bodies()[path], "id": str(uuid.uuid4()), "occurred_at": when}
    response = as_user(personas.patient).post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert "occurred_at" in response.json()["error"]["fields"]


def test_a_non_uuid_source_id_is_a_field_error_on_findings(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/insights/findings/"
    response = as_user(personas.clinician).get(url, {"source_id": "not-a-uuid"})
    assert response.status_code == 400 and "source_id" in response.json()["error"]["fields"]
    response = as_user(personas.clinician).get(url, {"source_type": "nonsense"})
    assert response.status_code == 400 and "source_type" in response.json()["error"]["fields"]
