"""Mono speaker attribution while a live session goes on, ten minutes at a time.

At stop, clustering the voices of a whole mono session grew with its length (on 10 minutes of speech it
took 59 s at load 27): stop → draft for a 50-minute session could not stay within seconds. The chunks
are independent (``apps.notes.services.live.ATTRIBUTION_CHUNK_S``), so each is attributed as soon as it
is over and its utterances are committed; stop attributes only the chunk still open. Kept in memory
with the connection: after a drop, stop attributes the chunks it does not have (the same result, later).
"""

from __future__ import annotations

import math

from apps.notes.live_audio import RATE
from apps.notes.services.live import ATTRIBUTION_CHUNK_S


class ChunkAttributions:
    def __init__(self, offset: float):
        # A resumed input starts mid-chunk: that chunk's earlier audio is not here, so start at the next.
        self.t0 = math.ceil(offset / ATTRIBUTION_CHUNK_S - 1e-9) * ATTRIBUTION_CHUNK_S
        self.position = offset  # stream time of the next sample fed
        self.pcm = bytearray()
        self.full: list[tuple[float, bytes]] = []  # chunks over, waiting for their utterances' commits
        self.done: dict[float, dict] = {}

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
