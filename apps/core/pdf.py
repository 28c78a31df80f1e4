"""A minimal, dependency-free PDF writer (A4, Helvetica text, optional line drawings).

Enough for clinical printouts (signed notes, the pre-session brief) without a rendering engine on
the practice's server. Text is Latin-1 (anything else prints as "?")."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 595, 842
LINES_PER_PAGE = 60
LEADING = 13


@dataclass
class Polyline:
    colour: str  # "#rrggbb"
    points: list[tuple[float, float]]  # page coordinates (points, origin bottom-left)


@dataclass
class Page:
    blocks: list[tuple[float, float, list[str]]]  # (left, baseline of the first line, lines) per text block
    drawings: list[Polyline] = field(default_factory=list)


def _escape(text: str) -> str:
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return f"{r:.3f} {g:.3f} {b:.3f}"


def paginate(
    lines: list[str], first_top: float = 800, first_capacity: int = LINES_PER_PAGE, per_page: int = LINES_PER_PAGE
) -> list[Page]:
    """Split text into pages; the first page may start lower (room for a header drawing)."""
    pages = [Page([(50, first_top, lines[:first_capacity])])]
    rest = lines[first_capacity:]
    pages += [Page([(50, 800, rest[i : i + per_page])]) for i in range(0, len(rest), per_page)]
    return pages


def _content(page: Page, size: float, leading: float) -> bytes:
    ops = []
    for line in page.drawings:
        if len(line.points) < 2:
            continue
        (x0, y0), rest = line.points[0], line.points[1:]
        ops.append(
            f"{_rgb(line.colour)} RG 1.2 w {x0:.1f} {y0:.1f} m " + " ".join(f"{x:.1f} {y:.1f} l" for x, y in rest)
        )
        ops.append("S")
    for left, top, lines in page.blocks:
        text = " ".join(f"({_escape(line)}) '" for line in lines)
        ops.append(f"0 g BT /F1 {size:g} Tf {left:.0f} {top + leading:.0f} Td {leading:g} TL {text} ET")
    return "\n".join(ops).encode("latin-1", "replace")


def build(pages: list[Page], size: float = 10, leading: float = LEADING) -> bytes:
    pages = pages or [Page([])]
    objects: list[bytes] = []
    kids = " ".join(f"{3 + i * 2} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font_id = 3 + len(pages) * 2
    for i, page in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] /Resources << /Font << /F1 {font_id} "
            f"0 R >> >> /Contents {4 + i * 2} 0 R >>".encode()
        )
        data = _content(page, size, leading)
        objects.append(b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
