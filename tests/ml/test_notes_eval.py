"""The note-quality harness on the scripted development sessions, as regression floors (the README
reports the figures, with the blind set's measured separately)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ml.evaluate_notes import evaluate_text_paths

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
