"""JSON bodies with a nesting limit.

Python's JSON decoder recurses once per level: about a thousand levels raise ``RecursionError``, which
is not the ``ValueError`` DRF turns into a 400, so an anonymous caller got a 500 and ~10 KB of traceback
in the log (issue 13). No Interlude payload nests deeper than a handful of levels; refusing anything
deeper than ``MAX_DEPTH`` also keeps later recursive code (validation, JSON columns) out of harm's way.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def depth_exceeds(value, limit: int) -> bool:
    """Iterative (never recursive) walk: True when containers nest deeper than ``limit``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        if depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        return data
