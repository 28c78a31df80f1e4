"""The live policy replayed in process, and its transcript compared with a websocket run's.

``replay`` feeds PCM to ``ml.live_stream.LiveStream`` exactly as the live consumer does (the frames the
benchmark sends, one ``feed`` per frame, each pending utterance decoded in order, ``finish`` at stop),
with the consumer's transcriber and beam, but with no websocket, no real-time pace and no other work
in the process. ``compare`` lines two transcripts up utterance by utterance, so a WER difference
between the two paths can be traced to a cut or to a decode. Used by ``benchmarks.live_session
--replay`` (text of a public-domain reading only; never run it on patient audio).
"""

from __future__ import annotations

import os
import time

FRAME_BYTES = 3200  # 100 ms of 16 kHz 16-bit mono, what benchmarks.live_session sends per frame


def consumer_stream(channels: int):
    """The ``LiveStream`` the live consumer builds, from the same settings (no detectors loaded)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from django.conf import settings

    from apps.core.audio import transcriber_config
    from ml.live_stream import LiveStream
    from ml.transcription import get_transcriber

    return LiveStream(
        get_transcriber(transcriber_config()),
        channels=channels,
        policy=settings.LIVE_POLICY,
        beam_size=settings.LIVE_BEAM_SIZE,
    )


def replay(pcm: bytes, channels: int, stream=None) -> dict:
    """Segments (as the websocket's ``segment`` events: start, end, text) and the utterances they came
    from (cut, reason, seconds of context, text) of one pass of ``pcm`` through the live policy."""
    stream = stream or consumer_stream(channels)
    step = FRAME_BYTES * channels
    segments: list[dict] = []
    utterances: list[dict] = []
    started = time.perf_counter()

    def decode(pending) -> None:
        for piece in pending:
            found = stream.decode(piece)
            u = piece.utterance
            if u is not None:
                utterances.append(
                    {
                        "start": round(u.start, 3),
                        "end": round(u.end, 3),
                        "reason": u.reason,
                        "context_s": round(len(u.context) / 16000, 2),
                        "text": " ".join(s.text for s in found),
                    }
                )
            segments.extend({"start": s.start, "end": s.end, "text": s.text} for s in found)

    for offset in range(0, len(pcm), step):
        decode(stream.feed(pcm[offset : offset + step]))
    decode(stream.finish())
    return {"segments": segments, "utterances": utterances, "wall_s": round(time.perf_counter() - started, 1)}


def transcript(segments: list[dict]) -> str:
    """The transcript a client shows: the segments in stream order (as ``benchmarks.live_session``)."""
    return " ".join(s["text"] for s in sorted(segments, key=lambda s: (s["start"], s["end"])))


def compare(utterances: list[dict], segments: list[dict]) -> list[dict]:
    """Each replayed utterance beside the websocket segments whose middle falls inside its cut, where
    their words differ (case and punctuation ignored), then any websocket segment outside every cut;
    an empty list when the two runs agree."""
    from ml.evaluate import word_errors

    def inside(u: dict, s: dict) -> bool:
        return u["start"] <= (s["start"] + s["end"]) / 2 < u["end"]

    differences = []
    for u in utterances:
        live = transcript([s for s in segments if inside(u, s)])
        errors, length = word_errors(u["text"], live)
        if errors:
            differences.append({**u, "websocket_text": live, "word_differences": errors, "words": length})
    for s in segments:
        if not any(inside(u, s) for u in utterances):
            differences.append({"start": s["start"], "end": s["end"], "text": "", "websocket_text": s["text"]})
    return differences
