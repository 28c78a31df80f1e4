"""Note quality through the audio paths: the scripted sessions rendered with espeak-ng (clinician and
patient voices) as mono, stereo, and stereo with crosstalk (each microphone hears the other speaker
at -18 dB), taken through the recording pipeline (``apps.notes.recording``: transcription, the
hallucination filter, attribution by channel or voice) and scored like the text paths
(``ml.evaluate_notes``). Also printed: how many scripted patient turns reach the transcript (silence
filtering must not remove speech), what the filter set aside, and attribution accuracy per word.

    python -m benchmarks.notes_quality [DIR] [--paths mono,stereo,crosstalk] [--only NAME] [--json]
        [--model tiny|auto|MODEL] [--beam N] [--vocabulary session|none|TERMS] [--recheck] [--dump FOLDER]
    python -m benchmarks.notes_quality [DIR] --rescore FOLDER [--json] [--errors]

``--rescore`` scores the transcripts a ``--dump`` run wrote again, with the drafting and risk screen as
they are now: a drafting change is measured on the audio paths in seconds, without transcribing again.

``--vocabulary session`` gives the decoder ``ml.transcription.session_vocabulary`` (clinical terms) as
hotwords, as a trial: it is not the app's default (measured: it moved tiny.en's errors around rather than
removing them; README "Session-note transcriber").

``--recheck`` turns on the transcriber's second pass over stretches heard with little confidence
(``Transcriber.transcribe(recheck_unsure=True)``), as a trial; the timing then also gives the seconds that
pass took, and ``recheck_time_ratio``: the run's processing time over the same time without that pass,
measured in the same run.

``--model`` picks the session-note transcriber as the app does (``ml.transcription.session_note_config``,
the ``NOTES_WHISPER_MODEL`` setting): ``tiny`` (the default, as in the app) is the packaged tiny.en, ``auto``
the multilingual base decoding English when the ``multilingual`` extra is installed.

Rendered audio is cached in var/notes_eval_audio/ (git-ignored); nothing large is committed.
Needs espeak-ng (a Debian package), like tests/fixtures/make_audio.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import time
import wave
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml.evaluate import words  # noqa: E402
from ml.evaluate_notes import SessionScore, emit, load_sessions, print_report, report, score_note  # noqa: E402

CACHE = ROOT / "var" / "notes_eval_audio"
RATE = 16000
VOICES = {"clinician": "en-us", "patient": "en-us+f3"}
GAP_S = 0.5
CROSSTALK_DB = -18.0


def _speak(voice: str, text: str) -> np.ndarray:
    """16 kHz mono float32 for one line, cached by content."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"{voice}|{text}".encode()).hexdigest()[:20]
    path = CACHE / f"{key}.wav"
    if not path.exists():
        raw = path.with_suffix(".raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(raw), text], check=True)  # noqa: S603,S607
        path.write_bytes(wav_bytes([_resampled(raw)]))
        raw.unlink()
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def _resampled(path: Path) -> np.ndarray:
    """espeak-ng's 22.05 kHz output as 16 kHz mono float32 (PyAV, no sox needed)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            parts += [r.to_ndarray().reshape(-1) for r in resampler.resample(frame)]
    parts += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
    return np.concatenate(parts).astype(np.float32)


def render(session: dict) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """(clinician track, patient track, reference turns with times): one track per speaker, the other
    silent while someone else talks."""
    pieces = [(t["speaker"], _speak(VOICES[t["speaker"]], t["text"])) for t in session["turns"]]
    total = sum(len(p) for _, p in pieces) + int(GAP_S * RATE) * (len(pieces) + 1)
    tracks = {"clinician": np.zeros(total, np.float32), "patient": np.zeros(total, np.float32)}
    reference, cursor = [], int(GAP_S * RATE)
    for (speaker, samples), turn in zip(pieces, session["turns"], strict=True):
        tracks[speaker][cursor : cursor + len(samples)] = samples
        reference.append(
            {"speaker": speaker, "start": cursor / RATE, "end": (cursor + len(samples)) / RATE, "text": turn["text"]}
        )
        cursor += len(samples) + int(GAP_S * RATE)
    return tracks["clinician"], tracks["patient"], reference


def wav_bytes(channels: list[np.ndarray]) -> bytes:
    data = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(data, -1, 1) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


def mixes(clinician: np.ndarray, patient: np.ndarray) -> dict[str, bytes]:
    leak = 10 ** (CROSSTALK_DB / 20)
    return {
        "mono": wav_bytes([clinician + patient]),
        "stereo": wav_bytes([clinician, patient]),
        "crosstalk": wav_bytes([clinician + leak * patient, patient + leak * clinician]),
    }


def patient_turns_heard(reference: list[dict], utterances: list[dict]) -> tuple[int, int, int]:
    """Scripted patient turns whose words mostly (>= 60%) reach the transcript near their time, whoever
    the words are attributed to: silence filtering must not remove the patient's speech. Also counted:
    turns with no transcript text near them at all (speech lost before the risk screen, as opposed to
    speech the transcriber misheard). Returns (heard, silent, total)."""
    missed = patient_turns_not_heard(reference, utterances)
    total = sum(turn["speaker"] == "patient" for turn in reference)
    return total - len(missed), sum(not m["transcribed"] for m in missed), total


def patient_turns_not_heard(reference: list[dict], utterances: list[dict]) -> list[dict]:
    """The patient turns ``patient_turns_heard`` does not count as heard, each with the transcript text
    near it: empty ``transcribed`` is speech lost before the risk screen, anything else is speech the
    transcriber misheard (read it to tell which)."""
    missed = []
    for turn in reference:
        if turn["speaker"] != "patient":
            continue
        near = " ".join(
            u["text"]
            for u in utterances
            if u["start"] is not None and u["start"] < turn["end"] + 1.0 and u["end"] > turn["start"] - 1.0
        )
        expected, got = words(turn["text"]), set(words(near))
        found = sum(w in got for w in expected)
        if found < 0.6 * len(expected):
            missed.append(
                {
                    "start": round(turn["start"], 2),
                    "end": round(turn["end"], 2),
                    "said": turn["text"],
                    "transcribed": near,
                    "words_found": f"{found}/{len(expected)}",
                }
            )
    return missed


def attribution_per_word(utterances: list[dict], reference: list[dict]) -> float:
    """Share of transcribed words given to the speaker talking at the word's time, each word at its own
    timing from the transcriber (``ml.speakers.utterance_words``)."""
    from ml.speakers import utterance_words, word_attribution_accuracy

    return word_attribution_accuracy(utterance_words(utterances), reference)


def transcriber_for(model: str, beam_size: int):
    from ml.transcription import TranscriberConfig, get_transcriber, session_note_config

    base = TranscriberConfig(cache_dir=str(ROOT / "var" / "models"))
    return get_transcriber(session_note_config(base, "" if model == "tiny" else model, beam_size))


def run(
    directory: Path,
    paths: list[str],
    only: str | None,
    dump: Path | None = None,
    model: str = "tiny",
    beam_size: int = 5,
    vocabulary: str | None = None,
    recheck: bool = False,
) -> tuple[dict, dict]:
    from apps.notes.recording import transcribe_recording
    from ml.analysis import get_analyzer

    analyzer, transcriber = get_analyzer(), transcriber_for(model, beam_size)
    scores: dict[str, list[SessionScore]] = {p: [] for p in paths}
    timing = {
        "audio_seconds": 0.0,
        "processing_seconds": 0.0,
        "model_id": transcriber.model_id,
        "beam_size": transcriber.config.beam_size,
        "vocabulary": vocabulary or "",
        "recheck_unsure": recheck,
    }
    if recheck:
        _time_recheck(transcriber, timing)
    for name, session in load_sessions(directory):
        if only and name != only:
            continue
        clinician, patient, reference = render(session)
        rendered = mixes(clinician, patient)
        for path in paths:
            began = time.perf_counter()
            result = transcribe_recording(rendered[path], transcriber, 2, vocabulary=vocabulary, recheck_unsure=recheck)
            timing["processing_seconds"] += time.perf_counter() - began
            timing["audio_seconds"] += result.seconds
            transcript = {
                "utterances": result.utterances,
                "dropped": result.dropped,
                "reference": reference,
                "method": result.method,
            }
            if dump is not None:
                dump.mkdir(parents=True, exist_ok=True)
                (dump / f"{name}.{path}.json").write_text(json.dumps(transcript))
            scores[path].append(_scored(name, path, session, transcript, analyzer))
    if recheck:
        without = timing["processing_seconds"] - timing["recheck_seconds"]
        timing["recheck_time_ratio"] = round(timing["processing_seconds"] / max(1e-9, without), 3)
    return _report(scores), timing


def _time_recheck(transcriber, timing: dict) -> None:
    """Adds up, in ``timing["recheck_seconds"]``, the time ``transcriber`` spends in its second pass (the
    only part of the run the option adds), so the run gives its own baseline."""
    timing["recheck_seconds"] = 0.0
    timing["stretches_decoded_again"] = 0
    timing["stretches_replaced"] = 0
    second_pass = transcriber._recheck_unsure

    def timed(*args, **kwargs):
        began = time.perf_counter()
        segments, report = second_pass(*args, **kwargs)
        timing["recheck_seconds"] += time.perf_counter() - began
        timing["stretches_decoded_again"] += len(report)
        timing["stretches_replaced"] += sum(kept for *_, kept in report)
        return segments, report

    transcriber._recheck_unsure = timed


def _scored(name: str, path: str, session: dict, transcript: dict, analyzer) -> SessionScore:
    """One session's note scored from its transcript (the pipeline's utterances, what was dropped, the
    reference turns), with the transcript's own figures alongside."""
    utterances, dropped, reference = transcript["utterances"], transcript["dropped"], transcript["reference"]
    # Channel labels are confirmed speakers; a dump written before "method" was stored names the path.
    confirmed = transcript.get("method", "stereo_channels" if path != "mono" else "voice") == "stereo_channels"
    score = score_note(name, path, session, utterances, analyzer, speakers_confirmed=confirmed)
    heard, silent, total = patient_turns_heard(reference, utterances)
    score.extra = {
        "patient_turns_heard": f"{heard}/{total}",
        "patient_turns_with_no_text": silent,
        "patient_turns_not_heard": patient_turns_not_heard(reference, utterances),
        "dropped_by_filter": sum(d["reason"] != "crosstalk" for d in dropped),
        "crosstalk_runs_removed": sum(d["reason"] == "crosstalk" for d in dropped),
        "ambiguous_utterances": sum("crosstalk" in u for u in utterances),
        "attribution_per_word": round(attribution_per_word(utterances, reference), 3),
    }
    return score


def rescore(directory: Path, dumps: Path, paths: list[str], only: str | None) -> dict:
    """The transcripts an earlier run wrote with ``--dump``, scored again with today's drafting and risk
    screen: a drafting change measured on the audio paths without transcribing again."""
    from ml.analysis import get_analyzer

    analyzer = get_analyzer()
    scores: dict[str, list[SessionScore]] = {p: [] for p in paths}
    for name, session in load_sessions(directory):
        if only and name != only:
            continue
        for path in paths:
            dumped = dumps / f"{name}.{path}.json"
            if dumped.exists():
                scores[path].append(_scored(name, path, session, json.loads(dumped.read_text()), analyzer))
    return _report(scores)


def _report(scores: dict[str, list[SessionScore]]) -> dict:
    result = report(scores)
    for path, items in scores.items():
        if not items:
            continue
        heard = [tuple(map(int, s.extra["patient_turns_heard"].split("/"))) for s in items]
        result["paths"][path]["patient_turns_heard"] = f"{sum(h for h, _ in heard)}/{sum(t for _, t in heard)}"
        counts = ("patient_turns_with_no_text", "dropped_by_filter", "crosstalk_runs_removed", "ambiguous_utterances")
        for key in counts:
            result["paths"][path][key] = sum(s.extra[key] for s in items)
        result["paths"][path]["attribution_per_word"] = round(
            float(np.mean([s.extra["attribution_per_word"] for s in items])), 3
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "tests" / "fixtures" / "notes_eval" / "dev"))
    parser.add_argument("--paths", default="mono,stereo,crosstalk")
    parser.add_argument("--only", help="one session (file stem)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--errors", action="store_true", help="per-session misses and leaks")
    parser.add_argument("--dump", help="write each session's utterances (PHI-free fixtures) to this folder")
    parser.add_argument(
        "--rescore", help="score the transcripts an earlier --dump wrote to this folder again (no transcription)"
    )
    parser.add_argument("--model", default="tiny", help="tiny (the default, as in the app), auto, or a model")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument(
        "--vocabulary",
        default="none",
        help="none (the default, as in the app), session (ml.transcription.session_vocabulary as hotwords), "
        "or the hotwords themselves",
    )
    parser.add_argument(
        "--recheck", action="store_true", help="the transcriber's second pass over stretches heard unsurely"
    )
    args = parser.parse_args(argv)
    from ml.transcription import session_vocabulary

    vocabulary = {"session": session_vocabulary(), "none": None}.get(args.vocabulary, args.vocabulary)
    if args.rescore:
        rescored = rescore(Path(args.directory), Path(args.rescore), args.paths.split(","), args.only)
        emit(rescored, as_json=args.json, errors=args.errors)
        return 0
    result, timing = run(
        Path(args.directory),
        args.paths.split(","),
        args.only,
        Path(args.dump) if args.dump else None,
        model=args.model,
        beam_size=args.beam,
        vocabulary=vocabulary,
        recheck=args.recheck,
    )
    if args.json:
        print(json.dumps({**(result if args.errors else {"paths": result["paths"]}), "timing": timing}))
        return 0
    print_report(result)
    for path, s in result["paths"].items():
        print(
            f"{path:<11}patient turns heard {s.get('patient_turns_heard')}  "
            f"with no text at all {s.get('patient_turns_with_no_text')}  "
            f"dropped by filter {s.get('dropped_by_filter')}"
        )
    ratio = timing["processing_seconds"] / max(1e-9, timing["audio_seconds"])
    print(f"processing / audio length: {ratio:.3f} ({timing['model_id']}, beam {timing['beam_size']})")
    if args.recheck:
        print(
            f"second pass: {timing['stretches_replaced']}/{timing['stretches_decoded_again']} stretches replaced, "
            f"processing time x{timing['recheck_time_ratio']:.3f} of the same run without it"
        )
    if args.errors:
        print(json.dumps(result["details"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
