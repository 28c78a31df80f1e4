import io

from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import shapeStr

from apps.core.pdf import ARABIC, CJK, CJK_FONT_PATHS, LATIN, Page, build, fonts, runs

CHINESE = "王小明"
ARABIC_NAME = "محمد العلي"
LATIN_NAMES = "José Müller-Çağlar, Zoë Ångström, Đặng Thị Hương"


def read_back(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_names_in_chinese_arabic_and_accented_latin_come_back_out_of_the_pdf():
    data = build([Page([(50, 800, [f"Patient: {CHINESE}", f"Patient: {ARABIC_NAME} (2)", LATIN_NAMES])])])
    text = read_back(data)
    assert CHINESE in text and LATIN_NAMES in text
    # Arabic is drawn right to left: a reader extracts the glyphs in visual order
    assert ARABIC_NAME[::-1] in text
    assert "?" not in text  # nothing replaced, as the Latin-1 writer did


def test_each_script_gets_its_own_embedded_font():
    assert runs(f"Dr {CHINESE} and {ARABIC_NAME} (x)") == [
        (LATIN, "Dr "),
        (CJK if any(p.is_file() for p in CJK_FONT_PATHS) else "STSong-Light", CHINESE),
        (LATIN, " and "),
        (ARABIC, ARABIC_NAME),
        (LATIN, " (x)"),
    ]
    data = build([Page([(50, 800, [f"{LATIN_NAMES} {ARABIC_NAME} {CHINESE}"])])])
    embedded = data.count(b"/FontFile2")  # TrueType subsets carried in the file
    assert embedded == (3 if dict(fonts()).get(CJK) is not None else 2)


def test_arabic_letters_are_joined_by_shaping():
    fonts()
    cmap = getFont(ARABIC).face.charToGlyph
    shaped = [g.index for g in shapeStr("محمد", ARABIC, 10).__shapeData__]
    # contextual forms (initial/medial/final) are other glyphs than the isolated letters
    assert shaped != [cmap[ord(c)] for c in reversed("محمد")]
