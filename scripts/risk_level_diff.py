"""The whole risk detector's level on every development row, and the diff of two such runs.

    python scripts/risk_level_diff.py --cache /tmp/risk-diff --save /tmp/levels-before.json
    # change the rules, then
    python scripts/risk_level_diff.py --cache /tmp/risk-diff --save /tmp/levels-after.json \
        --against /tmp/levels-before.json

Development rows: ml/eval_data/risk.jsonl, v2 dev and train, the contrast pairs, the hard negatives and
every writer (ml/eval_data/v*/writer*_risk.jsonl); never a blind set. The encoder's part (sentences, their
embeddings, the clause windows' pooled token states) is cached by ``ml.train_risk.featurise``'s hash of the
texts; everything the rules and scope decide (the rules' findings, the units' scope flags) is re-read on
every run, and ``RiskDetector.assess_sentences`` decides the level, so a run is the shipped detector on
those rows. A change is judged by the diff: risk rows raised to their gold level, harmless rows raised
or lowered, risk rows lowered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path

import numpy as np

from ml import one_blas_thread
from ml.risk import RANK, RiskDetector
from ml.risk_learned import Unit
from ml.risk_scope import scope_features
from ml.text import get_encoder, split_sentences
from ml.train_risk import ROOT, cache_file, read

SETS = [
    "risk.jsonl",
    "v2/risk_dev.jsonl",
    "v2/risk_train.jsonl",
    "v3/hard_negatives_risk.jsonl",
    "v3/contrast_pairs_train.jsonl",
    "v3/contrast_pairs_dev.jsonl",
]
ALERT = RANK["passive_ideation"]


def development_files() -> list[Path]:
    files = [ROOT / "eval_data" / name for name in SETS]
    files += sorted((ROOT / "eval_data").glob("v*/writer*_risk.jsonl"))
    if any("blind" in str(path) for path in files):
        raise SystemExit("a blind set is never read here")
    return files


def encoded(texts: list[str], cache: Path) -> list[tuple]:
    """Per text: its sentences, their embeddings, and its units with their pooled embeddings."""
    path = cache_file(cache, "diff", texts)
    if path.exists():
        return pickle.loads(path.read_bytes())  # noqa: S301 (our own cache)
    from ml.risk_learned import units

    split = [split_sentences(text) for text in texts]
    embeddings, tokens = get_encoder().encode_with_tokens([s.text for sentences in split for s in sentences])
    out, offset = [], 0
    for sentences in split:
        end = offset + len(sentences)
        found, rows = units(sentences, embeddings[offset:end], tokens[offset:end])
        out.append((sentences, embeddings[offset:end], found, rows[:, :384].astype(np.float32)))
        offset = end
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def unit_rows(sentences, found: list[Unit], pooled: np.ndarray) -> np.ndarray:
    """The units' feature rows with their scope flags read now (``ml.risk_learned.units``' layout)."""
    rows = []
    for unit, vector in zip(found, pooled, strict=True):
        i = unit.sentence
        sentence = sentences[i]
        following = sentences[i + 1].text if i + 1 < len(sentences) else ""
        if unit.kind == "sentence":
            flags, is_clause = scope_features(sentence.text, following), 0.0
        else:
            a, z = unit.start - sentence.start, unit.end - sentence.start
            flags, is_clause = scope_features(sentence.text[a:z], sentence.text[z:] + " " + following), 1.0
        rows.append(np.concatenate([vector, np.asarray(flags, np.float32), [is_clause]]))
    return np.vstack(rows).astype(np.float32)


class CachedStage:
    """The learned stage reading units made from the cache instead of token states."""

    def __init__(self, stage, found, rows):
        self.stage, self.found, self.rows = stage, found, rows

    def read(self, sentences, embeddings, tokens, rules=None):
        return self.stage.read_units(sentences, embeddings, self.found, self.rows, rules)

    def nearest(self, embedding, level, k=3):
        return ()  # the explanation; it does not decide the level


def levels(cache: Path, earlier: dict | None = None) -> dict[str, dict]:
    """Each row's level. A row whose rule readings and scope flags are what they were in ``earlier``
    (a run of this script) keeps its level there: the learned stage's inputs are the same, so is its
    output (the lexicon's accidental pattern, which the detector also reads, must not have changed)."""
    detector = RiskDetector(encoder=object())  # the encoder's part comes from the cache
    learned = detector.learned
    earlier = earlier if earlier and earlier.get("accidental") == detector.rules_stage.accidental.pattern else {}
    out = {"accidental": detector.rules_stage.accidental.pattern}
    for path in development_files():
        rows = read(path)
        name = str(path.relative_to(ROOT / "eval_data"))
        for i, (row, (sentences, embeddings, found, pooled)) in enumerate(
            zip(rows, encoded([r["text"] for r in rows], cache), strict=True)
        ):
            key = f"{name}:{i}"
            matrix = unit_rows(sentences, found, pooled) if sentences else None
            readings = detector.rules_stage.read_sentences(sentences)
            signature = hashlib.sha1(
                repr(
                    [(sorted(f.level for f in hits), sorted(s.reason for s in held)) for hits, held in readings]
                ).encode()
                + (b"" if matrix is None else matrix[:, 384:].tobytes()),
                usedforsecurity=False,
            ).hexdigest()
            if key in earlier and earlier[key]["signature"] == signature:
                level = earlier[key]["level"]
            elif sentences:
                detector.learned = CachedStage(learned, found, matrix)
                with one_blas_thread():
                    level = detector.assess_sentences(sentences, embeddings).level
            else:
                level = "none"
            out[key] = {"text": row["text"], "gold": row["level"], "level": level, "signature": signature}
    return out


def diff(before: dict, after: dict) -> None:
    groups = {"risk raised to gold": [], "risk raised (not to gold)": [], "risk lowered": []}
    groups |= {"harmless raised to alert": [], "harmless raised (below alert)": [], "harmless lowered": []}
    for key, a in after.items():
        if key == "accidental":
            continue
        b = before[key]
        old, new, gold = RANK[b["level"]], RANK[a["level"]], a["gold"]
        if old == new:
            continue
        line = f"  {key} [{gold}] {b['level']} -> {a['level']}: {a['text']}"
        if gold == "none":
            if new < old:
                groups["harmless lowered"].append(line)
            else:
                groups["harmless raised to alert" if new >= ALERT else "harmless raised (below alert)"].append(line)
        elif new < old:
            groups["risk lowered"].append(line)
        else:
            groups["risk raised to gold" if a["level"] == gold else "risk raised (not to gold)"].append(line)
    for title, lines in groups.items():
        print(f"{title}: {len(lines)}")
        print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--against", type=Path, help="an earlier run's --save file")
    args = parser.parse_args(argv)
    earlier = json.loads(args.against.read_text()) if args.against else None
    now = levels(args.cache, earlier)
    print(f"{len(now) - 1} rows", file=sys.stderr)
    if args.save:
        args.save.write_text(json.dumps(now))
    if args.against:
        diff(earlier, now)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
