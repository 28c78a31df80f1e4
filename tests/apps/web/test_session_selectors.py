import uuid

import pytest
from django.utils import timezone

from apps.notes.models import ClinicalSession, Note
from apps.notes.selectors import sign_check, versions_diff

pytestmark = pytest.mark.django_db


def note(session, version, sections):
    return Note.objects.create(
        id=uuid.uuid4(),
        session=session,
        version=version,
        template_key="soap",
        template_version=1,
        sections=sections,
        provenance={},
    )


def test_the_sign_check_lists_unedited_and_evidence_less_sentences(personas):
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    n = note(
        session,
        1,
        [
            {
                "key": "subjective",
                "title": "Subjective",
                "sentences": [
                    {
                        "text": "Work stress.",
                        "source": "summary_statements",
                        "evidence": [{"kind": "utterance", "ref": "0"}],
                    },
                    {"text": "Slept badly.", "source": "llm_unsupported", "evidence": []},
                    {"text": "My own words.", "source": "clinician", "evidence": []},
                ],
            }
        ],
    )
    check = sign_check(note=n)
    assert check.unedited == ["Work stress.", "Slept badly."]
    assert check.without_evidence == ["Slept badly.", "My own words."]


def test_versions_diff_shows_what_changed_per_section(personas):
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    plan = {"key": "plan", "title": "Plan", "sentences": [{"text": "Walks.", "source": "homework", "evidence": []}]}
    old = note(session, 1, [plan])
    new = note(
        session,
        2,
        [{**plan, "sentences": [*plan["sentences"], {"text": "Sleep diary.", "source": "clinician", "evidence": []}]}],
    )
    diff = versions_diff(older=old, newer=new)
    assert "-Plan: Walks." in diff and "+Plan: Walks. Sleep diary." in diff
