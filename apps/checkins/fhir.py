"""FHIR R4 export of an administration: a QuestionnaireResponse plus a total-score Observation
(category ``survey``, LOINC-coded, ``derivedFrom`` the response) in a collection Bundle, following
the US Core screening-assessment pattern."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.checkins.models import QuestionnaireResponse

LOINC = "http://loinc.org"


def _patient_ref(response: QuestionnaireResponse) -> dict[str, str]:
    return {"reference": f"Patient/{response.patient_id}"}


def questionnaire_response_resource(response: QuestionnaireResponse) -> dict[str, Any]:
    definition = response.instrument.definition
    answers = response.answers
    items = []
    for item in definition["items"]:
        if item["id"] not in answers:
            continue
        options = item.get("options") or definition["options"]
        option = next(o for o in options if o["value"] == answers[item["id"]])
        coding = {"code": option.get("loinc") or str(option["value"]), "display": option["label"]}
        coding["system"] = (
            LOINC if option.get("loinc") else f"{settings.PUBLIC_BASE_URL}/fhir/answers/{definition['key']}"
        )
        entry = {"linkId": item["id"], "text": item["text"], "answer": [{"valueCoding": coding}]}
        if item.get("loinc"):
            entry["definition"] = f"{LOINC}/{item['loinc']}"
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{settings.PUBLIC_BASE_URL}/fhir/Questionnaire/{definition['key']}|{definition['version']}",
        "status": "completed",
        "subject": _patient_ref(response),
        "authored": response.occurred_at.isoformat(),
        "item": items,
    }
    return resource


def total_score_observation(response: QuestionnaireResponse) -> dict[str, Any] | None:
    definition = response.instrument.definition
    total_code = definition.get("loinc", {}).get("total")
    if response.total_score is None or not total_code:
        return None
    observation = {
        "resourceType": "Observation",
        "id": f"{response.pk}-total",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": total_code, "display": f"{definition['title']} total score"}]},
        "subject": _patient_ref(response),
        "effectiveDateTime": response.occurred_at.isoformat(),
        "valueQuantity": {
            "value": response.total_score,
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        },
        "interpretation": [{"text": response.band_label}],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
    }
    return observation


def bundle(response: QuestionnaireResponse) -> dict[str, Any]:
    resources = [questionnaire_response_resource(response)]
    observation = total_score_observation(response)
    if observation:
        resources.append(observation)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{settings.PUBLIC_BASE_URL}/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
