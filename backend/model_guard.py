"""Keep a light process light: refuse to import model libraries.

The ``realtime`` Celery worker delivers alerts; a model load there (seconds of CPU and hundreds of
megabytes) would stall every alert behind it. ``install()`` puts a finder first on ``sys.meta_path``
that raises ``ModelImportRefused`` for the packages that load or run models, so a task that reaches
for one fails loudly instead of quietly becoming slow. Modules already imported are left alone; the
worker calls ``install()`` at start-up, before any task runs.
"""

from __future__ import annotations

import importlib.abc
import sys

MODEL_PACKAGES = frozenset(
    {
        "torch",
        "faster_whisper",
        "ctranslate2",
        "transformers",
        "onnxruntime",
        "resemblyzer",
        "sentence_transformers",
        "tokenizers",
    }
)


class ModelImportRefused(ImportError):
    pass


class _Refuse(importlib.abc.MetaPathFinder):
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in MODEL_PACKAGES:
            raise ModelImportRefused(f"{fullname} may not be imported here: {self.reason}")
        return None


def install(*, reason: str) -> None:
    if not any(isinstance(finder, _Refuse) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refuse(reason))


def loaded_model_packages() -> list[str]:
    return sorted(name for name in MODEL_PACKAGES if name in sys.modules)
