"""Printable PDFs (signed notes, the pre-session brief) drawn with ReportLab.

Text is Unicode. Each line is cut into runs, each run set in the first font that has a glyph for
its characters: Noto Sans (Latin, Greek, Cyrillic, Vietnamese), Noto Sans Arabic (shaped by
HarfBuzz through ReportLab's ``shaping``, so letters join and read right to left), then a CJK font.
The TrueType fonts are embedded as subsets, so a printed name looks the same on every reader.

CJK: Debian's ``fonts-droid-fallback`` (DroidSansFallbackFull.ttf, Apache-2.0, 4 MB, TrueType
outlines that ReportLab can embed) when installed; otherwise ReportLab's built-in ``STSong-Light``
CID font, which is not embedded (the reader supplies the glyphs) but keeps the text in the file.
The Noto CJK packages on PyPI ship CFF outlines, which ReportLab cannot embed."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, PolyLine
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.pdfgen.textobject import bidiShapedText

WIDTH, HEIGHT = 595, 842
LINES_PER_PAGE = 60
LEADING = 13

LATIN, ARABIC, CJK = "NotoSans", "NotoSansArabic", "InterludeCJK"
CJK_FALLBACK = "STSong-Light"
CJK_FONT_PATHS = (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),)


@dataclass
class Polyline:
    colour: str  # "#rrggbb"
    points: list[tuple[float, float]]  # page coordinates (points, origin bottom-left)
    dash: tuple[float, float] | None = None


@dataclass
class Page:
    blocks: list[tuple[float, float, list[str]]]  # (left, baseline of the first line, lines) per text block
    drawings: list[Polyline] = field(default_factory=list)


def paginate(
    lines: list[str], first_top: float = 800, first_capacity: int = LINES_PER_PAGE, per_page: int = LINES_PER_PAGE
) -> list[Page]:
    """Split text into pages; the first page may start lower (room for a header drawing)."""
    pages = [Page([(50, first_top, lines[:first_capacity])])]
    rest = lines[first_capacity:]
    pages += [Page([(50, 800, rest[i : i + per_page])]) for i in range(0, len(rest), per_page)]
    return pages


@lru_cache(maxsize=1)
def fonts() -> tuple[tuple[str, frozenset[int] | None], ...]:
    """The fallback chain, registered once per process: (font name, code points it covers or
    None for a CID font that covers CJK without a readable character map)."""
    chain = []
    for name, path in (
        (LATIN, fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"),
        (ARABIC, fontpkg_noto_sans_arabic.ROOT / "files" / "NotoSansArabic[wdth,wght].ttf"),
    ):
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        chain.append((name, frozenset(font.face.charToGlyph)))
    cjk = next((p for p in CJK_FONT_PATHS if p.is_file()), None)
    if cjk:
        font = TTFont(CJK, str(cjk))
        pdfmetrics.registerFont(font)
        chain.append((CJK, frozenset(font.face.charToGlyph)))
    else:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FALLBACK))
        chain.append((CJK_FALLBACK, None))
    return tuple(chain)


def _is_cjk(code: int) -> bool:
    return (
        0x1100 <= code <= 0x11FF  # Hangul Jamo
        or 0x2E80 <= code <= 0x9FFF  # CJK radicals, kana, unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


def _font_for(char: str) -> str | None:
    return next((name for name, _ in fonts() if _covers(name, char)), None)


def _covers(font: str, char: str) -> bool:
    covered = dict(fonts())[font]
    return _is_cjk(ord(char)) if covered is None else ord(char) in covered


def runs(line: str) -> list[tuple[str, str]]:
    """(font, text) runs in logical order. A space or punctuation mark between two characters of
    the same font joins their run (so an Arabic name with a space is shaped and ordered as one
    run); elsewhere it goes to the first font that has it."""
    strong = [(_font_for(c) or LATIN) if c.isalnum() else None for c in line]
    before, after, last = [None] * len(line), [None] * len(line), None
    for i, font in enumerate(strong):
        before[i], last = last, font or last
    last = None
    for i in range(len(line) - 1, -1, -1):
        after[i], last = last, strong[i] or last
    out: list[tuple[str, str]] = []
    for i, char in enumerate(line):
        font = strong[i]
        if font is None:
            joined = before[i] if before[i] == after[i] and before[i] and _covers(before[i], char) else None
            font = joined or _font_for(char) or LATIN  # nothing has it: Noto Sans draws its "missing" box
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + char)
        else:
            out.append((font, char))
    return out


def _draw_line(pdf: canvas.Canvas, x: float, y: float, line: str, size: float) -> None:
    for font, text in runs(line):
        shaping = font == ARABIC
        _, width = bidiShapedText(text, None, fontName=font, fontSize=size, shaping=shaping)
        pdf.setFont(font, size)
        pdf.drawString(x, y, text, shaping=shaping)
        x += width


def _drawing(lines: list[Polyline]) -> Drawing:
    drawing = Drawing(WIDTH, HEIGHT)
    for line in lines:
        if len(line.points) < 2:
            continue
        drawing.add(
            PolyLine(
                [c for point in line.points for c in point],
                strokeColor=HexColor(line.colour),
                strokeWidth=1.2,
                strokeDashArray=list(line.dash) if line.dash else None,
            )
        )
    return drawing


def build(pages: list[Page], size: float = 10, leading: float = LEADING, title: str = "") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(WIDTH, HEIGHT), invariant=True, pageCompression=1)
    pdf.setTitle(title)
    pdf.setCreator("Interlude")
    for page in pages or [Page([])]:
        renderPDF.draw(_drawing(page.drawings), pdf, 0, 0)
        pdf.setFillColorRGB(0, 0, 0)
        for left, top, lines in page.blocks:
            for i, line in enumerate(lines):
                _draw_line(pdf, left, top - i * leading, line, size)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
