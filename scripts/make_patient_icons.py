"""Regenerate the patient app's icons (committed PNGs; run only when the design changes). Plain Python:
a tiny PNG writer, no imaging library.

python scripts/make_patient_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "apps" / "patient_app" / "static" / "patient_app" / "icons"
BRAND = (31, 78, 121)
WHITE = (255, 255, 255)


def _rounded(x: float, y: float, box: tuple[float, float, float, float], r: float) -> bool:
    left, top, right, bottom = box
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + r), right - r)
    cy = min(max(y, top + r), bottom - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_triangle(x: float, y: float, a, b, c) -> bool:
    def side(p, q, r):
        return (p[0] - r[0]) * (q[1] - r[1]) - (q[0] - r[0]) * (p[1] - r[1])

    d1, d2, d3 = side((x, y), a, b), side((x, y), b, c), side((x, y), c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def pixel(x: float, y: float, size: int, maskable: bool) -> tuple[int, int, int]:
    """A speech bubble with a pause mark ("an interlude"); maskable icons keep it in the safe zone."""
    box = size * (0.6 if maskable else 0.78)
    left, top = (size - box) / 2, (size - box) / 2 - size * 0.03
    bar_w, bar_h = box * 0.12, box * 0.4
    for bx in (left + box * 0.33, left + box * 0.55):
        if _rounded(x, y, (bx, top + box * 0.19, bx + bar_w, top + box * 0.19 + bar_h), bar_w / 3):
            return BRAND
    if _rounded(x, y, (left, top, left + box, top + box * 0.78), box * 0.18):
        return WHITE
    tail = (
        (left + box * 0.22, top + box * 0.74),
        (left + box * 0.22, top + box * 0.98),
        (left + box * 0.46, top + box * 0.74),
    )
    return WHITE if _in_triangle(x, y, *tail) else BRAND


def png(size: int, maskable: bool) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows.extend(pixel(x + 0.5, y + 0.5, size, maskable))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(png(192, maskable=False))
    (OUT / "icon-512.png").write_bytes(png(512, maskable=False))
    (OUT / "icon-maskable-512.png").write_bytes(png(512, maskable=True))


if __name__ == "__main__":
    main()
