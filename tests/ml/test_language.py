"""The cheap language profile and the routing decision (issue 19)."""

import pytest

from ml.language import analysis_language, detect_language, normalise


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hoy fue un día muy difícil en el trabajo y estoy cansada.", "es"),
        ("me muero de risa con mi hermano pequeño", "es"),
        ("Aujourd'hui j'ai beaucoup pleuré, je suis fatiguée.", "fr"),
        ("je me sens seul depuis que je suis parti", "fr"),
        ("I had a rough day at work and I feel tired.", "en"),
        ("my kids would be fine without me", "en"),
    ],
)
def test_it_recognises_english_spanish_and_french(text, language):
    assert detect_language(text).language == language


def test_a_short_or_unclear_text_is_not_guessed():
    assert detect_language("ok").language is None
    assert detect_language("Hola.").language is None


def test_the_transcript_language_wins_then_the_text_then_the_preferred_language():
    spanish = "Estoy muy cansada y no duermo bien."
    assert analysis_language(spanish, transcript="fr", preferred="en").language == "fr"
    decision = analysis_language(spanish, transcript=None, preferred="en")
    assert (decision.language, decision.source, decision.supported) == ("es", "text", True)
    short = analysis_language("Quiero morirme.", preferred="es-MX")
    assert (short.language, short.source) == ("es", "preferred")
    assert analysis_language("ok").language == "en"
    french = analysis_language("Je suis fatiguée et je ne dors pas bien.", preferred="es")
    assert (french.language, french.supported) == ("fr", False)


def test_language_codes_are_normalised():
    assert normalise("es-MX") == "es" and normalise("ES_es") == "es" and normalise("") is None


@pytest.mark.slow
def test_the_analyzer_routes_by_language():
    from ml.analysis import get_analyzer

    analyzer = get_analyzer()
    french = analyzer.analyse("Je veux mourir, je n'en peux plus.", language="fr")
    assert (french.not_analysed, french.risk.level, french.triggers, french.risk.findings) == (
        "language",
        "not_screened",
        (),
        (),
    )
    spanish = analyzer.analyse(
        "Discutí con mi madre. Me quiero morir de la vergüenza. Quiero matarme.", language="es-MX"
    )
    assert (spanish.language, spanish.not_analysed, spanish.risk.level) == ("es", "", "active_ideation")
    assert [s.reason for s in spanish.risk.suppressed] == ["idiom"]
    assert {f.category for f in spanish.triggers} == {"family"}
    english = analyzer.analyse("Honestly my kids would be fine without me.")
    assert (english.language, english.risk.level) == ("en", "passive_ideation")
    assert english.versions["risk"] == analyzer.risk.version
