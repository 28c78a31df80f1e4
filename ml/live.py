"""Live transcription policies over streamed 16 kHz PCM (no Django).

Two commit policies, chosen by ``LIVE_POLICY``:

- ``utterance`` (the default; safe on CPU): Silero VAD (the copy inside faster-whisper) runs
  incrementally over the stream; an utterance is committed when its speech is followed by
  ``min_silence_s`` of silence, or cut at a pause (or hard, with none) once it reaches
  ``max_utterance_s``. Each utterance is decoded exactly once, so every second of audio costs one
  decode. Stereo runs one segmenter per channel (clinician left, patient right).
- ``local_agreement`` (GPU hosts): LocalAgreement-2 from whisper_streaming (Macháček et al. 2023, MIT),
  re-implemented: the growing buffer is re-decoded every ``min_chunk_s`` and the longest common
  prefix of the last two hypotheses is committed. On 2 CPU cores it falls ~15 s behind (REFERENCE.md).

``simulate_commits`` replays the utterance policy over known speech spans without any decoding cost
(computation-unaware), so its commit latency bounds can be tested deterministically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

RATE = 16000
WINDOW = 512  # Silero's frame at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous frame Silero v5/v6 reads with each frame
POLICIES = ("utterance", "local_agreement")


@dataclass(frozen=True)
class LiveConfig:
    threshold: float = 0.5  # speech starts at this probability
    neg_threshold: float = 0.35  # and ends below this one (hysteresis)
    min_silence_s: float = 0.5  # silence that ends an utterance
    max_utterance_s: float = 15.0  # longer speech is cut at its last pause (or hard)
    cut_pause_s: float = 0.1  # a pause this long inside speech may serve as a cut point
    # Audio kept either side of the detected speech. Whisper misreads first words with no lead-in: on the
    # stereo fixture dialogue, live WER was 15 % with 0.15 s, 9 % with 0.3 s, 7 % with 0.5 s (greedy).
    # Not more than min_silence_s, so it adds no commit latency.
    pad_s: float = 0.5
    min_speech_s: float = 0.25  # shorter bursts are clicks, not utterances
    # The audio of the utterances that started at most this long before the next one is decoded in front
    # of it and their words dropped: a short utterance decoded alone lacks the context the offline pass
    # has. On 109 s of LibriVox speech "He was not an ill-disposed young man" (3.5 s) came out "old-sposed"
    # alone at any beam or padding: live WER 6.0 %, offline 2.8 % (greedy with context was worse, 8.5 %).
    # With only the previous utterance in front, the sentence after that one ("... is to be ill-disposed",
    # its context 3.5 s of the misheard one) still came out "old-sposed" 3 times in 4: 5.6 %. With every
    # utterance of the last 12 s: 2.8 %, the offline figure, for 8 % more decode time (1.94 → 2.09 s an
    # utterance at load 7, mean; float32 or one thread: 7.0 or 5.6 % → 3.2 or 2.8 %; 20 s was worse: on
    # 10 minutes of the reading 6.9 % against 4.1 % with 12 s, offline 2.8 %). 12 s + a
    # 15.5 s utterance still fits Whisper's one 30 s window: it costs decoder steps, not an encoder pass.
    context_s: float = 12.0


@dataclass(frozen=True)
class Cut:
    """One utterance, in seconds of stream time; ``decided_at`` is the stream time at which the policy
    knew it (its commit, ignoring decode time)."""

    start: float
    end: float
    reason: str  # silence | pause | max_length | final
    decided_at: float


class UtteranceCutter:
    """The commit policy as a pure state machine over per-frame speech probabilities."""

    def __init__(self, config: LiveConfig | None = None, frame_s: float = WINDOW / RATE):
        self.config, self.frame_s = config or LiveConfig(), frame_s
        self.frames = 0
        self._start: float | None = None  # speech start of the open utterance
        self._silence_from: float | None = None  # start of the current quiet run inside speech
        self._pause: float | None = None  # middle of the latest usable pause inside the utterance
        self._last_end = 0.0

    @property
    def now(self) -> float:
        return self.frames * self.frame_s

    def push(self, probabilities: Iterable[float]) -> list[Cut]:
        cuts: list[Cut] = []
        c = self.config
        for p in probabilities:
            t = self.now
            self.frames += 1
            if self._start is None:
                if p >= c.threshold:
                    self._start, self._silence_from, self._pause = t, None, None
                continue
            if p >= c.threshold and self._silence_from is not None:
                if t - self._silence_from >= c.cut_pause_s:
                    self._pause = (self._silence_from + t) / 2
                self._silence_from = None
            elif p < c.neg_threshold and self._silence_from is None:
                self._silence_from = t
            if self._silence_from is not None and self.now - self._silence_from >= c.min_silence_s:
                cuts += self._close(self._silence_from, "silence")
                self._start = None
            elif t - self._start >= c.max_utterance_s:
                at, reason = (
                    (self._pause, "pause") if self._pause and self._pause > self._start + 1 else (t, "max_length")
                )
                cuts += self._close(at, reason)
                self._start, self._pause = at, None
        return cuts

    def finish(self) -> list[Cut]:
        """The stream ended (stop or pause): whatever speech is open is one last utterance."""
        if self._start is None:
            return []
        end = self._silence_from if self._silence_from is not None else self.now
        cuts = self._close(end, "final")
        self._start = self._silence_from = self._pause = None
        return cuts

    def _close(self, end: float, reason: str) -> list[Cut]:
        c = self.config
        if end - self._start < c.min_speech_s:
            return []
        start = max(self._last_end, self._start - c.pad_s)
        end = min(self.now, end + c.pad_s) if reason in ("silence", "final") else end
        self._last_end = end
        return [Cut(round(start, 3), round(end, 3), reason, round(self.now, 3))]


class SpeechProbabilities:
    """Silero VAD over a stream: the recurrent state and the frame context carry across calls, so
    feeding audio in pieces gives what one pass over the whole would."""

    def __init__(self):
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        audio = np.concatenate([self._pending, samples.astype(np.float32)])
        whole = len(audio) // WINDOW * WINDOW
        self._pending = audio[whole:]
        if not whole:
            return np.zeros(0, dtype=np.float32)
        frames = audio[:whole].reshape(-1, WINDOW)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT:]])
        self._context = frames[-1, -CONTEXT:].copy()
        batch = np.concatenate([contexts, frames], axis=1)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return np.asarray(out, dtype=np.float32).reshape(-1)


@dataclass(frozen=True)
class Utterance:
    channel: int
    start: float
    end: float
    audio: np.ndarray  # float32 at 16 kHz
    reason: str
    context: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # audio just before it


class ChannelSegmenter:
    """VAD + cutter for one channel, keeping only the audio an open utterance may still need."""

    def __init__(self, channel: int = 0, config: LiveConfig | None = None, offset: float = 0.0):
        self.channel = channel
        self.vad = SpeechProbabilities()
        self.cutter = UtteranceCutter(config)
        self.offset = offset  # stream time of this segmenter's first sample (a resumed input)
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_start = 0.0  # seconds since the segmenter started
        self._recent_starts: list[float] = []  # starts of the utterances emitted (the next one's context)

    def feed(self, samples: np.ndarray, vad_input: np.ndarray | None = None) -> list[Utterance]:
        """``vad_input`` (same length) is what the VAD hears when it differs from the audio kept for
        decoding (stereo: the channel with the other person's crosstalk silenced)."""
        self._audio = np.concatenate([self._audio, samples])
        return self._emit(self.cutter.push(self.vad.feed(samples if vad_input is None else vad_input)))

    def finish(self) -> list[Utterance]:
        return self._emit(self.cutter.finish())

    def _emit(self, cuts: Sequence[Cut]) -> list[Utterance]:
        out = []
        config = self.cutter.config
        for cut in cuts:
            a = max(0, int((cut.start - self._audio_start) * RATE))
            b = max(a, int((cut.end - self._audio_start) * RATE))
            self._recent_starts = [s for s in self._recent_starts if cut.start - s <= config.context_s]
            context = np.zeros(0, dtype=np.float32)
            if self._recent_starts:
                first = int((self._recent_starts[0] - self._audio_start) * RATE)
                context = self._audio[max(0, first) : a].copy()
            out.append(
                Utterance(
                    self.channel,
                    cut.start + self.offset,
                    cut.end + self.offset,
                    self._audio[a:b].copy(),
                    cut.reason,
                    context,
                )
            )
            self._recent_starts.append(cut.start)
        # Keep what an open utterance (with its padding and context) may still need, and a little more.
        keep_from = self.cutter.now - (config.max_utterance_s + 2 + config.context_s)
        if self.cutter._start is not None:
            keep_from = min(keep_from, self.cutter._start - config.pad_s - config.context_s)
        drop = int(max(0.0, keep_from - self._audio_start) * RATE)
        if drop > 0:
            self._audio, self._audio_start = self._audio[drop:], self._audio_start + drop / RATE
        return out


def pcm_to_float(data: bytes, channels: int) -> np.ndarray:
    """16-bit little-endian PCM → float32, shape (n,) for mono or (2, n) for interleaved stereo."""
    samples = np.frombuffer(data[: len(data) // (2 * channels) * 2 * channels], dtype="<i2").astype(np.float32)
    samples /= 32768.0
    return samples.reshape(-1, 2).T.copy() if channels == 2 else samples


def simulate_commits(
    speech: Sequence[tuple[float, float]], duration: float, chunk_s: float = 0.1, config: LiveConfig | None = None
) -> list[tuple[Cut, float]]:
    """Replay the utterance policy over known speech spans, ignoring decode cost: frames inside a span
    have probability 1, others 0; audio arrives in ``chunk_s`` pieces and a commit can only happen when
    a piece has arrived. Returns each cut with the stream time at which it would be sent."""
    cutter = UtteranceCutter(config)
    frame_s = WINDOW / RATE
    n = int(duration / frame_s)
    probs = [1.0 if any(a <= i * frame_s < b for a, b in speech) else 0.0 for i in range(n)]
    per_chunk = max(1, round(chunk_s / frame_s))
    out: list[tuple[Cut, float]] = []
    for i in range(0, n, per_chunk):
        arrived = min(n, i + per_chunk) * frame_s
        out += [(cut, arrived) for cut in cutter.push(probs[i : i + per_chunk])]
    out += [(cut, n * frame_s) for cut in cutter.finish()]
    return out


# --- LocalAgreement-2 (whisper_streaming, MIT) ------------------------------------------------------


@dataclass(frozen=True)
class TimedWord:
    start: float
    end: float
    text: str


@dataclass
class HypothesisBuffer:
    """Commits the longest common prefix of two consecutive hypotheses (LocalAgreement-n with n = 2)."""

    committed: list[TimedWord] = field(default_factory=list)  # still inside the audio buffer
    previous: list[TimedWord] = field(default_factory=list)
    new: list[TimedWord] = field(default_factory=list)
    last_committed_time: float = 0.0
    last_committed_text: str = ""

    def insert(self, words: Sequence[TimedWord], offset: float) -> None:
        shifted = [TimedWord(w.start + offset, w.end + offset, w.text) for w in words]
        self.new = [w for w in shifted if w.start > self.last_committed_time - 0.1]
        if self.new and abs(self.new[0].start - self.last_committed_time) < 1 and self.committed:
            # The re-decoded buffer repeats the committed tail: drop the longest n-gram (n ≤ 5) overlap.
            for n in range(min(len(self.committed), len(self.new), 5), 0, -1):
                tail = " ".join(w.text for w in self.committed[-n:])
                head = " ".join(w.text for w in self.new[:n])
                if tail == head:
                    self.new = self.new[n:]
                    break

    def flush(self) -> list[TimedWord]:
        agreed: list[TimedWord] = []
        while self.new and self.previous and self.new[0].text == self.previous[0].text:
            word = self.new.pop(0)
            self.previous.pop(0)
            agreed.append(word)
            self.last_committed_time, self.last_committed_text = word.end, word.text
        self.previous, self.new = self.new, []
        self.committed.extend(agreed)
        return agreed

    def pop_committed(self, until: float) -> None:
        while self.committed and self.committed[0].end <= until:
            self.committed.pop(0)

    def incomplete(self) -> list[TimedWord]:
        return list(self.previous)


Decode = Callable[[np.ndarray, str], list[TimedWord]]  # (audio buffer, prompt) -> words, buffer-relative


class LocalAgreementPolicy:
    """Re-decode the growing buffer every ``min_chunk_s``; commit what two decodes agree on; trim the
    buffer at the last committed word once it exceeds ``trim_s`` (whisper_streaming's segment trimming)."""

    def __init__(self, decode: Decode, min_chunk_s: float = 1.0, trim_s: float = 15.0):
        self.decode, self.min_chunk_s, self.trim_s = decode, min_chunk_s, trim_s
        self.hypothesis = HypothesisBuffer()
        self.buffer = np.zeros(0, dtype=np.float32)
        self.buffer_offset = 0.0
        self._unprocessed = 0
        self._all_committed: list[TimedWord] = []

    @property
    def now(self) -> float:
        return self.buffer_offset + len(self.buffer) / RATE

    def feed(self, samples: np.ndarray) -> list[TimedWord]:
        self.buffer = np.concatenate([self.buffer, samples.astype(np.float32)])
        self._unprocessed += len(samples)
        if self._unprocessed < self.min_chunk_s * RATE:
            return []
        self._unprocessed = 0
        return self._step()

    def _step(self) -> list[TimedWord]:
        prompt = " ".join(w.text for w in self._all_committed[-40:])[-200:]
        self.hypothesis.insert(self.decode(self.buffer, prompt), self.buffer_offset)
        agreed = self.hypothesis.flush()
        self._all_committed += agreed
        if len(self.buffer) / RATE > self.trim_s and self._all_committed:
            cut = self._all_committed[-1].end
            if cut > self.buffer_offset:
                self.buffer = self.buffer[int((cut - self.buffer_offset) * RATE) :]
                self.buffer_offset = cut
                self.hypothesis.pop_committed(cut)
        return agreed

    def finish(self) -> list[TimedWord]:
        """The stream ended: the last hypothesis is committed as it stands."""
        rest = self.hypothesis.incomplete()
        self._all_committed += rest
        self.hypothesis = HypothesisBuffer(last_committed_time=self.now)
        return rest
