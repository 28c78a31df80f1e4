"""The session-input job is a job row like a journal entry: claimed under a row lock, one attempt per
claim, resumed after its worker dies, stored by the run holding the claim only, and a give-up that
remembers where it stopped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.notes import processing
from apps.notes.models import ClinicalSession, InputKind, Note, SessionInput
from apps.notes.services.sessions import session_input_add_audio, session_input_add_typed
from apps.notes.tasks import process_input
from tests.apps.journals.factories import upload

SUMMARY = "Patient reported that work has been overwhelming. For homework, schedule one pleasant activity."


pytestmark = pytest.mark.usefixtures("audio_media")


@pytest.fixture
def session(personas):
    return ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )


def typed(personas, session, django_capture_on_commit_callbacks) -> SessionInput:
    """A typed input whose job has not run yet (the test runs it)."""
    with django_capture_on_commit_callbacks(execute=False):
        return session_input_add_typed(actor=personas.clinician, session=session, text=SUMMARY)


def dictated(personas, session, django_capture_on_commit_callbacks) -> SessionInput:
    with django_capture_on_commit_callbacks(execute=False):
        return session_input_add_audio(
            actor=personas.clinician, session=session, kind=InputKind.DICTATION, audio_file=upload("dictation.m4a")
        )


def _age(item, seconds: float) -> None:
    SessionInput.objects.filter(pk=item.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))


def transcriptions(item) -> int:
    return AuditEvent.objects.filter(object_id=str(item.pk), action="ai_process", detail__job="transcription").count()


def note_drafts(session) -> int:
    note_ids = [str(pk) for pk in Note.objects.filter(session=session).values_list("pk", flat=True)]
    return AuditEvent.objects.filter(object_id__in=note_ids, action="ai_process", detail__job="note_draft").count()


@pytest.mark.slow
def test_a_run_that_lost_its_claim_to_a_second_run_stores_nothing(
    personas, session, django_capture_on_commit_callbacks
):
    item = dictated(personas, session, django_capture_on_commit_callbacks)
    first = processing._claim(item.pk)  # run one claims, then a second message arrives
    second = processing.session_input_process(input_id=item.pk)
    assert (second.status, second.attempts) == ("done", 2)
    assert processing._transcribe_and_store(first) is None  # run one finishes transcribing: dropped
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("done", 2)
    assert transcriptions(item) == 1 and Note.objects.filter(session=session).count() == 1


def test_a_superseded_run_does_not_draft_again(personas, session, django_capture_on_commit_callbacks):
    item = typed(personas, session, django_capture_on_commit_callbacks)
    first = processing._claim(item.pk)
    processing.session_input_process(input_id=item.pk)
    drafts = note_drafts(session)
    assert drafts == 1
    assert processing._draft_and_finish(first) is None
    assert note_drafts(session) == drafts and SessionInput.objects.get(pk=item.pk).status == "done"


@pytest.mark.slow
def test_a_job_whose_worker_died_mid_transcription_is_sent_again_and_finishes_once(
    personas, session, settings, django_capture_on_commit_callbacks
):
    settings.JOB_LEASE_SECONDS = 60
    item = dictated(personas, session, django_capture_on_commit_callbacks)
    processing._claim(item.pk)  # a worker claimed it, then died without a trace
    _age(item, 30)
    assert processing.session_inputs_resume_stalled() == 0  # still within its lease: maybe alive
    _age(item, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert processing.session_inputs_resume_stalled() == 1  # sent again (runs eagerly here)
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("done", 2) and item.utterances
    assert transcriptions(item) == 1 and Note.objects.filter(session=session).count() == 1
    assert processing.session_inputs_resume_stalled() == 0


def test_a_job_whose_worker_died_while_drafting_resumes_there(
    personas, session, settings, django_capture_on_commit_callbacks
):
    settings.JOB_LEASE_SECONDS = 60
    item = typed(personas, session, django_capture_on_commit_callbacks)
    processing._claim(item.pk)
    _age(item, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert processing.session_inputs_resume_stalled() == 1
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("done", 2)
    assert Note.objects.filter(session=session).count() == 1 and note_drafts(session) == 1


def test_a_queued_input_is_sent_again_only_after_five_leases(personas, session, settings):
    settings.JOB_LEASE_SECONDS = 60
    item = SessionInput.objects.create(session=session, kind=InputKind.DICTATION, status="queued")
    _age(item, 250)
    assert processing.session_inputs_resume_stalled() == 0
    _age(item, 301)
    assert processing.session_inputs_resume_stalled() == 1  # queued after commit: never, in this test
    assert processing.session_inputs_resume_stalled() == 0  # its row was touched when it was sent


def test_persistent_errors_give_up_with_the_state_they_stopped_in(
    personas, session, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    item = typed(personas, session, django_capture_on_commit_callbacks)

    def broken(**_kwargs):
        raise RuntimeError("the drafting engine is down")

    monkeypatch.setattr(processing, "note_draft_generate", broken)
    process_input.delay(str(item.pk))
    item.refresh_from_db()
    assert (item.status, item.failed_at_state, item.attempts) == ("failed", "drafting", 6)
    assert item.error == "gave up after 6 attempts (RuntimeError)"  # the type, never the message
    process_input.delay(str(item.pk))  # a late duplicate changes nothing
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("failed", 6)


def test_a_transient_error_is_retried_then_succeeds(
    personas, session, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    item = typed(personas, session, django_capture_on_commit_callbacks)
    real, calls = processing.note_draft_generate, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError
        return real(**kwargs)

    monkeypatch.setattr(processing, "note_draft_generate", flaky)
    process_input.delay(str(item.pk))
    item.refresh_from_db()
    assert (item.status, item.attempts, item.failed_at_state) == ("done", 2, "")
