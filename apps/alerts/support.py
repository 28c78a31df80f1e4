"""What a patient is shown when their own submission suggests risk: supportive words, the practice's
crisis resources for their region and language, and a safety-plan link. By default it never says an alert was sent."""

from __future__ import annotations

import threading

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from apps.accounts.models import PatientProfile
from apps.alerts.routing import policy_for
from apps.core.hooks import Hook
from ml.language import analysis_language
from ml.risk import LEXICONS, NOT_SCREENED, RiskRules

_rules: dict[str, RiskRules] = {}
_lock = threading.Lock()


def note_screen(text: str, *, preferred_language: str | None = None) -> str:
    """The lexicon stage of the risk detector (no model load in the web process), in the note's
    language (its own profile, else the patient's preferred language). The full analysis, with the
    semantic stage, still runs in the background job and raises the alert. A language without a
    lexicon gives ``NOT_SCREENED``: the background job records the note as not analysed."""
    language = analysis_language(text, preferred=preferred_language).language
    if language not in LEXICONS:
        return NOT_SCREENED
    with _lock:
        if language not in _rules:
            _rules[language] = RiskRules(language)
        rules = _rules[language]
    return rules.screen(text)


MESSAGE = gettext_noop(
    "Thank you for telling us how things are. It sounds like things are really hard right now. "
    "You don't have to face this alone: if you might act on thoughts of ending your life, or you are in "
    "danger, please contact one of these now."
)
ALERT_WORDING = gettext_noop("Your care team has been let know, and someone will be in touch.")
# Answered by plans (apps/plans/handlers.py), which sits above alerts.
own_safety_plan_url = Hook(
    "alerts.own_safety_plan_url",
    "handler(patient=PatientProfile) -> str | None: where the patient reads their own safety plan, if they have one",
)


def crisis_resources_for(resources: dict, *, region: str, language: str) -> list[dict]:
    """The region's lines (``DEFAULT`` when it has none) that serve the patient's language first:
    a line without ``lang`` serves everyone; one with ``lang`` only its speakers, unless nothing in
    the region is in the patient's language, when every line there is shown (English-only help
    beats none)."""
    lines = resources.get(region) or resources.get("DEFAULT", [])
    language = (language or "en").split("-")[0].lower()
    own = [r for r in lines if r.get("lang") == language]
    if not own:
        return list(lines)
    return own + [r for r in lines if not r.get("lang")]


def support_for(patient: PatientProfile) -> dict:
    policy = policy_for(patient.practice_id)
    resources = crisis_resources_for(
        policy.crisis_resources, region=patient.crisis_resource_region, language=patient.preferred_language
    )
    own_plan = next((url for url in own_safety_plan_url(patient=patient) if url), None)
    # In the patient's language wherever it is read (the app, or a mobile client through the API).
    with translation.override(patient.preferred_language):
        message, notified = gettext(MESSAGE), gettext(ALERT_WORDING)
        language = translation.get_language() if message != MESSAGE else "en"
    body = {
        "message": message,
        "lang": language,
        "resources": resources,
        # The patient's own plan (readable offline in the app) comes first; the practice's page otherwise.
        "safety_plan_url": own_plan or policy.safety_plan_url or None,
    }
    if policy.tell_patient_alert_sent:
        body["care_team_notified"] = notified
    return body
