"""A pretrained speaker encoder: who is speaking, as a 256-number vector, loaded once per process.

The network is Resemblyzer's GE2E encoder (three LSTM layers over 40 mel bands, 1.6 s windows, an
L2-normalised embedding), rebuilt here so that only its weights file is needed (``ml.packaged``). The mel
front end reproduces librosa's ``melspectrogram`` (Slaney mel scale and normalisation, 25 ms Hann
windows every 10 ms, power spectrum) in numpy, so neither librosa nor webrtcvad is installed.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from ml.packaged import PackagedModel, default_speaker_encoder

RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s per window, as the encoder was trained
PARTIALS_PER_SECOND = 1.3
TARGET_DBFS = -30.0


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_region = hz >= 1000.0
    return np.where(log_region, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(40, 201) Slaney-normalised triangular filters, as ``librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)``."""
    fft_freqs = np.linspace(0, RATE / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram of 16 kHz float audio (centred frames, zero padding)."""
    padded = np.pad(wav.astype(np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as scipy's get_window
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ mel_filters().T).astype(np.float32)


def _normalise_volume(wav: np.ndarray) -> np.ndarray:
    """Raise quiet audio to -30 dBFS (never lower it), as the encoder's training data was."""
    rms = float(np.sqrt(np.mean(wav.astype(np.float64) ** 2)))
    if rms <= 0:
        return wav
    change = TARGET_DBFS - 20 * np.log10(rms)
    return wav * (10 ** (change / 20)) if change > 0 else wav


class VoiceEncoder:
    """Holds the network. Calls are serialised and run on one intra-op thread: the batches are small
    (a few dozen 1.6 s windows), and a second thread buys little while on a busy worker PyTorch's
    spinning threads slowed the LSTM tenfold. The process-wide thread count is restored afterwards."""

    def __init__(self, packaged: PackagedModel):
        import torch

        self.model_id, self.model_version = packaged.model_id, packaged.version
        checkpoint = torch.load(packaged.path, map_location="cpu", weights_only=True)
        state = checkpoint["model_state"]
        self._lstm = torch.nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self._linear = torch.nn.Linear(256, 256)
        self._lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
        self._linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        self._lstm.eval()
        self._linear.eval()
        self._torch = torch
        self._lock = threading.Lock()

    def embed(self, wav: np.ndarray) -> np.ndarray:
        """One L2-normalised (256,) vector for a stretch of one voice: the mean of 1.6 s windows taken
        1.3 times a second (zero-padded when shorter), renormalised."""
        return self.embed_many([wav])[0]

    def embed_many(self, wavs: list[np.ndarray]) -> np.ndarray:
        """(len(wavs), 256): every window of every clip goes through the network in one batch."""
        windows, owners = [], []
        step = int(round(RATE / PARTIALS_PER_SECOND / HOP))
        for index, wav in enumerate(wavs):
            mel = mel_spectrogram(_normalise_volume(np.asarray(wav, dtype=np.float32)))
            # Resemblyzer's slicing: windows every ``step`` frames up to the end; the last one is kept
            # when at least three quarters of it is audio (always, when it is the only one).
            starts = list(range(0, max(1, len(mel) - PARTIAL_FRAMES + step + 1), step))
            if len(starts) > 1 and (len(wav) - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP) < 0.75:
                starts.pop()
            if len(mel) < starts[-1] + PARTIAL_FRAMES:
                mel = np.pad(mel, ((0, starts[-1] + PARTIAL_FRAMES - len(mel)), (0, 0)))
            windows += [mel[s : s + PARTIAL_FRAMES] for s in starts]
            owners += [index] * len(starts)
        torch = self._torch
        with self._lock, torch.inference_mode():
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                _, (hidden, _) = self._lstm(torch.from_numpy(np.stack(windows)))
                raw = torch.relu(self._linear(hidden[-1]))
                partial = (raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-9)).numpy()
            finally:
                torch.set_num_threads(threads)
        owners_arr = np.array(owners)
        out = np.stack([partial[owners_arr == i].mean(axis=0) for i in range(len(wavs))])
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


_encoder: VoiceEncoder | None = None
_lock = threading.Lock()


def get_voice_encoder() -> VoiceEncoder | None:
    """The process-wide encoder (loaded on first use), or None when its weights are not installed."""
    global _encoder
    with _lock:
        if _encoder is None:
            packaged = default_speaker_encoder()
            if packaged is None:
                return None
            _encoder = VoiceEncoder(packaged)
        return _encoder
