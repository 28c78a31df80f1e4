"""Audio shared by journals and session notes: the upload probe (``probe``), encrypted storage
(``storage``), and the two settings-driven factories every audio job uses."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages

from ml.transcription import TranscriberConfig


def audio_storage():
    """The encrypted store for recordings (``STORAGES["journal_audio"]``)."""
    return storages["journal_audio"]


def transcriber_config() -> TranscriberConfig:
    """faster-whisper settings from the environment (``WHISPER_*``)."""
    return TranscriberConfig(
        model=settings.WHISPER_MODEL,
        device=settings.WHISPER_DEVICE,
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=settings.WHISPER_CPU_THREADS,
        beam_size=settings.WHISPER_BEAM_SIZE,
        language=settings.WHISPER_LANGUAGE,
    )
