"""Per-entry emotion profile (sadness, anxiety, anger, shame/guilt, joy, hope) with evidence sentences.

Each sentence is scored per emotion by similarity to example phrases, plus a boost when an emotion
word appears un-negated ("I wasn't happy" does not count as joy). The entry's score for an emotion is
its strongest sentence; the evidence is up to two sentences that carry it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.lexical import negated_before
from ml.text import Encoder, Span, get_encoder, split_sentences

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "emotions.json"
DETECTOR_VERSION = "emotions-1.0"
KEYWORD_BOOST = 0.25
EVIDENCE_THRESHOLD = 0.45


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class EmotionProfile:
    scores: dict[str, float]  # 0..1 per emotion
    evidence: dict[str, tuple[Evidence, ...]]
    version: str


class EmotionDetector:
    def __init__(self, encoder: Encoder | None = None):
        self.encoder = encoder or get_encoder()
        lexicon = json.loads(LEXICON_PATH.read_text())
        self.version = f"{DETECTOR_VERSION}/{lexicon['version']}"
        self.names = list(lexicon["emotions"])
        self.patterns = [
            re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(k) for k in spec["keywords"]) + r")(?![\w'])", re.I)
            for spec in lexicon["emotions"].values()
        ]
        examples = [spec["examples"] for spec in lexicon["emotions"].values()]
        vectors = self.encoder.encode([e for group in examples for e in group])
        self.vectors, offset = [], 0
        for group in examples:
            self.vectors.append(vectors[offset : offset + len(group)])
            offset += len(group)

    def profile_sentences(self, sentences: Sequence[Span], embeddings: np.ndarray) -> EmotionProfile:
        scores = {name: 0.0 for name in self.names}
        evidence: dict[str, list[Evidence]] = {name: [] for name in self.names}
        if len(sentences):
            semantic = np.stack([(embeddings @ v.T).max(axis=1) for v in self.vectors], axis=1)
        for row, sentence in enumerate(sentences):
            for col, name in enumerate(self.names):
                score = float(semantic[row, col])
                match = self.patterns[col].search(sentence.text)
                if match and not negated_before(sentence.text, match.start()):
                    score = min(1.0, score + KEYWORD_BOOST)
                scores[name] = max(scores[name], round(score, 3))
                if score >= EVIDENCE_THRESHOLD:
                    evidence[name].append(Evidence(sentence.start, sentence.end, round(score, 3)))
        return EmotionProfile(
            scores=scores,
            evidence={k: tuple(sorted(v, key=lambda e: -e.score)[:2]) for k, v in evidence.items()},
            version=self.version,
        )

    def profile(self, text: str) -> EmotionProfile:
        sentences = split_sentences(text)
        return self.profile_sentences(sentences, self.encoder.encode([s.text for s in sentences]))
