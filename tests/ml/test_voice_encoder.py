"""The pretrained speaker encoder: weights read from the resemblyzer wheel, never its module."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ml.packaged import default_speaker_encoder
from ml.voice_encoder import get_voice_encoder, mel_filters, mel_spectrogram
from tests.conftest import require_service
from tests.fixtures.real_voices import LIBRIVOX_MISSING, PYANNOTE_MISSING, librivox_clips, pyannote_sample

WEIGHTS_MISSING = "resemblyzer is not installed (scripts/dev.py installs it with --no-deps)"


@pytest.fixture(scope="module")
def encoder():
    require_service(default_speaker_encoder() is not None, WEIGHTS_MISSING)
    return get_voice_encoder()


def test_the_encoder_is_loaded_once_from_the_wheel_without_importing_it(encoder):
    assert get_voice_encoder() is encoder
    assert encoder.model_id == "resemblyzer/ge2e-lstm-256" and encoder.model_version.startswith("resemblyzer==")
    assert "resemblyzer" not in sys.modules and "librosa" not in sys.modules


def test_mel_front_end_has_librosas_slaney_shape():
    filters = mel_filters()
    assert filters.shape == (40, 201) and (filters >= 0).all()
    peaks = filters.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all() and peaks[0] <= 2 and peaks[-1] >= 180
    # Slaney normalisation: each triangle has unit area over frequency (Hz), so wide ones are low.
    assert filters[0].max() > 5 * filters[-1].max()
    tone = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype(np.float32)
    spectrogram = mel_spectrogram(tone)
    assert spectrogram.shape == (101, 40)
    # 1 kHz is FFT bin 25 (40 Hz bins): the band whose triangle covers it most is the loudest.
    assert abs(int(spectrogram.mean(axis=0).argmax()) - int(filters[:, 25].argmax())) <= 1


def test_embeddings_are_unit_length_and_deterministic(encoder):
    clip = np.random.default_rng(1).normal(0, 0.05, 16000 * 3).astype(np.float32)
    first, second = encoder.embed(clip), encoder.embed_many([clip, clip[:8000]])
    assert first.shape == (256,) and np.isclose(np.linalg.norm(first), 1.0)
    assert np.allclose(first, second[0], atol=1e-5)


def test_one_reader_sounds_like_herself_and_not_like_the_callers(encoder):
    from ml.speech import load_audio

    clips, sample = librivox_clips(), pyannote_sample()
    require_service(clips is not None, LIBRIVOX_MISSING)
    require_service(sample is not None, PYANNOTE_MISSING)
    path, turns = sample
    call = load_audio(str(path))
    reader = encoder.embed_many([load_audio(str(p)) for p, _ in clips])
    callers = encoder.embed_many([call[int(a * 16000) : int(b * 16000)] for _, a, b in turns if b - a > 2])
    same = (reader @ reader.T)[np.triu_indices(len(reader), 1)]
    different = reader @ callers.T
    assert same.min() > different.max() + 0.05, (same.min(), different.max())
