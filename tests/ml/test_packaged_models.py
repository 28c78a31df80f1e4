"""The install path for the ML stack works offline: both packaged models load from local files."""

import os

import pytest

from ml.packaged import default_text_encoder, default_whisper_model


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.slow
def test_the_packaged_whisper_model_loads_offline():
    from faster_whisper import WhisperModel

    packaged = default_whisper_model()
    assert (packaged.path / "model.bin").exists()
    model = WhisperModel(str(packaged.path), device="cpu", compute_type="int8", cpu_threads=2)
    assert model.model.is_multilingual is False  # tiny.en


@pytest.mark.slow
def test_the_packaged_text_encoder_loads_offline_and_embeds():
    import torch
    from transformers import AutoModel, AutoTokenizer

    packaged = default_text_encoder()
    tokenizer = AutoTokenizer.from_pretrained(str(packaged.path), local_files_only=True)
    model = AutoModel.from_pretrained(str(packaged.path), local_files_only=True)
    batch = tokenizer(["I slept badly again."], return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    assert hidden.shape[-1] == 384
    assert os.environ["HF_HUB_OFFLINE"] == "1"
