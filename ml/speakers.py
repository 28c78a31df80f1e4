"""Who spoke when in a session recording, and how sure we are.

Mono recordings are attributed by voice. Transcriber segments are first split where a turn may change
(a pause between words, the end of a sentence, or a comma with a second of speech either side, from
word timestamps), so one segment need not carry two speakers; a long piece whose two halves sound like
two different voices is cut again. Each piece gets a speaker embedding from the pretrained GE2E
encoder (``ml.voice_encoder``; short pieces are tiled to the encoder's 1.6 s window) and the
embeddings are centred on the recording's mean, which removes what every piece shares (microphone,
room, codec) and leaves the voices: this is what keeps a WAV and an Opus copy of the same speech
attributed alike. Without the encoder's weights the dependency-free pitch/spectrum vector is used
instead. K-means then groups the pieces of at least ``LONG_PIECE_S`` (a short clip is a poor voice
sample) and each shorter piece joins the nearer group; the clinician is the group that asks the most
questions (of two words or more: "Hello?" on a phone says nothing about who leads).

Stereo recordings (one microphone each, clinician on the left) are attributed by channel, word by word:
a word transcribed on one channel is kept only where that channel is not much quieter than the other
over the word, so crosstalk (the other person heard faintly on one's microphone) is not transcribed
twice, and a word heard on both channels is kept once, where it is loudest.

Every attribution carries a confidence; below ``CONFIRM_BELOW`` the clinician is asked to confirm who is
who (the API shows it, and ``speakers_relabel`` fixes it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import permutations
from typing import Any

import numpy as np

from ml.speech import extract_features
from ml.transcription import Segment, Word
from ml.voice_encoder import HOP, PARTIAL_FRAMES, get_voice_encoder

VERSION = "speakers-2.0"
SAMPLE_RATE = 16000
FEATURE_WEIGHTS = np.array([2.0, 0.5, 1.0, 1.0])
TURN_PAUSE_S = 0.3  # a gap between words at least this long may be a change of speaker
COMMA_SIDE_S = 1.0  # a comma splits a segment when at least this much speech lies on each side
CROSSTALK_DB = 6.0  # a word is dropped from a channel that is this much quieter than the other over it
AMBIGUOUS_DB = 2.0  # a word heard on both channels within this margin is kept on both, marked
SPEECH_RANGE_DB = 40.0  # frames within this of the recording's loud frames count as someone speaking
CONFIRM_BELOW = 0.75
LONG_PIECE_S = 1.0  # pieces at least this long find the voice groups; shorter ones join the nearer


def _spectral(signal: np.ndarray) -> tuple[float, float]:
    frame = 512
    if len(signal) < frame:
        return 0.0, 0.0
    frames = np.lib.stride_tricks.sliding_window_view(signal, frame)[::256] * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-12
    freqs = np.fft.rfftfreq(frame, 1 / SAMPLE_RATE)
    loud = power.sum(axis=1) > np.percentile(power.sum(axis=1), 40)
    if not loud.any():
        return 0.0, 0.0
    p = power[loud]
    centroid = float(((p * freqs).sum(axis=1) / p.sum(axis=1)).mean())
    low = p[:, freqs < 1000].sum(axis=1)
    high = p[:, freqs >= 1000].sum(axis=1)
    return np.log(centroid + 1), float(np.mean(np.log(low / high)))


def voice_vector(audio: np.ndarray, start: float, end: float) -> np.ndarray | None:
    piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    if len(piece) < SAMPLE_RATE // 4:
        return None
    features = extract_features(piece, [])
    if features.pitch_median_hz is None:
        return None
    centroid, tilt = _spectral(piece)
    return np.array([np.log(features.pitch_median_hz), features.pitch_sd_semitones or 0.0, centroid, tilt])


def _cluster(points: np.ndarray, k: int, seconds: np.ndarray) -> np.ndarray:
    """Labels for ``points`` (pieces' voice vectors, ``seconds`` long): the groups are found among the
    pieces long enough to be a reliable voice sample, and each short piece ("Hello?", "Oh, hello.") joins
    the nearer group. Short clips tiled to the encoder's window sound alike whoever said them, and with
    a weight each they can pull a whole group towards themselves."""
    long = seconds >= LONG_PIECE_S
    if long.sum() < 2 * k:
        return _kmeans(points, k, weights=seconds)
    found, weights = _kmeans(points[long], k, weights=seconds[long]), seconds[long]
    if len(set(found.tolist())) < k:
        return _kmeans(points, k, weights=seconds)
    labels = np.zeros(len(points), dtype=int)
    labels[long] = found
    centres = np.array([np.average(points[long][found == c], axis=0, weights=weights[found == c]) for c in range(k)])
    labels[~long] = ((points[~long, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
    return labels


def _kmeans(points: np.ndarray, k: int, weights: np.ndarray | None = None, restarts: int = 10) -> np.ndarray:
    """Labels for ``points``: the best (least weighted within-group spread) of ``restarts`` seeded runs.
    ``weights`` (seconds of speech) make long, reliable pieces count more towards the centres than
    one-word ones."""
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    best, best_spread = np.zeros(len(points), dtype=int), np.inf
    for seed in range(restarts):
        labels, spread = _kmeans_once(points, k, weights, seed)
        if spread < best_spread - 1e-9:
            best, best_spread = labels, spread
    return best


def _kmeans_once(
    points: np.ndarray, k: int, weights: np.ndarray, seed: int, rounds: int = 50
) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    # Farthest-point start: deterministic for a seed and robust for small sets.
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(points[int(distance.argmax())])
    centres = np.array(centres)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(rounds):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
        updated = np.array(
            [
                np.average(points[labels == j], axis=0, weights=weights[labels == j])
                if (labels == j).any()
                else centres[j]
                for j in range(k)
            ]
        )
        if np.allclose(updated, centres):
            break
        centres = updated
    spread = float((weights * ((points - centres[labels]) ** 2).sum(axis=1)).sum())
    return labels, spread


@dataclass(frozen=True)
class Attribution:
    """Speaker-attributed pieces of a transcript (segments split at possible turn changes)."""

    pieces: tuple[tuple[str, Segment], ...]  # (role, piece) in time order
    method: str  # stereo_channels | voice_clusters
    model_id: str
    confidence: float  # 0..1: how sure the roles are
    checks: dict  # what the confidence is made of
    # Stereo only. Words taken out as crosstalk, for audit ({channel, start, end, text, margin_db}, one
    # run of a segment's words each), and the indices of ``pieces`` kept on both channels because
    # neither was clearly louder (marked, never dropped: it may be the patient's speech).
    removed: tuple[dict, ...] = ()
    ambiguous: frozenset[int] = frozenset()

    @property
    def needs_confirmation(self) -> bool:
        return self.confidence < CONFIRM_BELOW


def split_at_turns(segments: Sequence[Segment], pause: float = TURN_PAUSE_S) -> list[Segment]:
    """Segments cut where a turn may change: a pause between two words, or a word ending a sentence.
    Segments without word timings stay whole."""
    return [piece for _, piece in _split_indexed(segments, pause)]


def questions_asked(text: str) -> int:
    """Questions of at least two words in ``text``. A one-word one ("Hello?" answering the phone,
    "Really?", "Sorry?") is said by either side alike and is no sign of who leads the session; whether
    the transcriber writes "Hello?" or "Hello." also turns on rounding (CPU, thread count)."""
    return sum(len(q.split()) >= 2 for q in re.findall(r"[^.?!]*\?", text))


def _split_indexed(segments: Sequence[Segment], pause: float = TURN_PAUSE_S) -> list[tuple[int, Segment]]:
    pieces: list[tuple[int, Segment]] = []
    for index, seg in enumerate(segments):
        if not seg.words:
            pieces.append((index, seg))
            continue
        run: list[Word] = [seg.words[0]]
        for previous, word in zip(seg.words, seg.words[1:], strict=False):
            sentence_end = re.search(r"[.?!]$", previous.word)
            # A comma may be a turn change the transcriber glued on; cut there only where both sides are
            # long enough to be told apart by voice.
            clause_end = (
                re.search(r"[,;:]$", previous.word)
                and previous.end - run[0].start >= COMMA_SIDE_S
                and seg.words[-1].end - word.start >= COMMA_SIDE_S
            )
            if word.start - previous.end >= pause or sentence_end or clause_end:
                pieces.append((index, _piece(seg, run)))
                run = []
            run.append(word)
        pieces.append((index, _piece(seg, run)))
    return pieces


def _piece(seg: Segment, words: list[Word]) -> Segment:
    return replace(
        seg, start=words[0].start, end=words[-1].end, text=" ".join(w.word for w in words), words=tuple(words)
    )


def attribute_mono(
    audio: np.ndarray, segments: Sequence[Segment], n_speakers: int = 2, embeddings: Embeddings | None = None
) -> Attribution:
    """Roles for the pieces of a mono recording's segments, by voice. ``embeddings``: the voice
    embeddings of this audio computed before (``Embeddings.prepare``), reused, and any new ones kept."""
    indexed = _split_indexed(segments)
    voices = _Voices(audio, embeddings)
    vectors = voices.vectors([piece for _, piece in indexed])
    known = [i for i, v in enumerate(vectors) if v is not None]
    if len(known) < n_speakers:
        pairs = tuple(("unknown", piece) for _, piece in indexed)
        return Attribution(pairs, "voice_clusters", voices.model_id, 0.0, {"pieces": len(known)})
    seconds = np.array([min(3.0, indexed[i][1].end - indexed[i][1].start) for i in known])
    labels = _cluster(np.array([vectors[i] for i in known]), n_speakers, seconds)
    # Turn changes with neither a pause nor a full stop: try cutting long pieces in two.
    labelled = {i: int(lab) for i, lab in zip(known, labels, strict=True)}
    for _ in range(3):
        before = len(indexed)
        indexed, vectors, labelled = voices.refine(indexed, vectors, labelled)
        if len(indexed) == before:
            break
    known = sorted(labelled)
    points = np.array([vectors[i] for i in known])
    labels = np.array([labelled[i] for i in known])
    pieces = [piece for _, piece in indexed]
    questions = [
        sum(questions_asked(pieces[i].text) for i, lab in zip(known, labels, strict=True) if lab == c)
        for c in range(n_speakers)
    ]
    # The clinician asks the most questions; on a tie, the one who spoke first (clinicians open sessions).
    first = {int(lab): n for n, lab in reversed(list(enumerate(labels)))}
    clinician = max(range(n_speakers), key=lambda c: (questions[c], -first.get(c, len(labels))))
    sizes = np.bincount(labels, minlength=n_speakers)
    patient = max((c for c in range(n_speakers) if c != clinician), key=lambda c: sizes[c])
    roles = ["unknown"] * len(pieces)
    for i, label in zip(known, labels, strict=True):
        roles[i] = "clinician" if label == clinician else "patient" if label == patient else "other"
    _fill_short_pieces(roles, indexed)
    checks = _cluster_checks(points, labels, [pieces[i] for i in known], questions, clinician)
    confidence = round(min(checks["separation"], checks["clinician_evidence"]), 3)
    merged = _merge([(role, index, piece) for role, (index, piece) in zip(roles, indexed, strict=True)])
    return Attribution(tuple(merged), "voice_clusters", voices.model_id, confidence, checks)


class Embeddings:
    """Encoder embeddings of stretches of one recording, by their samples, computed once: a live
    session embeds each utterance's pieces as it commits (``prepare``), so attributing its audio later
    embeds only what came after. ``computed`` counts the stretches embedded (not found here)."""

    def __init__(self):
        self.vectors: dict[tuple[int, int], np.ndarray] = {}
        self.computed = 0

    def prepare(self, audio: np.ndarray, segments: Sequence[Segment]) -> int:
        """Embed what ``attribute_mono`` will ask for these segments of ``audio`` (their pieces and the
        halves a long piece may be cut into); returns how many stretches were new."""
        voices = _Voices(audio, self)
        if voices.encoder is None:
            return 0
        pieces = [p for _, p in _split_indexed(segments) if voices.usable(p)]
        spans = [(p.start, p.end) for p in pieces]
        for piece in pieces:
            for k in voices.cuts(piece):
                spans += [(piece.words[0].start, piece.words[k - 1].end), (piece.words[k].start, piece.words[-1].end)]
        before = self.computed
        if spans:
            voices._embed(spans)
        return self.computed - before


class _Voices:
    """Voice vectors for stretches of one recording: encoder embeddings centred on the recording's mean
    (or, without the encoder, the standardised pitch/spectrum vector)."""

    MIN_SECONDS = 0.2
    SPLIT_MIN_SECONDS = 2.0  # a piece this long may hide a turn change
    SPLIT_SIDE_SECONDS = 0.7
    SPLIT_MARGIN = 0.1  # cosine: each side must be this much nearer its own voice than the other

    def __init__(self, audio: np.ndarray, embeddings: Embeddings | None = None):
        self.audio = audio
        self.encoder = get_voice_encoder()
        self.model_id = self.encoder.model_id if self.encoder else VERSION
        self.mean: np.ndarray | None = None
        self.embeddings = embeddings if embeddings is not None else Embeddings()
        self.heard = len(audio) / SAMPLE_RATE  # a chunk's last utterance may run on past its audio

    def usable(self, piece: Segment) -> bool:
        return min(piece.end, self.heard) - piece.start >= self.MIN_SECONDS

    def cuts(self, piece: Segment) -> list[int]:
        """Where a long piece (all heard) may be cut in two, before word k: a comma or a short gap, with
        enough speech on each side."""
        words = piece.words
        if piece.end - piece.start < self.SPLIT_MIN_SECONDS or piece.end > self.heard:
            return []
        out = []
        for k in range(1, len(words)):
            boundary = words[k - 1].word.endswith(",") or words[k].start - words[k - 1].end >= 0.08
            left, right = words[k - 1].end - words[0].start, words[-1].end - words[k].start
            if boundary and min(left, right) >= self.SPLIT_SIDE_SECONDS:
                out.append(k)
        return out

    def vectors(self, pieces: Sequence[Segment]) -> list[np.ndarray | None]:
        if self.encoder is None:
            raw = [voice_vector(self.audio, p.start, p.end) for p in pieces]
            good = [v for v in raw if v is not None]
            if not good:
                return raw
            stack = np.array(good)
            mean, sd = stack.mean(axis=0), stack.std(axis=0) + 1e-9
            return [None if v is None else (v - mean) / sd * FEATURE_WEIGHTS for v in raw]
        usable = [i for i, p in enumerate(pieces) if self.usable(p)]
        out: list[np.ndarray | None] = [None] * len(pieces)
        if not usable:
            return out
        raw = self._embed([(pieces[i].start, pieces[i].end) for i in usable])
        self.mean = raw.mean(axis=0)  # what every piece shares: channel, room, codec
        for i, e in zip(usable, self._centre(raw), strict=True):
            out[i] = e
        return out

    def _embed(self, spans: list[tuple[float, float]]) -> np.ndarray:
        window = PARTIAL_FRAMES * HOP
        keys = [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in spans]
        known = self.embeddings.vectors
        new = list(dict.fromkeys(k for k in keys if k not in known))
        if new:
            clips = [self.audio[a:b] for a, b in new]
            # Tiled, not zero-padded: a padded short clip embeds as "mostly silence" and clusters with
            # the other short clips whoever said them.
            tiled = [np.tile(c, int(np.ceil(window / len(c)))) if len(c) < window else c for c in clips]
            known.update(zip(new, self.encoder.embed_many(tiled), strict=True))
            self.embeddings.computed += len(new)
        return np.array([known[k] for k in keys]).reshape(len(keys), -1)

    def _centre(self, raw: np.ndarray) -> np.ndarray:
        centred = raw - self.mean
        return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)

    def refine(
        self, indexed: list[tuple[int, Segment]], vectors: list[np.ndarray | None], labels: dict[int, int]
    ) -> tuple[list[tuple[int, Segment]], list[np.ndarray | None], dict[int, int]]:
        """Cut a long piece in two at a word boundary (a comma or a short gap) where the words before
        sound like one voice and the words after like another, each clearly. Returns the new pieces,
        their vectors and their labels (unlabelled pieces stay unlabelled)."""
        pieces = [piece for _, piece in indexed]
        if self.encoder is None or not labels:
            return indexed, vectors, labels
        points = np.array([vectors[i] for i in labels])
        groups = np.array(list(labels.values()))
        centres = np.array([points[groups == c].mean(axis=0) for c in sorted(set(groups))])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-9)
        candidates = [(i, k) for i in labels for k in self.cuts(pieces[i])]  # (piece index, cut before word k)
        if not candidates:
            return indexed, vectors, labels
        spans = []
        for i, k in candidates:
            words = pieces[i].words
            spans += [(words[0].start, words[k - 1].end), (words[k].start, words[-1].end)]
        halves = self._centre(self._embed(spans))
        sims = halves @ centres.T
        best: dict[int, tuple[float, int, int, int, int]] = {}
        for n, (i, k) in enumerate(candidates):
            left, right = sims[2 * n], sims[2 * n + 1]
            a, b = int(left.argmax()), int(right.argmax())
            if a == b:
                continue
            margins = left[a] - np.delete(left, a).max(), right[b] - np.delete(right, b).max()
            if min(margins) < self.SPLIT_MARGIN:
                continue
            # Weighted by each side's length: a one-word side is a noisy voice sample.
            words = pieces[i].words
            score = margins[0] * (words[k - 1].end - words[0].start) + margins[1] * (words[-1].end - words[k].start)
            if score > best.get(i, (-1.0,))[0]:
                best[i] = (float(score), k, a, b, n)
        if not best:
            return indexed, vectors, labels
        new_indexed: list[tuple[int, Segment]] = []
        new_vectors: list[np.ndarray | None] = []
        new_labels: dict[int, int] = {}
        for position, (index, piece) in enumerate(indexed):
            if position in best:
                _, k, a, b, n = best[position]
                for part, label, vector in (
                    (piece.words[:k], a, halves[2 * n]),
                    (piece.words[k:], b, halves[2 * n + 1]),
                ):
                    new_labels[len(new_indexed)] = label
                    new_indexed.append((index, _piece(piece, list(part))))
                    new_vectors.append(vector)
                continue
            if position in labels:
                new_labels[len(new_indexed)] = labels[position]
            new_indexed.append((index, piece))
            new_vectors.append(vectors[position])
        return new_indexed, new_vectors, new_labels


def _cluster_checks(
    points: np.ndarray, labels: np.ndarray, pieces: list[Segment], questions: list[int], clinician: int
) -> dict:
    """``separation``: the share of speech (by duration) whose vector is clearly nearer its own group's
    centre than any other; ``clinician_evidence``: the share of questions asked by the group called the
    clinician (0.5 when nobody asked one: the guess is then "whoever spoke first")."""
    centres = np.array([points[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
    distances = np.sqrt(((points[:, None, :] - centres[None]) ** 2).sum(axis=2))
    own = distances[np.arange(len(points)), labels]
    if len(centres) < 2:  # one group: no speech is told apart from another voice
        clear = np.zeros(len(points), dtype=bool)
    else:
        other = np.where(np.eye(len(centres), dtype=bool)[labels], np.inf, distances).min(axis=1)
        clear = (other - own) / np.maximum(other + own, 1e-9) > 0.1
    seconds = np.array([max(p.end - p.start, 0.05) for p in pieces])
    total_questions = sum(questions)
    return {
        "separation": round(float((seconds * clear).sum() / seconds.sum()), 3),
        "clinician_evidence": round(questions[clinician] / total_questions, 3) if total_questions else 0.5,
        "questions": questions,
        "pieces": len(pieces),
    }


def _fill_short_pieces(roles: list[str], indexed: list[tuple[int, Segment]]) -> None:
    """A piece too short to embed ("Okay.") takes the role of its neighbour in the same transcriber
    segment (the one before, else the one after); alone in its segment it stays "unknown"."""
    for n, (index, _) in enumerate(indexed):
        if roles[n] != "unknown":
            continue
        for m in (n - 1, n + 1):
            if 0 <= m < len(indexed) and indexed[m][0] == index and roles[m] != "unknown":
                roles[n] = roles[m]
                break


def _merge(pieces: list[tuple[str, int, Segment]]) -> list[tuple[str, Segment]]:
    """Adjacent pieces of one original segment with the same role become one utterance again."""
    merged: list[tuple[str, int, Segment]] = []
    for role, index, piece in pieces:
        if merged and merged[-1][:2] == (role, index) and piece.words:
            merged[-1] = (role, index, _piece(merged[-1][2], [*merged[-1][2].words, *piece.words]))
        else:
            merged.append((role, index, piece))
    return [(role, piece) for role, _, piece in merged]


def attribute_stereo(
    left: np.ndarray, right: np.ndarray, left_segments: Sequence[Segment], right_segments: Sequence[Segment]
) -> Attribution:
    """Clinician on the left channel, patient on the right; crosstalk removed word by word. A word is
    removed from a channel that is clearly quieter over it (the other person heard faintly), and of the
    same word transcribed on both channels at once the copy on the quieter one goes; where neither is
    clearly louder both copies stay, marked. What is removed is returned for audit."""
    level = {"clinician": _frame_db(left), "patient": _frame_db(right)}
    # Frames where someone is speaking: a word's timing often reaches into the silence around it, where
    # both channels are equally quiet and say nothing about who spoke.
    loudest = np.maximum(level["clinician"], level["patient"])
    speaking = loudest >= (np.percentile(loudest, 95) - SPEECH_RANGE_DB if len(loudest) else 0.0)
    kept: list[tuple[str, tuple[int, int], Segment, Word, float]] = []  # role, (segment, word), ...
    removed: list[tuple[str, tuple[int, int], Segment, Word, float]] = []
    for role, other, segments in (("clinician", "patient", left_segments), ("patient", "clinician", right_segments)):
        for index, seg in enumerate(segments):
            for position, word in enumerate(seg.words or _pseudo_words(seg)):
                item = (role, (index, position), seg, word, _margin(level[role], level[other], word, speaking))
                (removed if item[4] < -CROSSTALK_DB else kept).append(item)
    dropped = len(removed)
    kept, duplicates, unsure = _dedupe(kept)
    removed += duplicates
    # A piece is a run of one segment's words with nothing dropped in between: where crosstalk was cut
    # out of a segment, the other person's words come in between. Pieces may overlap in time (both
    # people talking at once).
    runs = _runs(kept)
    order = sorted(range(len(runs)), key=lambda n: (runs[n][2].start, runs[n][2].end))
    pieces = [(runs[n][0], runs[n][2]) for n in order]
    # A piece is marked when most of its words were heard alike on both channels.
    ambiguous = frozenset(i for i, n in enumerate(order) if 2 * sum(w in unsure for w in runs[n][3]) >= len(runs[n][3]))
    clear = sum(abs(item[4]) >= CROSSTALK_DB for item in kept)
    checks = {
        "words": len(kept),
        "crosstalk_words_dropped": dropped,
        "duplicate_words_dropped": len(duplicates),
        "ambiguous_words_kept": len(unsure),
        "clear_channel": round(clear / max(1, len(kept)), 3),
    }
    questions = {r: sum(questions_asked(p.text) for role, p in pieces if role == r) for r in ("clinician", "patient")}
    # Left is the clinician by convention; a patient channel asking most of the questions suggests the
    # microphones were swapped, which only the clinician can confirm.
    swapped = questions["patient"] >= 2 and questions["patient"] > 2 * questions["clinician"]
    checks["questions"] = [questions["clinician"], questions["patient"]]
    confidence = round(checks["clear_channel"] * (0.5 if swapped else 1.0), 3)
    audit = tuple(
        {
            "channel": role,
            "start": piece.start,
            "end": piece.end,
            "text": piece.text,
            "margin_db": round(min(m for m in margins), 1),
        }
        for role, _, piece, _, margins in _runs(sorted(removed, key=lambda item: (item[0], item[1])), margins=True)
    )
    return Attribution(
        tuple(pieces), "stereo_channels", "channel-energy", confidence, checks, removed=audit, ambiguous=ambiguous
    )


def _runs(items: list, *, margins: bool = False) -> list[tuple]:
    """Consecutive words of one segment and role as one piece: (role, (segment, last word), piece,
    word keys, and the words' margins when asked)."""
    runs: list[tuple] = []
    for role, (index, position), seg, word, margin in items:
        key = (role, index, position)
        if runs and runs[-1][0] == role and runs[-1][1] == (index, position - 1):
            last = runs[-1]
            runs[-1] = (role, (index, position), _piece(last[2], [*last[2].words, word]), [*last[3], key])
            runs[-1] += ([*last[4], margin],) if margins else ()
        else:
            runs.append((role, (index, position), _piece(seg, [word]), [key], *([[margin]] if margins else [])))
    return runs


def _pseudo_words(seg: Segment) -> tuple[Word, ...]:
    """A segment without word timings, as words spread evenly over its span."""
    tokens = seg.text.split() or [seg.text]
    step = (seg.end - seg.start) / len(tokens)
    return tuple(Word(seg.start + i * step, seg.start + (i + 1) * step, t, 1.0) for i, t in enumerate(tokens))


FRAME = 320  # 20 ms


def _frame_db(signal: np.ndarray) -> np.ndarray:
    usable = len(signal) // FRAME * FRAME
    frames = signal[:usable].reshape(-1, FRAME).astype(np.float64)
    return 10 * np.log10((frames**2).mean(axis=1) + 1e-10)


def _margin(own: np.ndarray, other: np.ndarray, word: Word, speaking: np.ndarray | None = None) -> float:
    """Median over the word's frames of own-channel level minus other-channel level (dB), over the
    frames where someone is speaking when there are any. The median keeps a word's timing error (a
    frame or two of the neighbouring turn) from deciding."""
    a = int(word.start * SAMPLE_RATE / FRAME)
    b = max(a + 1, int(np.ceil(word.end * SAMPLE_RATE / FRAME)))
    a, b = min(a, len(own) - 1), min(b, len(own))
    if a >= b:
        return 0.0
    difference = own[a:b] - other[a:b]
    if speaking is not None and speaking[a:b].any():
        difference = difference[speaking[a:b]]
    return float(np.median(difference))


def _dedupe(kept: list) -> tuple[list, list, set]:
    """The same word at the same time on both channels is kept once, where louder: (kept, removed
    copies, keys of words kept on both channels because their levels are within ``AMBIGUOUS_DB``)."""
    out, removed, unsure = [], [], set()
    by_role: dict[str, list] = {}
    for item in kept:
        by_role.setdefault(item[0], []).append(item)
    for item in kept:
        role, (index, position), _, word, margin = item
        twins = [
            o
            for r, items in by_role.items()
            if r != role
            for o in items
            if _norm(o[3].word) == _norm(word.word) and min(o[3].end, word.end) > max(o[3].start, word.start)
        ]
        if twins and all(abs(o[4]) < AMBIGUOUS_DB for o in twins) and abs(margin) < AMBIGUOUS_DB:
            unsure.add((role, index, position))
        elif any(o[4] > margin for o in twins):
            removed.append(item)
            continue
        out.append(item)
    return out, removed, unsure


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9']+", "", word.lower())


def attribute(audio: np.ndarray, segments: Sequence[Any], n_speakers: int = 2) -> list[str]:
    """A role per segment (no splitting): the first guess for segments without word timings."""
    result = attribute_mono(audio, [_as_segment(s) for s in segments], n_speakers)
    by_span = {(p.start, p.end): role for role, p in result.pieces}
    return [by_span.get((float(_get(s, "start")), float(_get(s, "end"))), "unknown") for s in segments]


def _as_segment(s: Any) -> Segment:
    if isinstance(s, Segment):
        return replace(s, words=())
    return Segment(float(_get(s, "start")), float(_get(s, "end")), str(_get(s, "text")), 0.0, 0.0)


def _get(segment: Any, name: str) -> Any:
    return segment[name] if isinstance(segment, dict) else getattr(segment, name)


# --- Scoring ---------------------------------------------------------------------------------------


def word_attribution_accuracy(
    hyp_words: Sequence[Any], reference_turns: Sequence[Any], *, match_labels: bool = False
) -> float:
    """The share of hypothesis words given to the speaker who was talking when the word was said.

    ``hyp_words``: one item per transcribed word, as a dict or an object with ``start`` and ``end``
    (seconds from the start of the recording) and ``speaker`` (any label; ``None``/"unknown" count as
    wrong). A tuple ``(speaker, start, end)`` works too. ``utterance_words`` turns a session input's
    utterances into this shape.

    ``reference_turns``: who really spoke when, each with ``speaker``, ``start`` and ``end`` (dict,
    object or ``(speaker, start, end)``), e.g. the scripted turns of a fixture dialogue or an RTTM file.

    A word is scored against the turn that holds its midpoint; where turns overlap, any speaker talking
    then counts as right; a midpoint in a gap between turns takes the nearest turn. Words heard twice
    (crosstalk transcribed on both channels) are two words, so each copy on the wrong side counts
    against the score. Missing words are not counted here: that is the word error rate's job.
    With ``match_labels`` the hypothesis labels are first mapped one-to-one onto the reference labels
    in the way that scores best (for clustering output whose labels are arbitrary, like "speaker 1");
    otherwise labels must be the same strings ("clinician"/"patient"). Returns 0.0 for no words.
    """
    words = [_triple(w) for w in hyp_words]
    turns = [_triple(t) for t in reference_turns]
    if not words or not turns:
        return 0.0
    truths = [_speakers_at((start + end) / 2, turns) for _, start, end in words]
    said = [speaker for speaker, _, _ in words]
    if match_labels:
        mapping = _best_mapping(said, truths)
        said = [mapping.get(s) for s in said]
    return sum(s is not None and s in truth for s, truth in zip(said, truths, strict=True)) / len(words)


def utterance_words(utterances: Sequence[dict]) -> list[dict]:
    """``{speaker, start, end, word}`` per word of a session input's utterances: the utterance's own word
    timings when it has them (``words``), otherwise its span shared evenly between its words."""
    out: list[dict] = []
    for u in utterances:
        if u.get("start") is None:
            continue
        if u.get("words"):
            out += [
                {"speaker": u["speaker"], "start": w["start"], "end": w["end"], "word": w["word"]} for w in u["words"]
            ]
            continue
        tokens = str(u["text"]).split()
        step = (float(u["end"]) - float(u["start"])) / max(1, len(tokens))
        out += [
            {"speaker": u["speaker"], "start": u["start"] + i * step, "end": u["start"] + (i + 1) * step, "word": t}
            for i, t in enumerate(tokens)
        ]
    return out


def _triple(item: Any) -> tuple[Any, float, float]:
    if isinstance(item, tuple | list):
        speaker, start, end = item[:3]
    else:
        speaker, start, end = _get(item, "speaker"), _get(item, "start"), _get(item, "end")
    return (None if speaker in (None, "unknown") else speaker), float(start), float(end)


def _speakers_at(t: float, turns: list[tuple[Any, float, float]]) -> set:
    inside = {speaker for speaker, start, end in turns if start <= t <= end}
    if inside:
        return inside
    nearest = min(turns, key=lambda turn: min(abs(t - turn[1]), abs(t - turn[2])))
    return {nearest[0]}


def _best_mapping(said: list, truths: list[set]) -> dict:
    """One-to-one hypothesis → reference labels maximising agreement, by trying every assignment
    (sessions have at most a handful of speakers)."""
    hyp = sorted({s for s in said if s is not None}, key=str)
    ref = sorted(set().union(*truths), key=str)
    counts = {(s, r): sum(s == x and r in t for x, t in zip(said, truths, strict=True)) for s in hyp for r in ref}
    width = max(len(hyp), len(ref))
    best: dict = {}
    best_score = -1
    for order in permutations([*ref, *[None] * (width - len(ref))], width):
        mapping = {s: r for s, r in zip(hyp, order, strict=False) if r is not None}
        score = sum(counts[(s, r)] for s, r in mapping.items())
        if score > best_score:
            best, best_score = mapping, score
    return best
