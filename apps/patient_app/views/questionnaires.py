"""Questionnaires, one item per screen. The page carries the instrument's items, conditional rules and
risk rules, so it runs offline: answers are saved on the phone as they are given, and a risky answer
shows the supportive message, crisis lines and safety plan at once, before anything is sent. The
server still scores every submission and raises the care team's alert."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from apps.accounts.door import own_patient
from apps.alerts.support import support_for
from apps.checkins.scoring import languages, localized
from apps.checkins.selectors.catalogue import instrument_get, instruments_available
from apps.patient_app.web import app_view


@app_view()
def questionnaire_list(request):
    patient = own_patient(request.user)
    instruments = [
        {"key": i.key, "title": localized(i.definition, language)["title"], "lang": language}
        for i in instruments_available(practice_id=patient.practice_id)
        for language in [_wording_language(request, i.definition)]
    ]
    return render(request, "patient_app/questionnaire_list.html", {"instruments": instruments})


def _wording_language(request, definition: dict) -> str:
    """The app's language when the instrument has a validated wording in it; English otherwise."""
    return request.LANGUAGE_CODE if request.LANGUAGE_CODE in languages(definition) else "en"


def _render_items(definition: dict) -> list[dict]:
    shared = definition.get("options", [])
    return [
        {
            "id": item["id"],
            "text": item["text"],
            "period": item.get("period", ""),
            "required": item.get("required", True),
            "ask_if": item.get("ask_if"),
            "options": item.get("options", shared),
        }
        for item in definition.get("items", [])
    ]


@app_view()
def questionnaire(request, key: str):
    patient = own_patient(request.user)
    instrument = instrument_get(practice_id=patient.practice_id, key=key)
    if instrument is None:
        raise Http404("No such questionnaire.")
    language = _wording_language(request, instrument.definition)
    definition = localized(instrument.definition, language)
    items = _render_items(definition)
    return render(
        request,
        "patient_app/questionnaire.html",
        {
            "instrument": instrument,
            "title": definition["title"],
            "wording_language": language,
            "preamble": definition.get("preamble", ""),
            "items": items,
            "logic": {
                "key": instrument.key,
                "language": language,
                "items": [{"id": i["id"], "required": i["required"], "ask_if": i["ask_if"]} for i in items],
                "risk_rules": definition.get("risk_rules", []),
            },
            "support": support_for(patient),
        },
    )
