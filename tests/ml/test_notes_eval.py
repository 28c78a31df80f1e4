"""The note-quality harness on the scripted development sessions, as regression floors (the README
reports the figures, with the blind set's measured separately)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ml.evaluate_notes import SessionScore, evaluate_text_paths, reaches, summarise

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "fixtures" / "notes_eval" / "dev"

pytestmark = pytest.mark.slow


def test_the_text_paths_meet_the_targets_on_the_dev_sessions():
    result = evaluate_text_paths(DEV)
    for path, figures in result["paths"].items():
        assert figures["facts_found"] >= 0.9, (path, result["details"][path])
        assert figures["facts_in_right_section"] >= 0.8, (path, result["details"][path])
        assert figures["traps_leaked"] == 0, (path, result["details"][path])
        assert figures["false_alerts"] == 0 and figures["disclosure_to_alert"] == "1/1", (path, figures)
        assert figures["disclosure_at_level"] == "1/1", (path, figures)


@pytest.mark.parametrize(
    "screened, declared, expected",
    [
        ("active_ideation", "active_ideation", True),
        ("plan_or_intent", "active_ideation", True),
        ("passive_ideation", "active_ideation", False),
        ("self_harm", "passive_ideation", False),
        ("plan_or_intent", "self_harm", False),
        ("self_harm", "self_harm", True),
    ],
)
def test_a_disclosure_counts_at_its_level_only_when_the_screen_reaches_it(screened, declared, expected):
    assert reaches(screened, declared) is expected


def test_the_summary_counts_a_disclosure_screened_below_its_level_as_alerted_but_not_at_level():
    def score(screened, disclosure):
        return SessionScore("s", "typed", [], [], [], {}, {}, disclosure, screened, screened != "none")

    figures = summarise([score("passive_ideation", "active_ideation"), score("none", None)])
    assert figures["disclosure_to_alert"] == "1/1" and figures["disclosure_at_level"] == "0/1"
    assert figures["false_alerts"] == 0


def test_review_items_are_counted_apart_and_a_disclosure_that_only_reached_review_is_missed():
    def score(screened, disclosure, review):
        return SessionScore("s", "transcript", [], [], [], {}, {}, disclosure, screened, screened != "none", review)

    figures = summarise(
        [
            score("none", None, ["plan_or_intent:learned_weak_ordinary_turn"]),
            score("none", "passive_ideation", ["passive_ideation:clarified"]),
            score("passive_ideation", None, []),
        ]
    )
    assert figures["false_alerts"] == 1 and figures["disclosure_to_alert"] == "0/1"
    assert figures["review_items"] == 2 and figures["sessions_with_review"] == 2


def test_the_cli_prints_json(tmp_path):
    (tmp_path / "one.json").write_text((DEV / "panic_exposure.json").read_text())
    out = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "notes", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        check=True,
    ).stdout
    paths = json.loads(out)["paths"]
    assert set(paths) == {"typed", "transcript"} and paths["typed"]["sessions"] == 1


def test_the_audio_harness_tells_a_turn_lost_before_screening_from_a_misheard_one():
    from benchmarks.notes_quality import patient_turns_heard

    reference = [
        {"speaker": "clinician", "text": "How was the week?", "start": 0.0, "end": 2.0},
        {"speaker": "patient", "text": "I walked every morning this week", "start": 3.0, "end": 6.0},
        {"speaker": "patient", "text": "and slept much better", "start": 10.0, "end": 12.0},
        {"speaker": "patient", "text": "My sister visited on Sunday", "start": 20.0, "end": 22.0},
    ]
    utterances = [
        {"start": 0.1, "end": 1.9, "text": "How was the week?"},
        {"start": 3.1, "end": 5.8, "text": "I walked every morning this week."},
        {"start": 10.2, "end": 11.8, "text": "And swept much wetter."},  # misheard, not lost
    ]
    assert patient_turns_heard(reference, utterances) == (1, 1, 3)  # heard, with no text at all, total


def test_the_audio_harness_lists_each_turn_not_heard_with_what_the_transcript_has_there():
    """blind6: a turn counted as not heard was read as "lost" from the totals; it was misheard ("I wake
    every time I turn over" as "I can't retire my turnover"). The listing shows which without a script."""
    from benchmarks.notes_quality import patient_turns_not_heard

    reference = [
        {"speaker": "clinician", "text": "How are you sleeping?", "start": 21.7, "end": 23.1},
        {"speaker": "patient", "text": "Four hours maybe. I wake every time I turn over.", "start": 23.6, "end": 27.3},
        {"speaker": "patient", "text": "Either way it's not good.", "start": 40.0, "end": 42.0},
    ]
    utterances = [
        {"start": 21.9, "end": 22.7, "text": "How are you sleeping?"},
        {"start": 23.7, "end": 26.9, "text": "Four hours maybe, I can't retire my turnover."},
    ]
    assert patient_turns_not_heard(reference, utterances) == [
        {
            "start": 23.6,
            "end": 27.3,
            "said": "Four hours maybe. I wake every time I turn over.",
            "transcribed": "How are you sleeping? Four hours maybe, I can't retire my turnover.",  # within 1 s
            "words_found": "5/10",
        },
        {"start": 40.0, "end": 42.0, "said": "Either way it's not good.", "transcribed": "", "words_found": "0/6"},
    ]


def test_dumped_transcripts_are_scored_again_without_transcribing(tmp_path):
    from benchmarks.notes_quality import rescore

    sessions, dumps = tmp_path / "sessions", tmp_path / "dumps"
    sessions.mkdir()
    dumps.mkdir()
    turns = [
        {"speaker": "clinician", "text": "How many nights did you sleep through this week?"},
        {"speaker": "patient", "text": "Only two. I kept waking at four and checking my phone."},
        {"speaker": "clinician", "text": "This week, leave the phone in the hall overnight."},
    ]
    session = {
        "turns": turns,
        "summary": "Pt sleeping through 2 nights/wk.\nHW: phone in hall overnight.",
        "records": [],
        "facts": [
            {"id": "waking", "section": "subjective", "match": ["waking at four"]},
            {"id": "phone", "section": "plan", "match": ["phone in the hall"]},
        ],
        "traps": [],
        "disclosure": None,
    }
    (sessions / "sleep.json").write_text(json.dumps(session))
    clock, utterances, reference = 0.0, [], []
    for i, turn in enumerate(turns):
        utterances.append(
            {"index": i, "speaker": turn["speaker"], "text": turn["text"], "start": clock, "end": clock + 3}
        )
        reference.append({"speaker": turn["speaker"], "text": turn["text"], "start": clock, "end": clock + 3})
        clock += 4
    dumped = {"utterances": utterances, "dropped": [], "reference": reference}
    (dumps / "sleep.stereo.json").write_text(json.dumps({**dumped, "method": "stereo_channels"}))
    result = rescore(sessions, dumps, ["stereo", "mono"], None)
    stereo = result["paths"]["stereo"]
    assert stereo["sessions"] == 1 and stereo["facts_found"] == 1.0 and stereo["facts_in_right_section"] == 1.0
    assert stereo["patient_turns_heard"] == "1/1"
    assert result["paths"]["mono"]["sessions"] == 0  # no dump for that path: nothing scored, nothing invented
