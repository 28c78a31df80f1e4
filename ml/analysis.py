"""One pass over an entry's text: sentences are split and encoded once, then triggers, emotions and
risk all read the same embeddings. The result carries every component's version.

The text's language routes it (issue 19): English runs everything; Spanish runs its own risk lexicon
and trigger keywords (the encoder, emotions and the learned risk stage are English, so they do not
run); any other language is not analysed at all, and the result says so (``not_analysed =
"language"``, risk level ``not_screened``) rather than running English rules on it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from ml import one_blas_thread
from ml.emotions import EmotionDetector, EmotionProfile
from ml.language import ANALYSIS_LANGUAGES, normalise
from ml.risk import NOT_SCREENED, RiskDetector, RiskResult
from ml.text import Encoder, get_encoder, split_sentences
from ml.triggers import (
    CustomTrigger,
    KeywordTriggerDetector,
    Suppressed,
    TriggerDetector,
    TriggerFinding,
    load_taxonomy,
)

NOT_ANALYSED_LANGUAGE = "language"


@dataclass(frozen=True)
class TextAnalysis:
    triggers: tuple[TriggerFinding, ...]
    suppressed_triggers: tuple[Suppressed, ...]
    emotions: EmotionProfile
    risk: RiskResult
    sentence_count: int
    versions: dict[str, str]
    language: str = "en"
    not_analysed: str = ""  # why nothing ran: "language" (no rules for the text's language)


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
        self.keyword_triggers = {code: KeywordTriggerDetector(code) for code in ANALYSIS_LANGUAGES if code != "en"}

    def analyse(self, text: str, custom: Sequence[CustomTrigger] = (), language: str = "en") -> TextAnalysis:
        """``language``: the text's language (ml.language.analysis_language decides it)."""
        code = normalise(language) or "en"
        if code not in ANALYSIS_LANGUAGES:
            return self._not_analysed(text, code)
        if code != "en":
            return self._rules_only(text, code)
        sentences = split_sentences(text)
        # one forward pass: sentence embeddings for every detector, token states for the risk
        # stage's clause windows
        embeddings, tokens = self.encoder.encode_with_tokens([s.text for s in sentences])
        detector = self.triggers.with_custom(custom)
        with one_blas_thread():  # the detectors' small products, after the encoder
            triggers, suppressed = detector.detect_sentences(text, sentences, embeddings, tokens)
            emotions = self.emotions.profile_sentences(sentences, embeddings)
            risk = self.risk.assess_sentences(sentences, embeddings, tokens)
        return TextAnalysis(
            triggers=tuple(triggers),
            suppressed_triggers=tuple(suppressed),
            emotions=emotions,
            risk=risk,
            sentence_count=len(sentences),
            versions=self.versions,
        )

    def _rules_only(self, text: str, language: str) -> TextAnalysis:
        """A language with a risk lexicon and trigger keywords but no encoder: those two, nothing else
        (the patient's own trigger phrases are English-encoded exemplars, so they do not run either)."""
        sentences = split_sentences(text)
        triggers = self.keyword_triggers[language]
        found, suppressed = triggers.detect_sentences(text, sentences)
        return TextAnalysis(
            triggers=tuple(found),
            suppressed_triggers=tuple(suppressed),
            emotions=EmotionProfile({}, {}, f"not analysed: {NOT_ANALYSED_LANGUAGE}"),
            risk=self.risk.assess_rules_only(sentences, language),
            sentence_count=len(sentences),
            versions={
                "language": language,
                "triggers": triggers.version,
                "emotions": f"not analysed: {NOT_ANALYSED_LANGUAGE}",
                "risk": self.risk.version_for(language),
            },
            language=language,
        )

    @staticmethod
    def _not_analysed(text: str, language: str) -> TextAnalysis:
        """No rules for this language: nothing runs, and the result is marked, never "none"."""
        reason = f"not analysed: {NOT_ANALYSED_LANGUAGE}"
        return TextAnalysis(
            triggers=(),
            suppressed_triggers=(),
            emotions=EmotionProfile({}, {}, reason),
            risk=RiskResult(NOT_SCREENED, (), (), reason, language),
            sentence_count=len(split_sentences(text)),
            versions={"language": language, "triggers": reason, "emotions": reason, "risk": reason},
            language=language,
            not_analysed=NOT_ANALYSED_LANGUAGE,
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


class AnalysisMemo:
    """``analyse(text)`` and ``risk.assess(text)`` of one analyzer, remembered by exact text, for one
    live input: the live session warms it as segments commit and chunks are attributed, and the draft
    at stop reads it, so stop computes only the text it has not seen (issue 18: stop → draft must not
    grow with the session's length). Only the default call is remembered (English, no patient-specific
    triggers), which is how the drafter calls it; a hit returns the very result the analyzer returned
    for that text, so a draft is the same with or without the memo.

    Bounded: at most ``max_entries`` texts per callable, least recently used dropped first. Thread-safe
    (the live pool warms it while the draft reads it); a text computed twice at once is harmless, the
    first result kept."""

    def __init__(self, analyzer: TextAnalyzer, max_entries: int = 20000):
        self.analyzer = analyzer
        self.versions = analyzer.versions
        # the analyzer's shape where callers read it (``memo.risk.assess``, ``memo.risk.version``)
        self.risk = SimpleNamespace(assess=self.assess, version=analyzer.risk.version)
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._analyses: OrderedDict[str, TextAnalysis] = OrderedDict()
        self._risks: OrderedDict[str, RiskResult] = OrderedDict()
        self.hits = self.misses = 0

    def analyse(self, text: str) -> TextAnalysis:
        return self._get(self._analyses, text, self.analyzer.analyse)

    def assess(self, text: str) -> RiskResult:
        return self._get(self._risks, text, self.analyzer.risk.assess)

    def __len__(self) -> int:
        with self._lock:
            return len(self._analyses) + len(self._risks)

    def clear(self) -> None:
        with self._lock:
            self._analyses.clear()
            self._risks.clear()

    def _get(self, table: OrderedDict, key: Hashable, compute: Callable):
        with self._lock:
            if key in table:
                table.move_to_end(key)
                self.hits += 1
                return table[key]
            self.misses += 1
        value = compute(key)  # outside the lock: the encoder has its own, and readers must not wait on it
        with self._lock:
            value = table.setdefault(key, value)
            table.move_to_end(key)
            while len(table) > self.max_entries:
                table.popitem(last=False)
        return value
