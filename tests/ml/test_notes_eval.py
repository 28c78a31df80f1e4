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
