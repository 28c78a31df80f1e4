"""One live stream's transcription: PCM in, committed segments out (no Django, no event loop).

``LiveStream.feed`` runs the chosen commit policy (``ml.live``) over each channel and returns the
pieces of audio ready to decode; ``LiveStream.decode`` transcribes one of them with the process's
transcriber (``ml.transcription``, loaded once, one decode at a time per model). The caller runs both
off its event loop (a thread pool: CTranslate2 releases the GIL) and keeps their order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ml.live import RATE, ChannelSegmenter, LiveConfig, LocalAgreementPolicy, TimedWord, Utterance, pcm_to_float
from ml.transcription import Segment, Transcriber, Word

CROSSTALK_MARGIN_DB = 6.0  # a channel this much quieter than the other is hearing crosstalk
LEVEL_HISTORY_SECONDS = 120.0  # stereo levels kept for checking decoded words (utterances are far shorter)
BLOCK = 160  # 10 ms: every allowed chunk (20 ms to 1 s) is whole blocks
ROLES = {2: ("clinician", "patient")}


@dataclass(frozen=True)
class LiveSegment:
    channel: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    audio_end: float  # stream time the utterance's audio ended (commit latency starts here)

    def speaker(self, channels: int) -> str:
        return ROLES[2][self.channel] if channels == 2 else "speaker_1"

    def as_segment(self) -> Segment:
        return Segment(self.start, self.end, self.text, 0.0, 0.0, self.words)


@dataclass(frozen=True)
class Pending:
    """Audio whose words are ready to decode (utterance policy) or already decoded (LocalAgreement)."""

    utterance: Utterance | None = None
    words: tuple[TimedWord, ...] = ()
    channel: int = 0


def block_energy(stereo: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Mean power of each channel in each 10 ms block, shape (channels, blocks)."""
    n = stereo.shape[1]
    edges = np.arange(0, n, block)
    return np.add.reduceat(stereo.astype(np.float64) ** 2, edges, axis=1) / np.diff(np.append(edges, n))


def own_voice_only(stereo: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Silence each channel wherever the other channel is much louder: that is the other person heard
    through the wrong microphone (crosstalk). Each channel's VAD hears this, so it cuts at turn changes
    and never starts an utterance on crosstalk; the decoder gets the channel as recorded (silencing
    10 ms blocks mid-word costs more words than the crosstalk at an utterance's edge; the words decoded
    from crosstalk are dropped after decoding instead, ``LiveStream._own_words``)."""
    n = stereo.shape[1]
    level = 10 * np.log10(block_energy(stereo, block) + 1e-12)
    keep = np.stack([level[0] >= level[1] - CROSSTALK_MARGIN_DB, level[1] >= level[0] - CROSSTALK_MARGIN_DB])
    edges = np.arange(0, n, block)
    return stereo * np.repeat(keep, np.diff(np.append(edges, n)), axis=1)


class LiveStream:
    def __init__(
        self,
        transcriber: Transcriber,
        *,
        channels: int,
        policy: str = "utterance",
        offset: float = 0.0,
        beam_size: int | None = None,
    ) -> None:
        if channels not in (1, 2):
            raise ValueError("channels must be 1 or 2")
        self.transcriber, self.channels, self.policy, self.offset = transcriber, channels, policy, offset
        self.beam_size = beam_size
        # Word times are what mono speaker attribution at stop cuts turns with; in stereo each word is
        # checked against the other channel (crosstalk decoded at an utterance's edge is dropped).
        self.word_timestamps = True
        self.received = 0.0  # seconds of audio fed, since ``offset``
        # Stereo: each channel's power per 10 ms block, the last ``LEVEL_HISTORY_SECONDS`` of it.
        self._energy = np.zeros((channels, 0))
        self._energy_from = 0  # block index (since ``offset``) of the first column kept
        config = LiveConfig()
        if policy == "local_agreement":
            self._agreements = [LocalAgreementPolicy(self._decode_words) for _ in range(channels)]
        else:
            self._segmenters = [ChannelSegmenter(c, config, offset) for c in range(channels)]

    @property
    def received_until(self) -> float:
        return self.offset + self.received

    def feed(self, pcm: bytes) -> list[Pending]:
        samples = pcm_to_float(pcm, self.channels).reshape(self.channels, -1)
        self.received += samples.shape[1] / RATE
        heard = own_voice_only(samples) if self.channels == 2 else samples
        if self.channels == 2:
            self._energy = np.concatenate([self._energy, block_energy(samples)], axis=1)
            surplus = self._energy.shape[1] - int(LEVEL_HISTORY_SECONDS * RATE / BLOCK)
            if surplus > 0:
                self._energy, self._energy_from = self._energy[:, surplus:], self._energy_from + surplus
        if self.policy == "local_agreement":
            return [
                Pending(words=tuple(words), channel=c)
                for c, la in enumerate(self._agreements)
                for words in [la.feed(samples[c])]
                if words
            ]
        return [Pending(utterance=u) for c, s in enumerate(self._segmenters) for u in s.feed(samples[c], heard[c])]

    def finish(self) -> list[Pending]:
        """Pause or stop: whatever is open is committed now."""
        if self.policy == "local_agreement":
            return [
                Pending(words=tuple(w), channel=c) for c, la in enumerate(self._agreements) for w in [la.finish()] if w
            ]
        return [Pending(utterance=u) for s in self._segmenters for u in s.finish()]

    def decode(self, pending: Pending) -> list[LiveSegment]:
        if pending.utterance is None:
            words = [TimedWord(w.start + self.offset, w.end + self.offset, w.text) for w in pending.words]
            text = " ".join(w.text for w in words).strip()
            if not text:
                return []
            timed = tuple(Word(round(w.start, 2), round(w.end, 2), w.text, 1.0) for w in words)
            end = round(words[-1].end, 2)
            return [LiveSegment(pending.channel, round(words[0].start, 2), end, text, timed, end)]
        u = pending.utterance
        lead = len(u.context) / RATE  # the previous utterance, decoded again as context: its words are dropped
        transcript = self.transcriber.transcribe(
            np.concatenate([u.context, u.audio]) if lead else u.audio,
            word_timestamps=self.word_timestamps or bool(lead),
            beam_size=self.beam_size,
        )
        out = []
        at = u.start - lead  # stream time of the decoded audio's first sample
        for s in transcript.segments:
            kept = [w for w in s.words if (w.start + w.end) / 2 >= lead] if lead else list(s.words)
            if lead and not kept:
                continue
            text, start, end = s.text, s.start, s.end
            if lead and len(kept) < len(s.words):  # a segment across the boundary keeps its own words only
                text, start = " ".join(w.word for w in kept), kept[0].start
            if lead:
                start = max(start, lead)
            words = tuple(replace(w, start=round(w.start + at, 2), end=round(w.end + at, 2)) for w in kept)
            if self.channels == 2 and words:
                own = self._own_words(words, u.channel)
                if not own:
                    continue
                if len(own) < len(words):
                    text, start, end, words = " ".join(w.word for w in own), own[0].start - at, own[-1].end - at, own
            out.append(
                LiveSegment(
                    u.channel,
                    round(start + at, 2),
                    round(end + at, 2),
                    text,
                    words if self.word_timestamps else (),
                    u.end,
                )
            )
        return out

    def _own_words(self, words: tuple[Word, ...], channel: int) -> tuple[Word, ...]:
        """The words this channel's own speaker said: a word over which the other channel is
        ``CROSSTALK_MARGIN_DB`` louder is the other person heard through this microphone (or text the
        decoder made of that faint speech) and is dropped; the other channel has it as its own."""
        own = []
        for w in words:
            first = int((w.start - self.offset) * RATE / BLOCK) - self._energy_from
            # At least 50 ms: the aligner gives some words no duration at all.
            last = max(int(np.ceil((w.end - self.offset) * RATE / BLOCK)) - self._energy_from, first + 5)
            span = self._energy[:, max(0, first) : max(0, last)]
            if span.shape[1] == 0:
                own.append(w)  # older than the levels kept: nothing to compare with
                continue
            mine, other = (10 * np.log10(span[c].mean() + 1e-12) for c in (channel, 1 - channel))
            if mine >= other - CROSSTALK_MARGIN_DB:
                own.append(w)
        return tuple(own)

    def _decode_words(self, audio: np.ndarray, prompt: str) -> list[TimedWord]:
        transcript = self.transcriber.transcribe(audio, word_timestamps=True, beam_size=self.beam_size)
        return [TimedWord(w.start, w.end, w.word) for s in transcript.segments for w in s.words]
