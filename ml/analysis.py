"""One pass over an entry's text: sentences are split and encoded once, then triggers, emotions and
risk all read the same embeddings. The result carries every component's version."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from ml.emotions import EmotionDetector, EmotionProfile
from ml.risk import RiskDetector, RiskResult
from ml.text import Encoder, get_encoder, split_sentences
from ml.triggers import CustomTrigger, Suppressed, TriggerDetector, TriggerFinding, load_taxonomy


@dataclass(frozen=True)
class TextAnalysis:
    triggers: tuple[TriggerFinding, ...]
    suppressed_triggers: tuple[Suppressed, ...]
    emotions: EmotionProfile
    risk: RiskResult
    sentence_count: int
    versions: dict[str, str]


class TextAnalyzer:
    def __init__(
        self, encoder: Encoder | None = None, taxonomy: dict | None = None, custom: Sequence[CustomTrigger] = ()
    ):
        self.encoder = encoder or get_encoder()
        self.triggers = TriggerDetector(self.encoder, taxonomy or load_taxonomy(), custom)
        self.emotions = EmotionDetector(self.encoder)
        self.risk = RiskDetector(self.encoder)
        self.versions = {
            "encoder": f"{self.encoder.model_id}@{self.encoder.model_version}",
            "triggers": self.triggers.version,
            "emotions": self.emotions.version,
            "risk": self.risk.version,
        }

    def analyse(self, text: str, custom: Sequence[CustomTrigger] = ()) -> TextAnalysis:
        sentences = split_sentences(text)
        # one forward pass: sentence embeddings for every detector, token states for the risk
        # stage's clause windows
        embeddings, tokens = self.encoder.encode_with_tokens([s.text for s in sentences])
        detector = self.triggers.with_custom(custom)
        triggers, suppressed = detector.detect_sentences(text, sentences, embeddings)
        return TextAnalysis(
            triggers=tuple(triggers),
            suppressed_triggers=tuple(suppressed),
            emotions=self.emotions.profile_sentences(sentences, embeddings),
            risk=self.risk.assess_sentences(sentences, embeddings, tokens),
            sentence_count=len(sentences),
            versions=self.versions,
        )


_analyzer: TextAnalyzer | None = None
_lock = threading.Lock()


def get_analyzer() -> TextAnalyzer:
    """The process-wide analyzer: the encoder and every detector's exemplars load once."""
    global _analyzer
    with _lock:
        if _analyzer is None:
            _analyzer = TextAnalyzer()
        return _analyzer
