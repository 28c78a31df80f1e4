"""Mono speakers of a live session are attributed ten minutes at a time while it goes on, so stop only
attributes the open chunk (apps/notes/live_chunks.py, ``_attribute_mono`` reusing finished chunks)."""

from __future__ import annotations

import pytest

from apps.notes import live_chunks
from apps.notes.live_chunks import ChunkAttributions
from apps.notes.services import live

RATE = 16000


def seconds(n: float) -> bytes:
    return bytes(int(n * RATE) * 2)


@pytest.fixture
def ten_second_chunks(monkeypatch):
    monkeypatch.setattr(live_chunks, "ATTRIBUTION_CHUNK_S", 10)
    monkeypatch.setattr(live, "ATTRIBUTION_CHUNK_S", 10)


def test_a_chunk_is_ready_once_it_is_over_and_an_utterance_after_it_is_committed(ten_second_chunks):
    chunks = ChunkAttributions(offset=0.0)
    for _ in range(25):
        chunks.feed(seconds(1))
    assert [t0 for t0, _ in chunks.full] == [0, 10]
    assert all(len(pcm) == 10 * RATE * 2 for _, pcm in chunks.full)
    assert chunks.ready(committed_start=9.5) == []  # an utterance inside the first chunk: more may follow
    assert [t0 for t0, _ in chunks.ready(committed_start=12.0)] == [0]
    assert [t0 for t0, _ in chunks.ready(committed_start=21.0)] == [10]
    assert chunks.ready(committed_start=40.0) == []


def test_a_resumed_input_starts_at_the_next_whole_chunk(ten_second_chunks):
    chunks = ChunkAttributions(offset=4.0)  # resumed mid-chunk: 0–4 s is not in memory
    chunks.feed(seconds(17))  # stream time 4 → 21
    assert [t0 for t0, _ in chunks.full] == [10]
    assert len(chunks.pcm) == 1 * RATE * 2


def test_stop_reuses_a_chunk_attributed_during_the_session_and_redoes_one_that_changed(ten_second_chunks, monkeypatch):
    utterances = [
        {"speaker": "speaker_1", "text": "first", "start": 1.0, "end": 2.0, "words": []},
        {"speaker": "speaker_1", "text": "second", "start": 12.0, "end": 13.0, "words": []},
    ]
    cached_piece = {"speaker": "patient", "text": "first", "start": 1.0, "end": 2.0, "words": []}
    check = {"offset": 0, "confidence": 0.9}
    attributed = {
        0.0: {
            "t0": 0.0,
            "key": live._chunk_key(utterances[:1]),
            "pieces": [cached_piece],
            "check": check,
            "model": "m",
        },
        10.0: {"t0": 10.0, "key": (), "pieces": [], "check": check, "model": "m"},  # stale: redone at stop
    }
    calls = []
    real = live.live_chunk_attribute

    def counted(**kwargs):
        calls.append(kwargs["t0"])
        return {**real(utterances=[], pcm=b"", t0=kwargs["t0"]), "pieces": [], "check": check, "model": "m"}

    monkeypatch.setattr(live, "live_chunk_attribute", counted)
    pieces, speakers = live._attribute_mono(utterances, seconds(20), attributed)
    assert calls == [10.0]  # only the chunk whose utterances changed
    assert pieces[0]["speaker"] == "patient" and pieces[0]["index"] == 0
    assert len(speakers["chunks"]) == 2
