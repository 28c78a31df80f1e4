from __future__ import annotations

import re

from django import template

register = template.Library()

_NUMBER = re.compile(r"\+?\d[\d\s-]*\d|\d")


@register.filter
def tel_href(contact: str) -> str:
    """``"Call 116 123 (free, 24/7)"`` → ``"tel:116123"``; empty when the text holds no number."""
    match = _NUMBER.search(contact or "")
    if not match:
        return ""
    return "tel:" + re.sub(r"[\s-]", "", match.group(0))


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None
