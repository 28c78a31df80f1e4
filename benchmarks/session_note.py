"""A long session through the note pipeline against raw faster-whisper on the same audio, same run.

    .venv/bin/python -m benchmarks.session_note [--minutes 50]

Builds a session recording of the requested length by repeating the two-voice dialogue fixture (with
pauses), then times (a) raw faster-whisper with the model already loaded and (b) the full path: upload
(probe, encrypt, store) and the job (decrypt, transcribe, attribute speakers by voice, analytics,
evidence-linked draft). Prints time to draft as a fraction of the audio (target <= 0.2), the ratio to
raw transcription, and the peak memory of this process (which plays the worker).
"""

from __future__ import annotations

import argparse
import io
import resource
import time
from pathlib import Path

import av
import numpy as np

from benchmarks import _scratch

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio" / "dialogue.m4a"


def long_recording(minutes: float) -> bytes:
    from faster_whisper.audio import decode_audio

    clip = decode_audio(str(FIXTURE), sampling_rate=16000)
    pause = np.zeros(16000 * 2, dtype=np.float32)
    unit = np.concatenate([clip, pause])
    repeats = int(np.ceil(minutes * 60 * 16000 / len(unit)))
    audio = np.tile(unit, repeats)[: int(minutes * 60 * 16000)]
    out = io.BytesIO()
    with av.open(out, "w", format="ipod") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray((audio * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 16000
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=16000)
        for f in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(f):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=50)
    args = parser.parse_args()
    world = _scratch.setup(None, CELERY_TASK_ALWAYS_EAGER="true")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from apps.accounts.services.consent import consent_decide
    from apps.core.audio import transcriber_config
    from apps.notes.models import Note, SessionInput
    from apps.notes.processing import session_input_process
    from apps.notes.services.sessions import clinical_session_create, session_input_add_audio
    from ml.analysis import get_analyzer
    from ml.transcription import get_transcriber

    consent_decide(
        actor=world.patient_user, patient=world.patient, kind="session_recording", version=1, decision="accepted"
    )
    data = long_recording(args.minutes)
    seconds = args.minutes * 60
    transcriber = get_transcriber(transcriber_config())
    get_analyzer()  # loaded once per worker, like the model

    started = time.perf_counter()
    segments, _ = transcriber._model.transcribe(
        io.BytesIO(data), beam_size=5, language="en", vad_filter=True, condition_on_previous_text=False
    )
    raw_segments = list(segments)
    raw = time.perf_counter() - started

    session = clinical_session_create(
        actor=world.clinician, patient=world.patient, started_at=timezone.now(), modality="in_person"
    )
    started = time.perf_counter()
    # Tasks run eagerly here: the job starts when the upload commits, in this process (the "worker").
    item = session_input_add_audio(
        actor=world.clinician,
        session=session,
        kind="recording",
        audio_file=SimpleUploadedFile("session.m4a", data, content_type="audio/mp4"),
    )
    session_input_process(input_id=item.pk)  # a no-op when the eager job already finished
    full = time.perf_counter() - started
    item = SessionInput.objects.get(pk=item.pk)
    note = Note.objects.filter(session=session).order_by("-version").first()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Session note benchmark: {args.minutes:g} min of two-voice audio ({len(data) / 1e6:.1f} MB m4a), "
        f"model {transcriber.model_id}, 2 threads"
    )
    print(f"raw faster-whisper: {raw:.1f} s ({raw / seconds:.3f} of audio), {len(raw_segments)} segments")
    print(
        f"full path to draft: {full:.1f} s ({full / seconds:.3f} of audio; target <= 0.2) -> "
        f"{'PASS' if full / seconds <= 0.2 else 'MISS'}; ratio to raw {full / raw:.2f}"
    )
    print(
        f"status {item.status}, attribution {item.transcription.get('attribution')}, note version "
        f"{note.version if note else None}, peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
