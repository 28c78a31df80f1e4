"""A live session over a real websocket, at real-time pace, against a running stack.

    .venv/bin/python -m benchmarks.live_session FILE.wav [--reference FILE.txt] [--json] [--url URL]
    .venv/bin/python -m benchmarks.live_session --librivox [N] [--pace X] [--no-offline] [--save-input PREFIX]
    .venv/bin/python -m benchmarks.live_session --librivox [N] --replay | --replay-only [--dump FILE]

Without ``--url`` it starts the stack itself (``manage.py runstack`` on a free port with the demo data,
like the browser tests); with ``--url`` it uses that stack's demo accounts (``clinician@demo``,
``patient@demo``). It opens a session for the demo patient (granting session-recording consent as the
patient if needed), streams FILE (mono, or stereo with the clinician left; any rate, resampled to
16 kHz) in 100 ms frames at real-time pace, and prints:

- commit latency: stream time an utterance's ``segment`` events arrived minus the end of its audio
  (segments arriving together are one utterance) (p50, p95);
- WER of the live transcript against ``--reference`` (``ml.evaluate.word_error_rate``);
- ``/health/live`` p95 while streaming against idle (polled every 200 ms by this process);
- stop → ``done`` (the live draft ready), and stop → the offline pass done (the refined draft), with
  that pass's WER beside the live one.

``--librivox N`` streams real speech instead of FILE: the five LibriVox clips of Debian
``pocketsphinx-testdata`` (one reader), each followed by 0.5 s of silence, N times over, with their
transcripts as the reference (N = 4: 109 s; N = 110: 50 minutes). ``--save-input PREFIX`` also writes
it as PREFIX.wav and PREFIX.txt. ``--pace X`` sends X seconds of audio per second (the output says so):
commit latency means nothing then and is not reported, and ``stop`` is sent only once the server has
processed all the audio (its ``progress`` events), so stop → draft is what a session streamed in real
time would see, without streaming 50 minutes. ``--no-offline`` does not wait for the offline pass.

``--replay`` then feeds the same audio, in the same 100 ms frames, to the live policy in process
(``benchmarks.live_replay``: no websocket, no pacing) and adds its WER and the utterances whose words
differ from the websocket's; ``--replay-only`` runs that alone; ``--dump FILE`` writes the segments
(and the replay's cuts) as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import urllib.request
from pathlib import Path

import av
import numpy as np

from benchmarks import live_replay

FRAME_S = 0.1
RATE = 16000


def read_audio(path: Path) -> tuple[bytes, int]:
    """16-bit little-endian PCM at 16 kHz (interleaved if stereo) and the channel count."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = 2 if stream.channels >= 2 else 1
        resampler = av.AudioResampler(format="s16", layout="stereo" if channels == 2 else "mono", rate=RATE)
        parts = [r.to_ndarray().reshape(-1) for f in container.decode(stream) for r in resampler.resample(f)]
        parts += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
    return np.concatenate(parts).astype("<i2").tobytes(), channels


def librivox_recording(repeat: int, gap_s: float = 0.5) -> tuple[bytes, str]:
    """The LibriVox clips (each then ``gap_s`` of silence) ``repeat`` times, as 16 kHz mono PCM, and the
    reference transcript."""
    import wave

    from tests.fixtures.real_voices import LIBRIVOX_MISSING, librivox_clips

    clips = librivox_clips()
    if clips is None:
        raise SystemExit(LIBRIVOX_MISSING)
    gap = bytes(2 * int(gap_s * RATE))
    pcm, text = [], []
    for path, reference in clips:
        with wave.open(str(path)) as clip:
            assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) == (RATE, 1, 2), path
            pcm.append(clip.readframes(clip.getnframes()) + gap)
        text.append(reference)
    return b"".join(pcm) * repeat, " ".join(text * repeat)


def save_input(prefix: Path, pcm: bytes, reference: str) -> None:
    import wave

    with wave.open(str(prefix.with_suffix(".wav")), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(RATE)
        out.writeframes(pcm)
    prefix.with_suffix(".txt").write_text(reference + "\n")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)


def health_ms(base: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(base + "/health/live", timeout=10) as response:  # noqa: S310 - our own stack
        response.read()
    return (time.perf_counter() - started) * 1000


async def poll_health(base: str, stop: asyncio.Event, out: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        out.append(await loop.run_in_executor(None, health_ms, base))
        await asyncio.sleep(0.2)


def utterance_latencies(arrivals: list[tuple[float, float]], burst_s: float = 0.05) -> list[float]:
    """One utterance's segments arrive together (one decode): its latency is from the end of its audio
    (the last segment's end) to its arrival."""
    groups: list[list[tuple[float, float]]] = []
    for arrival in arrivals:
        if groups and arrival[0] - groups[-1][-1][0] <= burst_s:
            groups[-1].append(arrival)
        else:
            groups.append([arrival])
    return [g[-1][0] - max(end for _, end in g) for g in groups]


def open_session(stack) -> str:
    from tests.browser.conftest import DEMO_PATIENT_ID

    _, states = stack.api("GET", "/api/v1/me/consents/", as_user="patient@demo")
    recording = next((s for s in states if s["kind"] == "session_recording"), None)
    if not (recording and recording["granted"]):
        version = (recording or {}).get("latest_version") or 1
        body = {"kind": "session_recording", "version": version, "decision": "accepted"}
        status, answer = stack.api("POST", "/api/v1/me/consents/", body, as_user="patient@demo")
        assert status == 201, answer
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status, body = stack.api(
        "POST",
        f"/api/v1/patients/{DEMO_PATIENT_ID}/sessions/",
        {"started_at": started, "modality": "in_person"},
        as_user="clinician@demo",
    )
    assert status == 201, body
    return body["id"]


async def stream(stack, session_id: str, pcm: bytes, channels: int, pace: float = 1.0) -> dict:
    import websockets

    ws_url = stack.base_url.replace("http", "ws", 1) + f"/ws/sessions/{session_id}/live/"
    token = stack.token("clinician@demo")
    idle: list[float] = []
    for _ in range(30):
        idle.append(health_ms(stack.base_url))
        await asyncio.sleep(0.2)
    during: list[float] = []
    arrivals: list[tuple[float, float]] = []  # (stream time it arrived, its end in the audio)
    segments: list[dict] = []
    stop_polling = asyncio.Event()
    async with websockets.connect(ws_url, subprotocols=["interlude.v1", f"bearer.{token}"], max_size=None) as ws:
        await ws.send(json.dumps({"type": "start", "channels": channels}))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        poller = asyncio.ensure_future(poll_health(stack.base_url, stop_polling, during))
        step = int(FRAME_S * RATE) * 2 * channels
        t0 = time.perf_counter()
        done_event: dict = {}
        stop_sent = 0.0
        processed = [0.0]  # the latest progress event's received_s: audio the server has worked through

        async def receive() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "segment":
                    segments.append(message)
                    arrivals.append((time.perf_counter() - t0, message["end"]))
                elif message["type"] == "progress":
                    processed[0] = message["received_s"]
                elif message["type"] == "done":
                    done_event.update(message, stop_to_done_s=round(time.perf_counter() - stop_sent, 2))
                    done_event["stopped_at"] = stop_sent
                    return
                elif message["type"] == "error":
                    raise RuntimeError(message)

        receiver = asyncio.ensure_future(receive())
        seconds = len(pcm) / (2 * channels * RATE)
        for i, offset in enumerate(range(0, len(pcm), step)):
            await asyncio.sleep(max(0.0, t0 + i * FRAME_S / pace - time.perf_counter()))
            await ws.send(pcm[offset : offset + step])
        await asyncio.sleep(max(0.0, t0 + seconds / pace - time.perf_counter()))
        sent_all = time.perf_counter()
        if pace != 1.0:  # faster than real time: let the server work through its backlog before stop
            while processed[0] < seconds - 1.5 and not receiver.done():
                await asyncio.sleep(0.2)
        caught_up_s = round(time.perf_counter() - sent_all, 1)
        backlog_s = round(max(0.0, seconds - processed[0]), 1)  # audio the server had not worked through
        stop_polling.set()
        await poller
        stop_sent = time.perf_counter()
        await ws.send(json.dumps({"type": "stop"}))
        await asyncio.wait_for(receiver, timeout=600)
    latencies = utterance_latencies(arrivals)
    return {
        "segments": segments,
        "latencies": latencies,
        "idle": idle,
        "during": during,
        "done": done_event,
        "caught_up_s": caught_up_s,
        "backlog_s": backlog_s,
    }


def offline_pass(stack, session_id: str, input_id: str, stopped_at: float) -> tuple[str | None, float | None]:
    """Wait for the offline pass (the stack's worker) and return its transcript and stop → refined draft."""
    from tests.browser.conftest import DEMO_PATIENT_ID

    base = f"/api/v1/patients/{DEMO_PATIENT_ID}/sessions/{session_id}/inputs/{input_id}/"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        _, body = stack.api("GET", base, as_user="clinician@demo")
        if body.get("status") in ("done", "failed"):
            elapsed = round(time.perf_counter() - stopped_at, 1)
            _, utterances = stack.api("GET", base + "transcript/", as_user="clinician@demo")
            rows = utterances if isinstance(utterances, list) else utterances.get("results", [])
            return " ".join(u["text"] for u in rows), elapsed
        time.sleep(1)
    return None, None


def start_own_stack():
    from benchmarks.web_alerts import start_stack

    return start_stack(None)


def attach(url: str):
    from tests.browser.conftest import LiveStack

    return LiveStack(url.rstrip("/"), Path("."), dict(os.environ), None, Path("/dev/null"))


# A synthetic session for ``--replay-draft``: every line different, so nothing is analysed for free.
EVENTS = (
    "work kept me late",
    "my sister called about the money",
    "the train was cancelled again",
    "I argued with my partner",
    "my manager questioned my report",
    "I could not get out of bed",
    "I skipped lunch and dinner",
    "the neighbours were loud all night",
)
WHEN = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "at the weekend", "last night")
FEELINGS = ("anxious", "low", "angry", "hopeless", "exhausted", "ashamed", "tense", "numb")
AFTER = ("and I hardly slept", "and I cried in the car", "so I stayed home", "and I could not focus")
ASK = ("What went through your mind when", "How did your body react when", "What did you do after")


def synthetic_session(seconds: float) -> list[dict]:
    """Clinician and patient turns (2.5 words a second, 0.5 s gaps) until ``seconds``; every ninth
    patient sentence is cut in two by the transcriber, every 25th turn discloses risk."""
    rows: list[dict] = []
    t, i = 0.0, 0

    def add(speaker: str, text: str) -> None:
        nonlocal t
        end = t + len(text.split()) / 2.5
        rows.append({"index": len(rows), "speaker": speaker, "text": text, "start": round(t, 2), "end": round(end, 2)})
        t = end + 0.5

    while t < seconds:
        event, when = EVENTS[i % 8], WHEN[(i // 8) % 7]
        feeling, after = FEELINGS[(i // 56) % 8], AFTER[(i // 448) % 4]
        add("clinician", f"{ASK[i % 3]} {event} {when}?")
        if i % 25 == 24:
            add("patient", f"Honestly, {when} I thought everyone would be better off without me.")
        elif i % 9 == 8:
            add("patient", f"{event[0].upper()}{event[1:]} {when}")
            add("patient", f"and I felt {feeling} {after}.")
        else:
            add("patient", f"{event[0].upper()}{event[1:]} {when}, and I felt {feeling} {after}.")
        i += 1
    return rows


def replay_draft(minutes: float, compare: bool) -> dict:
    """In process, no audio: a mono live session of ``minutes`` replayed through the live consumer's
    warming (``apps.notes.live_memo``: each commit, each ten-minute chunk once attributed, with the
    script's speakers standing in for the voice clustering), then the draft at stop
    (``ml.notes.draft_note`` as ``note_draft_generate`` calls it) timed with the memo and, with
    ``compare``, without it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from apps.notes import live_memo
    from apps.notes.services.live import ATTRIBUTION_CHUNK_S
    from ml import notes as drafting
    from ml.analysis import AnalysisMemo, get_analyzer

    load = [round(x, 2) for x in os.getloadavg()]
    rows = synthetic_session(minutes * 60)
    analyzer = get_analyzer()
    memo = AnalysisMemo(analyzer, max_entries=live_memo.MAX_TEXTS)
    committed = [{**r, "speaker": "speaker_1"} for r in rows]
    started, chunk_end = time.perf_counter(), ATTRIBUTION_CHUNK_S
    for n, row in enumerate(rows):
        while row["start"] >= chunk_end:  # the chunk is attributed once an utterance after it commits
            live_memo.warm_chunk(memo, [r for r in rows if chunk_end - ATTRIBUTION_CHUNK_S <= r["start"] < chunk_end])
            chunk_end += ATTRIBUTION_CHUNK_S
        live_memo.warm_commit(memo, committed[: n + 1])
    warm_s = time.perf_counter() - started
    utterances = [drafting.Utterance(r["index"], r["speaker"], r["text"], r["start"], r["end"]) for r in rows]

    def draft(source) -> tuple[drafting.Draft, float]:
        began = time.perf_counter()
        out = drafting.draft_note(
            drafting.load_template("soap"),
            utterances,
            analysis=source.analyse,
            versions=source.versions,
            speakers_confirmed=False,
            risk=source.risk.assess,
        )
        return out, round(time.perf_counter() - began, 2)

    misses = memo.misses
    memoised, stop_s = draft(memo)
    result = {
        "mode": "in-process replay (no audio, no database): live warming, then the draft at stop",
        "speech_minutes": round(rows[-1]["end"] / 60, 1),
        "utterances": len(rows),
        "warming_during_session_s": round(warm_s, 1),
        "texts_warmed": len(memo),
        "draft_at_stop_with_memo_s": stop_s,
        "texts_analysed_at_stop": memo.misses - misses,
        "load_average_before": load,
    }
    if compare:
        plain, result["draft_at_stop_without_memo_s"] = draft(analyzer)
        result["identical"] = plain == memoised
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def replay_result(pcm: bytes, channels: int, reference: str | None, websocket: list[dict] | None, dump) -> dict:
    """The in-process replay's WER and, beside a websocket run, the utterances whose words differ."""
    load = [round(x, 2) for x in os.getloadavg()]
    run = live_replay.replay(pcm, channels)
    out: dict = {"mode": "in process: LiveStream fed the same 100 ms frames, no websocket, no pacing"}
    if reference:
        from ml.evaluate import word_error_rate

        out["wer"] = round(word_error_rate(reference, live_replay.transcript(run["segments"])), 4)
    out["segments"], out["utterances"], out["wall_s"] = len(run["segments"]), len(run["utterances"]), run["wall_s"]
    if websocket is not None:
        out["differences"] = live_replay.compare(run["utterances"], websocket)
    out["load_average"] = [load, [round(x, 2) for x in os.getloadavg()]]
    if dump:
        dump.write_text(json.dumps({"replay": run, "websocket": websocket}, indent=1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wav", type=Path, nargs="?")
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument(
        "--librivox",
        type=int,
        nargs="?",
        const=4,
        default=0,
        metavar="N",
        help="stream the LibriVox clips N times (4: 109 s)",
    )
    parser.add_argument(
        "--save-input", type=Path, default=None, metavar="PREFIX", help="write the --librivox input as PREFIX.wav/.txt"
    )
    parser.add_argument("--pace", type=float, default=1.0, help="seconds of audio sent per second (1: real time)")
    parser.add_argument("--no-offline", action="store_true", help="do not wait for the offline pass")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--url", default=None, help="a running stack with the demo data (else one is started)")
    parser.add_argument(
        "--replay-draft", type=float, default=0, metavar="MINUTES", help="in process: warming, then the draft at stop"
    )
    parser.add_argument("--compare", action="store_true", help="with --replay-draft: also draft without the memo")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="also replay the same audio through the live policy in process and compare, utterance by utterance",
    )
    parser.add_argument("--replay-only", action="store_true", help="the in-process replay alone (no stack)")
    parser.add_argument("--dump", type=Path, default=None, metavar="FILE", help="write both runs' segments as JSON")
    args = parser.parse_args()
    if args.replay_draft:
        print(json.dumps(replay_draft(args.replay_draft, args.compare), indent=None if args.json else 1))
        return
    reference = args.reference.read_text() if args.reference else None
    if args.librivox:
        (pcm, reference), channels = librivox_recording(args.librivox), 1
        if args.save_input:
            save_input(args.save_input, pcm, reference)
    elif args.wav:
        pcm, channels = read_audio(args.wav)
    else:
        parser.error("give FILE.wav or --librivox")
    if args.replay_only:
        print(json.dumps(replay_result(pcm, channels, reference, None, args.dump), indent=None if args.json else 1))
        return
    stack = attach(args.url) if args.url else start_own_stack()
    try:
        session_id = open_session(stack)
        run = asyncio.run(stream(stack, session_id, pcm, channels, args.pace))
        offline_text, offline_s = (
            (None, None)
            if args.no_offline
            else offline_pass(stack, session_id, run["done"]["input_id"], run["done"]["stopped_at"])
        )
    finally:
        if not args.url:
            from benchmarks.web_alerts import demo_stack_stop

            demo_stack_stop(stack)
    hypothesis = live_replay.transcript(run["segments"])
    wer = offline_wer = None
    if reference:
        from ml.evaluate import word_error_rate

        wer = round(word_error_rate(reference, hypothesis), 4)
        if offline_text is not None:
            offline_wer = round(word_error_rate(reference, offline_text), 4)
    result = {
        "audio_seconds": round(len(pcm) / (2 * channels * RATE), 1),
        "channels": channels,
        "segments": len(run["segments"]),
        "pace": f"{args.pace:g}x real time"
        + (
            ""
            if args.pace == 1
            else f" (stop sent {run['caught_up_s']} s after the last frame, once the server had caught up)"
        ),
        "commit_latency_s": (
            {
                "p50": pct(run["latencies"], 0.5),
                "p95": pct(run["latencies"], 0.95),
                "max": round(max(run["latencies"], default=0.0), 2),
            }
            if args.pace == 1
            else "not measured (faster than real time)"
        ),
        "wer": wer,
        "offline_wer": offline_wer,
        "health_live_ms": {
            "idle_p95": pct(run["idle"], 0.95),
            "during_p95": pct(run["during"], 0.95),
            "idle_median": round(statistics.median(run["idle"]), 1),
        },
        # At stop, audio sent but not yet worked through by the server (it cannot keep up when > ~1 s):
        # stop → draft then includes decoding it.
        "backlog_at_stop_s": run["backlog_s"],
        "stop_to_draft_s": run["done"].get("stop_to_done_s"),
        "stop_to_refined_draft_s": offline_s,
        "draft_id": run["done"].get("draft_id"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.replay:
        result["replay"] = replay_result(pcm, channels, reference, run["segments"], args.dump)
    elif args.dump:
        args.dump.write_text(json.dumps({"websocket": run["segments"]}, indent=1))
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
