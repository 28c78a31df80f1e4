import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from ml.speech import FEATURES_VERSION, SpeechFeatures, compare_to_baseline, extract_features, load_audio
from ml.transcription import Segment

ROOT = Path(__file__).resolve().parents[2]
WORK_WAV = ROOT / "tests" / "fixtures" / "audio" / "work.wav"
WORK_SEGMENTS = [
    {
        "start": 0.0,
        "end": 6.1,
        "text": "Today was hard at work. I could not sleep last night and I felt anxious all morning.",
    }
]
SR = 16000


def voiced_tone(f0_hz, seconds, amplitude=0.5):
    """A band-limited sawtooth (harmonics 1/k up to 6 kHz): periodic like a voice, unlike a pure sine.

    ``f0_hz`` may be an array (one value per sample) for a glide; the phase is integrated so it stays smooth.
    """
    n = int(round(seconds * SR))
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=float), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    harmonics = int(6000 // f0.max())
    wave = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    return (amplitude * wave / np.abs(wave).max()).astype(np.float32)


def silence(seconds):
    return np.zeros(int(round(seconds * SR)), dtype=np.float32)


def bursts(count=5, tone_s=1.0, gap_s=0.5, lead_s=0.5, f0=150.0, noise=1e-4):
    parts = [silence(lead_s)]
    for i in range(count):
        parts.append(voiced_tone(f0, tone_s))
        parts.append(silence(gap_s if i < count - 1 else lead_s))
    audio = np.concatenate(parts)
    return audio + np.random.default_rng(0).normal(0, noise, len(audio)).astype(np.float32)


def test_steady_tone_pitch_is_within_5_percent():
    features = extract_features(voiced_tone(150.0, 3.0), [])
    assert features.pitch_median_hz == pytest.approx(150.0, rel=0.05)
    assert features.pitch_sd_semitones < 0.1
    assert features.voiced_seconds > 2.5
    assert features.duration_s == pytest.approx(3.0)
    assert features.version == FEATURES_VERSION


def test_gliding_tone_has_more_pitch_variability_than_a_steady_one():
    t = np.arange(3 * SR) / SR
    glide_hz = 120 * 2 ** (0.5 - 0.5 * np.cos(2 * np.pi * t / 1.5))  # 120 -> 240 -> 120 Hz, twice
    steady = extract_features(voiced_tone(170.0, 3.0), [])
    glide = extract_features(voiced_tone(glide_hz, 3.0), [])
    assert glide.pitch_sd_semitones > steady.pitch_sd_semitones + 2
    # A raised cosine over one octave has an SD of 12 * 0.5 / sqrt(2) = 4.24 semitones.
    assert glide.pitch_sd_semitones == pytest.approx(12 * 0.5 / math.sqrt(2), abs=0.3)
    assert 120 * 0.95 < glide.pitch_median_hz < 240 * 1.05


def test_pauses_between_bursts_are_measured():
    features = extract_features(bursts(count=5, tone_s=1.0, gap_s=0.5), [])
    span, paused = 5 * 1.0 + 4 * 0.5, 4 * 0.5  # leading and trailing silence are not pauses
    assert features.pause_count == 4
    assert features.pause_ratio == pytest.approx(paused / span, abs=0.05)
    assert features.mean_pause_s == pytest.approx(0.5, abs=0.05)


def test_longer_gaps_give_longer_pauses():
    short = extract_features(bursts(count=4, gap_s=0.4), [])
    long = extract_features(bursts(count=4, gap_s=1.2), [])
    assert long.mean_pause_s == pytest.approx(1.2, abs=0.05)
    assert long.pause_ratio > short.pause_ratio


def test_gaps_shorter_than_250_ms_are_not_pauses():
    features = extract_features(bursts(count=4, gap_s=0.1), [])
    assert features.pause_count == 0
    assert features.pause_ratio == 0
    assert features.mean_pause_s is None


def test_quieter_copy_is_quieter_by_the_gain():
    audio = bursts()
    gain = 0.1
    loud = extract_features(audio, [])
    quiet = extract_features(audio * gain, [])
    assert quiet.loudness_db_mean - loud.loudness_db_mean == pytest.approx(20 * math.log10(gain), abs=0.5)
    # Everything else is relative to the recording's own floor, so it does not move.
    assert quiet.pause_ratio == pytest.approx(loud.pause_ratio, abs=0.01)
    assert quiet.pitch_median_hz == pytest.approx(loud.pitch_median_hz, rel=0.01)


def test_words_per_minute_is_exact_from_segments_of_any_shape():
    segments = [
        Segment(0.0, 3.0, "I slept badly last night.", -0.2, 0.01),  # 5 words
        {"start": 4.0, "end": 6.0, "text": "Work was hard — again."},  # 4 words: the dash is not one
    ]
    features = extract_features(bursts(), segments)
    assert features.words_per_minute == pytest.approx(9 / (5.0 / 60.0), rel=1e-12)
    assert features.articulation_rate_wpm is not None


def test_no_segments_means_no_rate():
    features = extract_features(bursts(), [])
    assert features.words_per_minute is None
    assert features.articulation_rate_wpm is None


def test_silence_gives_none_without_crashing():
    noise = np.random.default_rng(1).normal(0, 1e-4, 3 * SR).astype(np.float32)
    for audio in (noise, silence(3.0), silence(0.01), silence(0.0)):
        features = extract_features(audio, [])
        assert features.pitch_median_hz is None
        assert features.pitch_sd_semitones is None
        assert features.pause_ratio is None
        assert features.loudness_db_mean is None
        assert features.voiced_seconds == 0


def test_stereo_is_refused():
    with pytest.raises(ValueError, match="mono"):
        extract_features(np.zeros((2, SR), dtype=np.float32), [])


def test_real_speech_fixture_gives_plausible_values():
    audio = load_audio(str(WORK_WAV))
    assert audio.dtype == np.float32 and audio.ndim == 1
    features = extract_features(audio, WORK_SEGMENTS)
    assert features.words_per_minute == pytest.approx(17 / (6.1 / 60))
    assert 100 <= features.words_per_minute <= 250
    assert 70 <= features.pitch_median_hz <= 300
    assert 0 <= features.pause_ratio <= 0.6
    assert 0 < features.pitch_sd_semitones < 6
    assert -60 < features.loudness_db_mean < 0
    assert 0 < features.voiced_seconds < features.duration_s
    assert features.duration_s == pytest.approx(6.1, abs=0.1)


def features(**overrides):
    base = SpeechFeatures(
        words_per_minute=150.0,
        articulation_rate_wpm=180.0,
        pause_ratio=0.15,
        mean_pause_s=0.5,
        pause_count=4,
        pitch_median_hz=120.0,
        pitch_sd_semitones=2.5,
        loudness_db_mean=-25.0,
        loudness_db_sd=6.0,
        voiced_seconds=20.0,
        duration_s=60.0,
    )
    return dataclasses.replace(base, **overrides)


HISTORY = [
    features(words_per_minute=w, pitch_sd_semitones=p, pause_ratio=r)
    for w, p, r in [(145, 2.4, 0.14), (150, 2.5, 0.15), (155, 2.6, 0.16), (148, 2.5, 0.15), (152, 2.7, 0.13)]
]


def test_baseline_flags_slowed_speech_and_flattened_pitch():
    result = compare_to_baseline(HISTORY, features(words_per_minute=110.0, pitch_sd_semitones=1.0))
    assert set(result) == {"words_per_minute", "pause_ratio", "mean_pause_s", "pitch_sd_semitones", "loudness_db_mean"}
    wpm = result["words_per_minute"]
    assert wpm["value"] == 110.0
    assert wpm["baseline_median"] == 150.0
    assert wpm["baseline_mad"] == 2.0
    assert wpm["z"] < -2
    assert wpm["direction_of_concern"] is True
    assert result["pitch_sd_semitones"]["z"] < -2
    assert result["pitch_sd_semitones"]["direction_of_concern"] is True
    assert result["loudness_db_mean"]["direction_of_concern"] is False


def test_baseline_change_in_the_other_direction_is_not_a_concern():
    result = compare_to_baseline(HISTORY, features(words_per_minute=200.0, pitch_sd_semitones=5.0))
    assert result["words_per_minute"]["z"] > 2
    assert result["words_per_minute"]["direction_of_concern"] is False
    assert result["pitch_sd_semitones"]["direction_of_concern"] is False


def test_baseline_flags_longer_pauses_and_quieter_voice():
    result = compare_to_baseline(HISTORY, features(pause_ratio=0.35, mean_pause_s=1.5, loudness_db_mean=-35.0))
    assert all(result[name]["direction_of_concern"] for name in ("pause_ratio", "mean_pause_s", "loudness_db_mean"))


def test_identical_history_does_not_divide_by_zero():
    result = compare_to_baseline([features()] * 6, features(words_per_minute=151.0))
    assert result["words_per_minute"]["baseline_mad"] == 0
    assert math.isfinite(result["words_per_minute"]["z"])
    assert result["words_per_minute"]["direction_of_concern"] is False  # 1 wpm is noise, not a change


def test_short_history_gives_nothing():
    assert compare_to_baseline(HISTORY[:4], features(words_per_minute=80.0)) == {}
    assert compare_to_baseline(HISTORY[:4], features(words_per_minute=80.0), min_history=4) != {}


def test_missing_values_are_skipped_and_other_versions_do_not_count():
    result = compare_to_baseline(HISTORY, features(mean_pause_s=None))
    assert "mean_pause_s" not in result
    old = [dataclasses.replace(h, version="speech-features-0.9") for h in HISTORY]
    assert compare_to_baseline(old, features()) == {}
