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


# --- Stop has little left: each utterance's voice is embedded as it commits -------------------------


class ToneEncoder:
    """A stand-in voice encoder: the embedding is the clip's dominant frequency band (two speakers are
    two tones), and every clip it embeds is counted."""

    model_id = "tone"

    def __init__(self):
        self.clips = 0

    def embed_many(self, wavs):
        import numpy as np

        self.clips += len(wavs)
        out = []
        for wav in wavs:
            spectrum = np.abs(np.fft.rfft(wav[:4096], 4096))
            band = int(spectrum.argmax() * RATE / 4096 / 50)  # 50 Hz bands
            vector = np.zeros(32)
            vector[band % 32] = 1.0
            vector[(band + 7) % 32] = 0.3 + 0.01 * (len(wav) % 7)
            out.append(vector / np.linalg.norm(vector))
        return np.array(out)


def tone_session(minutes_of_chunks: int, chunk_s: int = 10):
    """``minutes_of_chunks`` chunks of alternating turns (clinician 220 Hz asking, patient 440 Hz), 4 s
    each with 0.5 s between, as PCM and committed utterances with word times."""
    import numpy as np

    total = minutes_of_chunks * chunk_s
    audio = np.zeros(total * RATE, dtype=np.float32)
    utterances, at, turn = [], 0.25, 0
    while at + 4.0 < total - 0.5:
        tone = 220.0 if turn % 2 == 0 else 440.0
        span = np.arange(int(at * RATE), int((at + 4.0) * RATE))
        audio[span] = 0.3 * np.sin(2 * np.pi * tone * span / RATE)
        words = [
            {"word": f"w{turn}_{k}" + ("," if k == 3 else "?" if k == 7 and turn % 2 == 0 else ""), "start": 0.0}
            for k in range(8)
        ]
        for k, w in enumerate(words):
            w["start"], w["end"] = round(at + k * 0.5, 2), round(at + k * 0.5 + 0.4, 2)
        text = " ".join(w["word"] for w in words)
        utterances.append({"speaker": "speaker_1", "text": text, "start": at, "end": at + 3.9, "words": words})
        at, turn = at + 4.5, turn + 1
    return (audio * 32767).astype("<i2").tobytes(), utterances


def replay(pcm: bytes, utterances: list[dict]):
    """The consumer's order of work: audio in, then at each commit its jobs, run one at a time; the last
    commit's jobs are still waiting when stop comes (the utterance ``finish`` commits at stop)."""
    chunks = ChunkAttributions(offset=0.0)
    fed = 0
    waiting = []
    for n, u in enumerate(utterances):
        upto = int((u["end"] + 0.3) * RATE) * 2
        chunks.feed(pcm[fed:upto])
        fed = max(fed, upto)
        for job in waiting:
            chunks.run(job)
        waiting = chunks.after_commit(utterances[: n + 1], u["start"])
    chunks.feed(pcm[fed:])
    return chunks, chunks.stop(utterances, waiting)


def test_stop_embeds_only_the_last_utterance_however_long_the_session(ten_second_chunks, monkeypatch):
    import ml.speakers

    encoder = ToneEncoder()
    monkeypatch.setattr(ml.speakers, "get_voice_encoder", lambda: encoder)
    monkeypatch.setattr(live_chunks, "REGROUP_EVERY_S", 5.0)
    left = {}
    for length in (3, 9):
        pcm, utterances = tone_session(length)
        chunks, left[length] = replay(pcm, utterances)
        assert sorted(chunks.done) == [10.0 * i for i in range(length)]
        # Speakers as good as clustering each chunk from scratch at stop: the same pieces and roles.
        for t0, done in chunks.done.items():
            fresh = live.live_chunk_attribute(utterances=utterances, pcm=pcm[int(t0) * RATE * 2 :], t0=t0)
            assert done["pieces"] == fresh["pieces"] and done["key"] == fresh["key"]
        assert {p["speaker"] for p in chunks.done[0.0]["pieces"]} == {"clinician", "patient"}
    # What stop had left is the same for 3 chunks or 9: the one utterance the last commit brought (its
    # pieces, split at "?" and ",", and the halves a long piece may be cut into), in the chunk it
    # closed and the open one.
    assert left[3] == left[9]
    assert left[9]["unprepared"] == 1 and 1 <= left[9]["embedded"] <= 6 and left[9]["chunks"] <= 2


def test_the_open_chunk_is_regrouped_now_and_then_for_the_draft_to_warm(ten_second_chunks, monkeypatch):
    import ml.speakers

    monkeypatch.setattr(ml.speakers, "get_voice_encoder", ToneEncoder)
    monkeypatch.setattr(live_chunks, "REGROUP_EVERY_S", 4.0)
    pcm, utterances = tone_session(2)
    chunks = ChunkAttributions(offset=0.0)
    kinds, fed = [], 0
    for n, u in enumerate(utterances):
        upto = int((u["end"] + 0.3) * RATE) * 2
        chunks.feed(pcm[fed:upto])
        fed = upto
        kinds.append([job.kind for job in chunks.after_commit(utterances[: n + 1], u["start"])])
    assert all(k[0] == "prepare" for k in kinds)  # every commit embeds its utterance
    assert sum(k.count("regroup") for k in kinds) >= 2
    assert sum(k.count("attribute") for k in kinds) == 1  # the first chunk, once an utterance after it is in


def test_embeddings_prepared_as_utterances_commit_give_the_same_speakers_on_real_voices():
    """The real voice encoder on two espeak voices: prepared utterance by utterance, then attributed,
    the roles are those of attributing at once (only the work moves)."""
    import numpy as np

    from ml.speakers import Embeddings
    from ml.voice_encoder import get_voice_encoder
    from tests.fixtures import dialogues

    if not dialogues.espeak_available() or get_voice_encoder() is None:
        pytest.skip("espeak-ng or the voice encoder is not installed")
    dialogue = dialogues.render("cbt")
    pcm = (np.clip(dialogue.mono, -1, 1) * 32767).astype("<i2").tobytes()
    utterances = []
    for (_, start, end), text in zip(dialogue.turns, dialogue.texts, strict=True):
        words = text.split()
        step = (end - start) / len(words)
        timed = [{"word": w, "start": start + i * step, "end": start + (i + 0.8) * step} for i, w in enumerate(words)]
        utterances.append({"speaker": "speaker_1", "text": text, "start": start, "end": end, "words": timed})
    embeddings = Embeddings()
    for n in range(len(utterances)):
        audio, segments = live.chunk_segments(
            utterances[n : n + 1], pcm[: int(utterances[n]["end"] * RATE + 1) * 2], 0.0
        )
        embeddings.prepare(audio, segments)
    prepared = embeddings.computed
    once = live.live_chunk_attribute(utterances=utterances, pcm=pcm, t0=0.0)
    cached = live.live_chunk_attribute(utterances=utterances, pcm=pcm, t0=0.0, embeddings=embeddings)
    assert [p["speaker"] for p in cached["pieces"]] == [p["speaker"] for p in once["pieces"]]
    assert [p["text"] for p in cached["pieces"]] == [p["text"] for p in once["pieces"]]
    assert embeddings.computed - prepared <= 2  # a piece cut twice at most is all that was not prepared
