"""Probing uploads with PyAV before anything is stored: is it audio, is it intact, how long is it.

Accepted: what phones and browsers record — m4a/AAC (iOS), webm/Opus and ogg/Opus (Android, browsers),
mp3 and wav. Every packet is demuxed and the stream is decoded end to end, so a file that is corrupt
half-way through is refused at upload, not discovered by the worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import av

from apps.core.errors import ServiceError, TooLarge, UnsupportedMedia

ACCEPTED_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "matroska,webm": "webm",
    "ogg": "ogg",
    "mp3": "mp3",
    "wav": "wav",
}
ACCEPTED_CODECS = {"aac", "opus", "mp3", "mp3float", "vorbis", "pcm_s16le", "pcm_s24le", "pcm_f32le", "pcm_u8", "alac"}


class AudioRejected(ServiceError):
    """A recording we refuse before storing anything: damaged, empty or too long (400)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code, field="audio")
        self.code = code


class AudioNotAccepted(AudioRejected, UnsupportedMedia):
    """Not audio, or a format we do not take (415)."""


class AudioTooLarge(AudioRejected, TooLarge):
    """Over ``JOURNAL_MAX_UPLOAD_MB`` (413)."""


@dataclass(frozen=True)
class AudioInfo:
    container: str
    codec: str
    seconds: float
    sample_rate: int
    channels: int


def looks_like_audio_container(head: bytes) -> bool:
    """Magic numbers of the accepted containers: a file that has one but fails to open is damaged;
    one that has none is not a recording at all."""
    return (
        head[4:8] == b"ftyp"
        or head[:4] in (b"OggS", b"RIFF", b"\x1a\x45\xdf\xa3")
        or head[:3] == b"ID3"
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    )


def probe(file: BinaryIO, *, max_seconds: float) -> AudioInfo:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    try:
        container = av.open(file, mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        if looks_like_audio_container(head):
            raise AudioRejected("audio_corrupt", "This recording is damaged and could not be read.") from exc
        raise AudioNotAccepted("not_audio", "This file is not an audio recording.") from exc
    with container:
        kind = ACCEPTED_CONTAINERS.get(container.format.name)
        if not container.streams.audio:
            raise AudioNotAccepted("not_audio", "This file has no audio in it.")
        stream = container.streams.audio[0]
        codec = stream.codec_context.name
        if kind is None or codec not in ACCEPTED_CODECS:
            raise AudioNotAccepted(
                "unsupported_audio",
                f"Unsupported recording format ({container.format.name}/{codec}). "
                "Use m4a (AAC), webm or ogg (Opus), mp3 or wav.",
            )
        samples = 0
        try:
            for frame in container.decode(stream):
                samples += frame.samples
                if samples / (stream.sample_rate or 1) > max_seconds:
                    raise AudioRejected(
                        "audio_too_long", f"Recordings can be at most {max_seconds / 60:g} minutes long."
                    )
        except av.error.FFmpegError as exc:
            raise AudioRejected("audio_corrupt", "This recording is damaged and could not be read.") from exc
        seconds = samples / (stream.sample_rate or 1)
        if samples == 0 or seconds < 0.1:
            raise AudioRejected("audio_empty", "This recording is empty.")
        return AudioInfo(
            container=kind,
            codec=codec,
            seconds=round(seconds, 2),
            sample_rate=stream.sample_rate,
            channels=stream.channels,
        )


@contextlib.contextmanager
def accepted_audio(
    upload, *, max_bytes: int, max_seconds: float, name: Callable[[AudioInfo], str], storage
) -> Iterator[tuple[str, AudioInfo]]:
    """Check size and content, store the (encrypted) file, and hand back its name and info. If the
    caller's block fails (the row cannot be written), the stored file is removed: nothing is left behind."""
    if upload.size > max_bytes:
        raise AudioTooLarge("audio_too_large", f"Recordings can be at most {max_bytes // (1024 * 1024)} MB.")
    info = probe(upload, max_seconds=max_seconds)
    stored = storage.save(name(info), upload)
    try:
        yield stored, info
    except BaseException:
        storage.delete(stored)
        raise
