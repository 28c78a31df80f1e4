"""The compiled catalogs are committed (a practice server needs no gettext tools): each .mo must be
the compilation of its .po, so a translation edited without `compilemessages` fails here."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CATALOGS = sorted(ROOT.glob("apps/*/locale/*/LC_MESSAGES/*.po"))
MSGFMT = shutil.which("msgfmt")


@pytest.mark.skipif(MSGFMT is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_mo_is_the_compiled_po(po, tmp_path):
    fresh = tmp_path / "fresh.mo"
    subprocess.run([MSGFMT, "--check", "-o", str(fresh), str(po)], check=True, capture_output=True)
    with fresh.open("rb") as a, po.with_suffix(".mo").open("rb") as b:
        assert gettext.GNUTranslations(b)._catalog == gettext.GNUTranslations(a)._catalog


def test_every_patient_app_string_has_spanish():
    untranslated = []
    for po in (ROOT / "apps/patient_app/locale/es/LC_MESSAGES").glob("*.po"):
        entries = po.read_text().split("\n\n")[1:]  # the header comes first
        untranslated += [e for e in entries if e.rstrip().endswith('msgstr ""') or "#, fuzzy" in e]
    assert untranslated == []
