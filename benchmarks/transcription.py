"""Transcription: raw faster-whisper against the project's whole path, on the test clips.

    .venv/bin/python -m benchmarks.transcription [--repeats 3] [--device cuda --compute-type float16] [--model PATH]

For each clip: (a) raw faster-whisper with the model already loaded (transcribe + consume segments,
same settings as the worker), and (b) the full path: multipart upload through the API (probe,
encrypt, store, commit) then the job (decrypt, transcribe, filter, save, apply retention), run by
the Celery task in this process, which plays the worker. Prints the ratio (target <= 1.15), the
real-time factor and this worker process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import uuid
from pathlib import Path

from benchmarks import _scratch

CLIPS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio"
NAMES = ["work.wav", "walk.wav", "manager.wav", "work.m4a", "work.webm", "work.ogg", "work.mp3"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--model", default="")
    args = parser.parse_args()
    world = _scratch.setup(
        None,
        WHISPER_DEVICE=args.device,
        WHISPER_COMPUTE_TYPE=args.compute_type,
        WHISPER_MODEL=args.model,
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    from django.test import Client
    from django.utils import timezone

    from apps.core.audio import transcriber_config
    from apps.journals.models import JournalEntry
    from ml.evaluate import word_errors
    from ml.transcription import get_transcriber

    scripts = json.loads((CLIPS / "scripts.json").read_text())
    config = transcriber_config()
    started = time.perf_counter()
    transcriber = get_transcriber(config)
    load_s = time.perf_counter() - started
    model = transcriber._model  # the same loaded WhisperModel the job uses
    language = "en" if not model.model.is_multilingual else config.language
    client = Client(HTTP_AUTHORIZATION=_scratch.bearer(world.patient_user))

    def raw(path: Path) -> float:
        t0 = time.perf_counter()
        segments, _ = model.transcribe(
            str(path), beam_size=config.beam_size, language=language, vad_filter=True, condition_on_previous_text=False
        )
        list(segments)
        return time.perf_counter() - t0

    def full(path: Path) -> tuple[float, JournalEntry]:
        entry_id = str(uuid.uuid4())
        t0 = time.perf_counter()
        with path.open("rb") as handle:
            response = client.post(
                "/api/v1/me/journals/",
                {"id": entry_id, "occurred_at": timezone.now().isoformat(), "timezone": "UTC", "audio": handle},
            )
        elapsed = time.perf_counter() - t0
        assert response.status_code == 202, response.content[:300]
        return elapsed, JournalEntry.objects.get(pk=entry_id)

    raw(CLIPS / NAMES[0])  # warm-up
    full(CLIPS / NAMES[0])
    rows, total_raw, total_full, total_audio, errors, words = [], 0.0, 0.0, 0.0, 0, 0
    for name in NAMES:
        path = CLIPS / name
        raw_times = [raw(path) for _ in range(args.repeats)]
        full_runs = [full(path) for _ in range(args.repeats)]
        entry = full_runs[-1][1]
        assert entry.status == "done", (name, entry.status, entry.error)
        r, f = statistics.median(raw_times), statistics.median(t for t, _ in full_runs)
        e, n = word_errors(scripts[name.split(".")[0]], entry.text)
        errors, words = errors + e, words + n
        total_raw, total_full, total_audio = total_raw + r, total_full + f, total_audio + entry.audio_seconds
        rows.append((name, entry.audio_seconds, r, f, f / r, e / n))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Transcription benchmark: model {transcriber.model_id} ({transcriber.model_version}), "
        f"device {args.device}, compute {args.compute_type}, beam {config.beam_size}; "
        f"median of {args.repeats} runs; model load {load_s:.2f} s"
    )
    print(f"{'clip':<14}{'audio s':>8}{'raw s':>8}{'full s':>8}{'full/raw':>10}{'WER':>7}")
    for name, seconds, r, f, ratio, wer in rows:
        print(f"{name:<14}{seconds:>8.2f}{r:>8.3f}{f:>8.3f}{ratio:>10.3f}{wer:>7.1%}")
    ratio = total_full / total_raw
    print(
        f"total: raw {total_raw:.2f} s, full path {total_full:.2f} s, ratio {ratio:.3f} (target <= 1.15) -> "
        f"{'PASS' if ratio <= 1.15 else 'MISS'}"
    )
    print(
        f"real-time factor: raw {total_raw / total_audio:.3f}, full path {total_full / total_audio:.3f}; "
        f"WER over all clips {errors / words:.1%}; worker peak RSS {peak_mb:.0f} MiB"
    )


if __name__ == "__main__":
    main()
