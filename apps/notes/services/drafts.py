"""The session's evidence-linked draft: built from its inputs and recent questionnaires, redrafted as
inputs arrive; a signed note is never touched."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import QuestionnaireResponse
from apps.core.errors import Conflict
from apps.insights.selectors import patient_analysis_allowed
from apps.notes.models import ClinicalSession, InputStatus, Note, NoteStatus, SessionInput
from apps.notes.selectors import input_language, note_templates_list, speakers_confirmed
from apps.notes.services.risk_review import review_items_from_sections
from apps.notes.services.sessions import CATEGORY
from ml import notes as drafting


def _records(session: ClinicalSession) -> list[drafting.Record]:
    """Questionnaires since the previous session (or in the 30 days before this one), phrased with change."""
    previous = (
        ClinicalSession.objects.filter(patient=session.patient, started_at__lt=session.started_at)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    since = previous or session.started_at - dt.timedelta(days=30)
    rows = (
        QuestionnaireResponse.objects.filter(
            patient=session.patient,
            occurred_at__gte=since,
            occurred_at__lte=session.started_at + dt.timedelta(hours=12),
        )
        .select_related("instrument")
        .order_by("occurred_at")
    )
    records = []
    for r in rows:
        title = (
            r.instrument.definition["title"].split(" (")[-1].rstrip(")")
            if "(" in r.instrument.definition["title"]
            else r.instrument.title
        )
        text = f"{title} {r.total_score if r.total_score is not None else r.band_label}"
        if r.total_score is not None:
            text += f" ({r.band_label.lower()})"
        change = r.change or {}
        if change.get("delta") is not None:
            direction = "down" if change["delta"] < 0 else "up"
            text += f", {direction} {abs(change['delta'])} from {change['previous_total']}"
            if change.get("reliable_change"):
                text += f" (reliable {change['reliable_change']})"
        text += f" on {r.local_date:%d %b %Y}"
        records.append(drafting.Record(ref=f"questionnaire_response:{r.pk}", text=text))
    return records


def _utterances(session: ClinicalSession) -> list[drafting.Utterance]:
    return [u for _, utterances in _utterances_by_input(session) for u in utterances]


def _utterances_by_input(session: ClinicalSession) -> list[tuple[SessionInput, list[drafting.Utterance]]]:
    """Each drafted input with its utterances, numbered session-wide (the refs the draft cites)."""
    out, index = [], 0
    for item in session.inputs.filter(status__in=[InputStatus.DRAFTING, InputStatus.DONE]).order_by("created_at"):
        utterances = []
        for u in item.utterances:
            utterances.append(drafting.Utterance(index, u["speaker"], u["text"], u["start"], u["end"], u.get("line")))
            index += 1
        out.append((item, utterances))
    return out


def _screened_review_sentences(session: ClinicalSession) -> list[drafting.DraftSentence]:
    """The review items each input's risk screen recorded (``processing._screen_risk``), as draft sentences
    citing the session-wide utterance numbers."""
    out = []
    for item, utterances in _utterances_by_input(session):
        record = (item.transcription or {}).get("risk_screen", {})
        for held in record.get("review", []):
            cited = [utterances[i] for i in held["utterances"] if 0 <= i < len(utterances)]
            quoted = " ".join(u.text.strip() for u in cited)
            evidence = tuple(drafting.Evidence("utterance", str(u.index), u.start, u.end) for u in cited)
            review = {**held, "utterances": [u.index for u in cited]}
            out.append(drafting.review_sentence(review, held["level"].replace("_", " "), quoted, evidence))
    return out


def _by_language(session: ClinicalSession) -> tuple[list[drafting.Utterance], dict[str, list[drafting.Utterance]]]:
    """The English inputs' utterances (what the rule-based drafter reads) and the others' by language
    (quoted, never drafted: issue 19)."""
    english: list[drafting.Utterance] = []
    others: dict[str, list[drafting.Utterance]] = {}
    for item, utterances in _utterances_by_input(session):
        code = input_language(item).language
        if code == "en":
            english.extend(utterances)
        else:
            others.setdefault(code, []).extend(utterances)
    return english, others


def _identifiers(session: ClinicalSession) -> dict[str, str]:
    patient = session.patient
    pairs = {patient.full_name: "[PATIENT]", session.clinician.display_name: "[CLINICIAN]"}
    if patient.emergency_contact_name:
        pairs[patient.emergency_contact_name] = "[CONTACT]"
    if patient.emergency_contact_phone:
        pairs[patient.emergency_contact_phone] = "[PHONE]"
    if patient.date_of_birth:
        pairs[patient.date_of_birth.isoformat()] = "[DATE]"
        pairs[f"{patient.date_of_birth:%d %B %Y}"] = "[DATE]"
    return {k: v for k, v in pairs.items() if k}


def note_draft_generate(
    *,
    session: ClinicalSession,
    engine: str = "default",
    made_by: str = "",
    extra_provenance: dict | None = None,
    memo=None,
) -> Note | None:
    """(Re)draft the session's note from all its inputs. A signed note is never touched; a draft the
    clinician has edited is kept and a new draft version is added beside it. ``made_by`` names the pass
    that made it (``live``: from a live session's transcript at stop; ``offline``: the full pass over
    its stored audio afterwards): a live draft is kept beside the offline one so the clinician can
    compare and choose. ``extra_provenance`` is merged into the note's provenance (the offline pass's
    comparison with the live transcript). ``memo``: an ``ml.analysis.AnalysisMemo`` the live session
    warmed (the same analyzer's results by text), so only text it has not seen is analysed now."""
    from ml.analysis import get_analyzer

    analyzer = (memo or get_analyzer()) if patient_analysis_allowed(session.patient) else None
    template = note_templates_list(session.patient.practice_id)[session.template_key]
    report: dict = {}
    if engine == "llm":
        from ml import llm_notes
        from ml.text import get_encoder

        if not (settings.NOTES_LLM_URL and settings.NOTES_LLM_MODEL):
            raise Conflict("No LLM endpoint is configured for this practice.", code="llm_not_configured")
        config = llm_notes.LLMConfig(settings.NOTES_LLM_URL, settings.NOTES_LLM_MODEL, settings.NOTES_LLM_API_KEY)
        draft, report = llm_notes.draft_with_llm(
            config, template, _utterances(session), _records(session), _identifiers(session), get_encoder()
        )
        # The LLM writes no risk statements: what the alert path held for review is added, never dropped.
        draft = drafting.with_review_items(template, draft, _screened_review_sentences(session))
    else:
        english, others = _by_language(session)
        draft = drafting.draft_note(
            template,
            english,
            _records(session),
            analysis=analyzer.analyse if analyzer else None,
            versions=analyzer.versions if analyzer else {},
            speakers_confirmed=all(speakers_confirmed(i) for i in session.inputs.all()),
            risk=analyzer.risk.assess if analyzer else None,
        )
        draft = drafting.with_languages_not_drafted(draft, others)
    sections = [
        {
            "key": s.key,
            "title": s.title,
            "sentences": [
                {
                    "text": x.text,
                    "source": x.source,
                    "evidence": [e.__dict__ for e in x.evidence],
                    **({"review": x.review} if x.review else {}),
                }
                for x in s.sentences
            ],
        }
        for s in draft.sections
    ]
    provenance = {
        "engine": draft.engine,
        "engine_version": draft.engine_version,
        "template": draft.template,
        "template_version": draft.template_version,
        "versions": draft.versions,
        "transcription": [i.transcription for i in session.inputs.exclude(transcription={})],
        "drafted_at": timezone.now().isoformat(),
        "edited": False,
        **({"pass": made_by} if made_by else {}),
        **(
            {
                "not_analysed": draft.versions["not_analysed"],
                "languages_not_drafted": draft.versions["languages_not_drafted"],
            }
            if "not_analysed" in draft.versions
            else {}
        ),
        **({"llm": report} if report else {}),
        **(extra_provenance or {}),
    }
    with transaction.atomic():
        latest = Note.objects.select_for_update().filter(session=session).order_by("-version").first()
        if latest is not None and latest.status == NoteStatus.SIGNED:
            return None
        # Risk language held for the clinician's review (never an alert yet): signing waits on it.
        previous = (latest.provenance or {}).get("risk_review") if latest is not None else None
        provenance["risk_review"] = review_items_from_sections(sections, previous)
        keep_live = latest is not None and latest.provenance.get("pass") == "live" and made_by != "live"
        if latest is not None and not latest.provenance.get("edited") and not keep_live:
            latest.sections, latest.provenance = sections, provenance
            latest.template_key, latest.template_version = draft.template, draft.template_version
            latest.save()
            note = latest
        else:
            note = Note.objects.create(
                session=session,
                version=(latest.version + 1) if latest else 1,
                template_key=draft.template,
                template_version=draft.template_version,
                sections=sections,
                provenance=provenance,
            )
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type="note",
            object_id=note.pk,
            patient_id=session.patient_id,
            practice_id=session.patient.practice_id,
            data_category=CATEGORY,
            detail={"job": "note_draft", "engine": draft.engine, "template": draft.template},
        )
    return note
