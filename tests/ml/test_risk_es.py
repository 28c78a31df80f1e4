"""The Spanish risk lexicon (issue 19): the same scope handling as English (denial, idiom, someone
else, history, retraction), and its evaluation sets as floors.

The blind set (tests/fixtures/eval_es_blind/) was written before any Spanish rule and is measured in
aggregate only: its failure messages carry aggregate figures, never its sentences.
"""

from pathlib import Path

import pytest

from ml.evaluate import _read_jsonl
from ml.risk import RiskRules
from ml.text_evaluation import evaluate_risk
from ml.triggers import KeywordTriggerDetector

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "ml" / "eval_data" / "es" / "risk_dev.jsonl"
BLIND = ROOT / "tests" / "fixtures" / "eval_es_blind" / "risk.jsonl"
TRIGGERS_DEV = ROOT / "ml" / "eval_data" / "es" / "triggers_dev.jsonl"
# measured once at risk-lexicon-es-1.0: alert recall 0.976, alert precision 1.000, false alarms 0.000
BLIND_FLOOR = {"alert_recall": 0.95, "alert_precision": 0.95, "false_alarm_rate": 0.03}


@pytest.fixture(scope="module")
def rules():
    return RiskRules("es")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Quiero suicidarme.", "active_ideation"),
        ("Estoy pensando en quitarme la vida.", "active_ideation"),
        ("Mis hijos estarían mejor sin mí.", "passive_ideation"),
        ("Ojalá no despertara mañana.", "passive_ideation"),
        ("Voy a tomarme todas las pastillas esta noche.", "plan_or_intent"),
        ("He escrito cartas de despedida.", "plan_or_intent"),
        ("Me volví a cortar los brazos.", "self_harm"),
        ("me corto para no sentir nada", "self_harm"),
        ("Hace años intenté suicidarme.", "history"),
        ("De adolescente me quemaba con cigarros.", "history"),
    ],
)
def test_it_reads_each_level(rules, text, level):
    assert rules.screen(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "Me muero de risa con mis sobrinos.",
        "Me mata el calor de esta ciudad.",
        "Me muero de ganas de verte.",
        "Este trabajo me está matando.",
        "Me corté el pelo ayer.",
        "Estoy muerto de sueño.",
    ],
)
def test_idioms_are_not_risk(rules, text):
    assert rules.screen(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "No quiero morirme.",
        "Nunca he pensado en suicidarme.",
        "No tengo ideas suicidas.",
        "Jamás me haría daño.",
        "En ningún momento he querido matarme.",
    ],
)
def test_denials_are_not_risk(rules, text):
    assert rules.screen(text) == "none"


def test_a_negation_that_is_the_risk_is_not_a_denial(rules):
    assert rules.screen("No quiero seguir viviendo.") == "passive_ideation"
    assert rules.screen("No puedo dejar de pensar en matarme.") == "active_ideation"


def test_a_retracted_denial_is_risk(rules):
    assert rules.screen("Le dije que no pensaba en matarme. Era mentira.") == "active_ideation"


@pytest.mark.parametrize(
    "text",
    ["Mi amiga quiere suicidarse.", "Mi primo se corta los brazos.", "Él dice que quiere matarse."],
)
def test_someone_elses_risk_is_not_the_writers(rules, text):
    assert rules.screen(text) == "none"


def test_accents_may_be_missing_and_spans_stay_the_original_text(rules):
    assert rules.screen("quiero quitarme la vida, ya no aguanto mas") == "active_ideation"
    from ml.text import split_sentences

    text = "Hoy fue duro. Quiero matarme."
    findings, _ = rules._rule_findings(split_sentences(text)[1])
    assert text[findings[0].start : findings[0].end] == "Quiero matarme."


def test_an_old_statement_that_is_back_is_current(rules):
    assert rules.screen("Hace años me cortaba y esta semana he vuelto a cortarme.") == "self_harm"


def _figures(path: Path) -> dict:
    result = evaluate_risk(_read_jsonl(str(path)), predict=RiskRules("es").screen)
    return {k: v for k, v in result.items() if k not in ("errors", "confusion")}


def test_the_spanish_development_set_holds_its_figures():
    figures = _figures(DEV)
    assert figures["n"] >= 150, figures
    assert figures["alert_recall"] >= 0.95 and figures["alert_precision"] >= 0.95, figures
    assert figures["false_alarm_rate"] <= 0.03, figures


def test_the_spanish_blind_set_does_not_regress():
    """Aggregates only: the blind set's sentences are never printed, even on failure."""
    figures = _figures(BLIND)
    assert figures["n"] >= 150
    assert figures["alert_recall"] >= BLIND_FLOOR["alert_recall"], figures
    assert figures["alert_precision"] >= BLIND_FLOOR["alert_precision"], figures
    assert figures["false_alarm_rate"] <= BLIND_FLOOR["false_alarm_rate"], figures


def test_spanish_trigger_keywords_find_the_category():
    detector = KeywordTriggerDetector("es")
    rows = _read_jsonl(str(TRIGGERS_DEV))
    recorded = [pair[0] for pair in detector.top1_many([row["text"] for row in rows])]
    gold = [row["category"] if row["category"] != "none" else None for row in rows]
    assert sum(r == g for r, g in zip(recorded, gold, strict=True)) / len(rows) >= 0.9


def test_a_negated_spanish_trigger_is_suppressed_with_its_span():
    from ml.text import split_sentences

    text = "No he bebido nada esta semana. Mañana tengo el examen."
    findings, suppressed = KeywordTriggerDetector("es").detect_sentences(text, split_sentences(text))
    assert [(s.category, s.reason, text[s.start : s.end]) for s in suppressed] == [
        ("substance_use", "negated", "bebido")
    ]
    assert [(f.category, text[f.start : f.end]) for f in findings] == [("academic", "examen")]


def test_every_match_of_a_rule_is_read(rules):
    # the first match is denied ("ya no me corto"), the second is current
    assert rules.screen("Ya no me corto como antes, ahora me quemo con el encendedor.") == "self_harm"


def test_ending_something_other_than_a_life_is_not_a_plan(rules):
    endings = (
        "Ya lo tengo decidido: el lunes renuncio.",
        "Escribí una carta de despedida a mis compañeros porque me cambio de trabajo.",
        "Voy a acabar con mi vida de soltero, me caso en junio.",
    )
    assert {text: rules.screen(text) for text in endings} == dict.fromkeys(endings, "none")


def test_someone_reported_as_the_speaker_owns_the_risk(rules):
    assert rules.screen("Me preocupa mi papá, dice que está cansado de vivir.") == "none"
    assert rules.screen("Mi mamá dice que estaría mejor sin mí.") == "passive_ideation"


def test_risk_without_risk_words(rules):
    expected = {
        "Regalé mi colección de discos porque ya no la voy a necesitar.": "plan_or_intent",
        "Busqué qué altura tiene el viaducto y si alguien sobrevive a esa caída.": "plan_or_intent",
        "Me acuesto deseando que no amanezca para mí.": "passive_ideation",
        "no puedo mas con esta vida me quiero ir para siempre": "passive_ideation",
    }
    assert {text: rules.screen(text) for text in expected} == expected
