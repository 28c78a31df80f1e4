"""Mono speaker attribution while a live session goes on, so that stop has little left to do.

At stop, clustering the voices of a whole mono session grew with its length (on 10 minutes of speech it
took 59 s at load 27): stop → draft for a 50-minute session could not stay within seconds. So:

- the voices are clustered ten minutes at a time (``apps.notes.services.live.ATTRIBUTION_CHUNK_S``),
  like uploads; each chunk is attributed as soon as it is over and its utterances are committed;
- the voice embeddings, the costly part of clustering, are computed as each utterance commits
  (``prepare``: its pieces and the halves a long piece may be cut into, ``ml.speakers.Embeddings``,
  one per chunk), so attributing a chunk, during the session or at stop, embeds only what committed
  after the last ``prepare`` (the same embeddings, so the same speakers);
- every ``REGROUP_EVERY_S`` of committed speech the open chunk is clustered provisionally (``regroup``)
  and the consumer warms the draft's analyses of its turns (``apps.notes.live_memo``), so the text the
  speakers labels at stop produce has mostly been analysed already.

At stop only the utterances committed since the last ``prepare`` are embedded, then the open chunk is
clustered: bounded by the last utterances, not the session's length. Kept in memory with the
connection: after a drop, stop attributes the chunks it does not have (the same result, later).
Jobs run one at a time, in the consumer's order, in the decode pool (``run``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from apps.notes.live_audio import RATE
from apps.notes.services import live
from apps.notes.services.live import ATTRIBUTION_CHUNK_S

REGROUP_EVERY_S = 60.0  # seconds of committed speech in the open chunk between provisional clusterings


@dataclass
class Job:
    kind: str  # prepare | attribute | regroup
    t0: float
    pcm: bytes  # the chunk's audio from t0 (so far, for the open chunk)
    utterances: list[dict] = field(default_factory=list)  # prepare: the new ones; otherwise all committed


class ChunkAttributions:
    def __init__(self, offset: float):
        # A resumed input starts mid-chunk: that chunk's earlier audio is not here, so start at the next.
        self.t0 = math.ceil(offset / ATTRIBUTION_CHUNK_S - 1e-9) * ATTRIBUTION_CHUNK_S
        self.position = offset  # stream time of the next sample fed
        self.pcm = bytearray()
        self.full: list[tuple[float, bytes]] = []  # chunks over, waiting for their utterances' commits
        self.done: dict[float, dict] = {}
        self.embeddings: dict = {}  # t0 → ml.speakers.Embeddings
        self.queued: set[tuple] = set()  # (start, end, text) of the utterances queued for ``prepare``
        self.prepared: set[tuple] = set()  # … and of those it embedded
        self.regrouped_at = self.t0  # stream time committed at the last ``regroup``
        self.at_stop: dict = {}  # what stop had left: utterances not prepared, stretches embedded, chunks

    def feed(self, pcm: bytes) -> None:
        """Mono 16-bit PCM in stream order."""
        start, self.position = self.position, self.position + len(pcm) / (2 * RATE)
        if self.position <= self.t0:
            return
        if start < self.t0:
            pcm = pcm[int(round((self.t0 - start) * RATE)) * 2 :]
        self.pcm += pcm
        size = ATTRIBUTION_CHUNK_S * RATE * 2
        while len(self.pcm) >= size:
            self.full.append((self.t0, bytes(self.pcm[:size])))
            del self.pcm[:size]
            self.t0 += ATTRIBUTION_CHUNK_S

    def ready(self, committed_start: float) -> list[tuple[float, bytes]]:
        """The full chunks whose utterances are all committed: mono utterances commit in order, so once
        one starting after a chunk is committed, every utterance starting inside it is too."""
        out = [c for c in self.full if committed_start >= c[0] + ATTRIBUTION_CHUNK_S]
        self.full = [c for c in self.full if c not in out]
        return out

    def _audio(self, t0: float) -> bytes | None:
        if t0 == self.t0:
            return bytes(self.pcm)
        return next((pcm for start, pcm in self.full if start == t0), None)

    def _chunk_of(self, start: float) -> float:
        return math.floor(start / ATTRIBUTION_CHUNK_S) * ATTRIBUTION_CHUNK_S

    def after_commit(self, utterances: list[dict], committed_start: float) -> list[Job]:
        """The jobs a commit makes (on the event loop; ``utterances``: all committed so far): embed the
        new utterances, attribute the chunks now complete, and now and then regroup the open chunk."""
        jobs: list[Job] = []
        new: dict[float, list[dict]] = {}
        for u in utterances:
            key = (u["start"], u["end"], u["text"])
            if key not in self.queued:
                self.queued.add(key)
                new.setdefault(self._chunk_of(u["start"]), []).append(u)
        for t0, rows in sorted(new.items()):
            pcm = self._audio(t0)
            if pcm is not None:  # else its chunk's audio is not here (before a resume) or is attributed
                jobs.append(Job("prepare", t0, pcm, rows))
        jobs += [Job("attribute", t0, pcm, list(utterances)) for t0, pcm in self.ready(committed_start)]
        if committed_start - self.regrouped_at >= REGROUP_EVERY_S and committed_start >= self.t0:
            self.regrouped_at = committed_start
            jobs.append(Job("regroup", self.t0, bytes(self.pcm), list(utterances)))
        return jobs

    def _embeddings(self, t0: float):
        from ml.speakers import Embeddings

        return self.embeddings.setdefault(t0, Embeddings())

    def run(self, job: Job) -> dict | None:
        """A job (in the pool). Returns the pieces of an ``attribute`` or ``regroup`` result."""
        embeddings = self._embeddings(job.t0)
        if job.kind == "prepare":
            audio, segments = live.chunk_segments(job.utterances, job.pcm, job.t0)
            embeddings.prepare(audio, segments)
            self.prepared.update((u["start"], u["end"], u["text"]) for u in job.utterances)
            return None
        result = live.live_chunk_attribute(utterances=job.utterances, pcm=job.pcm, t0=job.t0, embeddings=embeddings)
        if job.kind == "attribute":
            self.done[job.t0] = result
            self.embeddings.pop(job.t0, None)  # its utterances are all in: nothing will ask again
        return result

    def stop(self, utterances: list[dict], waiting: list[Job]) -> dict:
        """At stop (in the pool, once no job runs): attribute the chunks still to do (``waiting``: the
        jobs not run yet, of which only ``attribute`` ones are done now; the full chunks not ready; the
        open chunk), embedding only what was not prepared. Returns (and keeps in ``at_stop``) how much
        that was: the utterances not prepared and the stretches of audio embedded now."""
        chunks = [(job.t0, job.pcm) for job in waiting if job.kind == "attribute"] + self.full
        if any(self._chunk_of(u["start"]) == self.t0 for u in utterances):
            chunks.append((self.t0, bytes(self.pcm)))
        starts = {t0 for t0, _ in chunks}
        unprepared = sum(
            self._chunk_of(u["start"]) in starts and (u["start"], u["end"], u["text"]) not in self.prepared
            for u in utterances
        )
        embedded = 0
        for t0, pcm in chunks:
            embeddings = self._embeddings(t0)
            before = embeddings.computed
            self.run(Job("attribute", t0, pcm, utterances))
            embedded += embeddings.computed - before
        self.full = []
        self.at_stop = {"unprepared": unprepared, "embedded": embedded, "chunks": len(chunks)}
        return self.at_stop
