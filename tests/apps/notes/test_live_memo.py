"""The analyses a live session warms for its draft (apps/notes/live_memo.py, ml.analysis.AnalysisMemo):
the draft at stop is the same with or without them, reads them instead of recomputing, and they are
bounded and dropped when the input is done."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.notes import live_memo
from apps.notes.models import ClinicalSession, InputKind, InputStatus, SessionInput
from apps.notes.services.drafts import note_draft_generate
from ml import notes as drafting
from ml.analysis import AnalysisMemo, get_analyzer
from tests.fixtures.dialogues import SCRIPTS

# Both fixture dialogues, a disclosure after a screening question, and a sentence the transcriber cut in
# two (joined into one sentence only once its speaker is known).
LINES = [(role, text) for script in ("cbt", "panic") for role, _, text, _ in SCRIPTS[script]] + [
    ("clinician", "Have you had any thoughts of ending your life?"),
    ("patient", "Yes, most nights. Sometimes I think everyone would be better off without me"),
    ("patient", "and that I am a burden to my family."),
    ("clinician", "Thank you for telling me. Let's make a safety plan together today."),
    ("patient", "I have been so anxious about work that I can't eat."),
]


def transcript() -> list[dict]:
    """The session as committed live (mono: every segment ``speaker_1``) and its speakers at stop."""
    rows, t = [], 0.0
    for i, (role, text) in enumerate(LINES):
        end = t + 0.4 * len(text.split())
        rows.append({"index": i, "speaker": role, "text": text, "start": round(t, 2), "end": round(end, 2)})
        t = end + 0.5
    return rows


def live_view(rows: list[dict]) -> list[dict]:
    return [{**r, "speaker": "speaker_1"} for r in rows]


def warm_as_the_consumer_does(memo: AnalysisMemo, rows: list[dict], attributed_until: int) -> None:
    """Each commit, then the first ``attributed_until`` rows attributed as one finished chunk."""
    committed = live_view(rows)
    for n in range(1, len(committed) + 1):
        live_memo.warm_commit(memo, committed[:n])
    live_memo.warm_chunk(memo, rows[:attributed_until])


def utterances(rows: list[dict]) -> list[drafting.Utterance]:
    return [drafting.Utterance(r["index"], r["speaker"], r["text"], r["start"], r["end"]) for r in rows]


def draft(rows, analyzer) -> drafting.Draft:
    return drafting.draft_note(
        drafting.load_template("soap"),
        utterances(rows),
        analysis=analyzer.analyse,
        versions=analyzer.versions,
        speakers_confirmed=False,
        risk=analyzer.risk.assess,
    )


def test_the_draft_is_the_same_with_the_warmed_memo_and_reads_it_instead_of_recomputing():
    rows = transcript()
    plain = draft(rows, get_analyzer())
    memo = AnalysisMemo(get_analyzer())
    warm_as_the_consumer_does(memo, rows, attributed_until=len(rows) - 4)  # the last rows: the open chunk
    warmed, before = len(memo), memo.misses
    assert warmed > 0
    memoised = draft(rows, memo)
    assert memoised == plain
    assert any(s.source == "risk" for section in plain.sections for s in section.sentences)
    assert any(s.source == "themes" for section in plain.sections for s in section.sentences)
    # Only what the open chunk's speakers changed is analysed at stop.
    assert memo.misses - before < warmed / 4


def test_a_session_whose_chunks_were_all_attributed_drafts_without_analysing_anything_new():
    rows = transcript()
    memo = AnalysisMemo(get_analyzer())
    warm_as_the_consumer_does(memo, rows, attributed_until=len(rows))
    misses = memo.misses
    assert draft(rows, memo) == draft(rows, get_analyzer())
    assert memo.misses == misses


@pytest.mark.django_db
def test_the_stored_draft_is_the_same_with_the_memo(personas):
    rows = transcript()
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="in_person"
    )
    SessionInput.objects.create(
        session=session,
        kind=InputKind.RECORDING,
        status=InputStatus.DONE,
        utterances=rows,
        transcription={"attribution": "voice_clusters", "language": "en"},
    )
    plain = note_draft_generate(session=session, made_by="live")
    memo = AnalysisMemo(get_analyzer())
    warm_as_the_consumer_does(memo, rows, attributed_until=len(rows) - 4)
    memoised = note_draft_generate(session=session, made_by="live", memo=memo)
    assert memoised.sections == plain.sections
    assert memoised.provenance["versions"] == plain.provenance["versions"]


def test_the_memo_keeps_at_most_its_bound_dropping_the_least_recently_used():
    memo = AnalysisMemo(get_analyzer(), max_entries=2)
    for text in ("I slept badly.", "Work was hard.", "I went for a walk."):
        memo.analyse(text)
        memo.assess(text)
    assert len(memo) == 4  # two per callable
    misses = memo.misses
    memo.analyse("I went for a walk.")
    assert memo.misses == misses  # the most recent is kept
    memo.analyse("I slept badly.")
    assert memo.misses == misses + 1  # the oldest was dropped
    assert memo.analyse("Work was hard.") == get_analyzer().analyse("Work was hard.")


def test_an_input_memo_is_kept_for_a_resume_bounded_per_process_and_dropped_when_done():
    ids = [f"input-{i}" for i in range(live_memo.MAX_INPUTS + 1)]
    first = live_memo.memo_for(ids[0])
    first.assess("I slept badly.")
    assert live_memo.memo_for(ids[0]) is first  # a dropped connection resuming in this process
    for key in ids[1:]:
        live_memo.memo_for(key)
    assert not live_memo.memo_held(ids[0]) and len(first) == 0  # the oldest input's analyses went
    live_memo.memo_drop(ids[1])
    assert not live_memo.memo_held(ids[1])
    for key in ids:
        live_memo.memo_drop(key)
