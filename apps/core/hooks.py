"""Extension points: a lower app asks, a higher app answers, and every import still runs down.

The layer order (README, ``tests/test_layers.py``) lets an app import only the apps below it. Where a
lower app needs what only a higher one knows (the journal job needs the text analysis; the crisis
card needs to know whether the patient has their own safety plan), the lower app declares a ``Hook``
and the higher app registers its handler from ``AppConfig.ready``. A hook refuses to run with no
handler, so a missing registration fails loudly instead of silently skipping work: a journal entry
must never be marked done with its risk screening skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured


class Hook:
    declared: ClassVar[list[Hook]] = []

    def __init__(self, name: str, doc: str) -> None:
        self.name, self.__doc__ = name, doc
        self.handlers: list[Callable[..., Any]] = []
        Hook.declared.append(self)

    def register(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        if handler not in self.handlers:
            self.handlers.append(handler)
        return handler

    def __call__(self, **kwargs: Any) -> list[Any]:
        """Every handler's answer, in registration order."""
        if not self.handlers:
            raise ImproperlyConfigured(f"hook {self.name!r} has no handler: is the app that answers it installed?")
        return [handler(**kwargs) for handler in self.handlers]

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self.handlers)} handler(s))"
