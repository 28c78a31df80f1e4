"""A live recording's audio, stored encrypted as it arrives.

The encrypted store (``apps.core.audio.storage``) seals whole files, so a stream is kept as numbered
parts of raw PCM, each sealed on its own the moment it is written (every ``PART_SECONDS`` of audio,
and whenever the stream pauses, stops or drops): a dropped connection loses at most what was still in
the socket. On stop the parts become one encrypted WAV (the input's ``audio_name``), which the
offline pass and the retention rule then treat exactly like an uploaded recording.
"""

from __future__ import annotations

import io
import wave

from django.core.files.base import ContentFile

from apps.core.audio import audio_storage
from apps.notes.models import SessionInput

RATE = 16000
PART_SECONDS = 2.0


def part_prefix(item: SessionInput) -> str:
    session = item.session
    return f"{session.patient.practice_id}/{session.patient_id}/sessions/{session.pk}.live.{item.pk}"


def part_save(item: SessionInput, index: int, pcm: bytes) -> str:
    """Seal one part; returns the stored name (the storage may adjust it)."""
    return audio_storage().save(f"{part_prefix(item)}.{index:06d}.pcm.enc", ContentFile(pcm))


def parts_read(names: list[str]) -> bytes:
    storage = audio_storage()
    chunks = []
    for name in names:
        with storage.open(name) as handle:
            chunks.append(handle.read())
    return b"".join(chunks)


def parts_to_wav(item: SessionInput, names: list[str], channels: int) -> tuple[str, bytes]:
    """Join the parts into one encrypted WAV; returns its name and the PCM (for speaker attribution)."""
    pcm = parts_read(names)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
    session = item.session
    name = f"{session.patient.practice_id}/{session.patient_id}/sessions/{session.pk}.{item.pk}.wav.enc"
    return audio_storage().save(name, ContentFile(out.getvalue())), pcm


def parts_delete(names: list[str]) -> None:
    storage = audio_storage()
    for name in names:
        storage.delete(name)
