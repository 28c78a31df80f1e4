"""Validated questionnaires as data: definition checks, scoring, bands, change flags, risk rules.

Pure Python (no Django) so it can be tested at every band edge on its own. Built-in definitions
(PHQ-9, GAD-7, C-SSRS screener) live in ``instruments/*.json`` with their sources; a practice adds
an instrument by publishing a definition of the same shape. The server always scores: clients never
send totals.

Change thresholds come from the definition (``change``): reliable change (PHQ-9 >= 6, GAD-7 >= 4,
NHS Talking Therapies manual 2023), response (>= 50% drop from the previous administration),
remission (a follow-up score below the cut-off; PHQ-9 < 5). Flags compare with the previous
administration of the same instrument.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent / "instruments"
RISK_LEVELS = ("low", "moderate", "high")


class AnswerError(ValueError):
    """Answers that cannot be scored; ``fields`` maps item ids to messages."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class RiskFinding:
    signal: str
    level: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Score:
    total: int | None
    band_key: str
    band_label: str
    risk: tuple[RiskFinding, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChangeFlags:
    previous_total: int | None
    delta: int | None
    reliable_change: str | None  # "improvement" | "deterioration" | None
    response: bool
    remission: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous_total": self.previous_total,
            "delta": self.delta,
            "reliable_change": self.reliable_change,
            "response": self.response,
            "remission": self.remission,
        }


def load_builtin() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(BUILTIN_DIR.glob("*.json"))]


def _options_for(definition: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    return item.get("options") or definition["options"]


def languages(definition: dict[str, Any]) -> list[str]:
    """The languages a patient can answer in: English (the definition itself) and each translation."""
    return ["en", *sorted(definition.get("translations", {}))]


def localized(definition: dict[str, Any], language: str) -> dict[str, Any]:
    """The definition with its patient-facing wording in ``language`` (English when there is no
    translation for it). Ids, values, scoring and risk rules are untouched: a translated
    administration scores exactly as the English one."""
    wording = definition.get("translations", {}).get(language)
    if wording is None:
        return definition

    def options(item_id: str | None, opts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        labels = wording.get("item_options", {}).get(item_id) if item_id else wording["options"]
        return [{**o, "label": labels[str(o["value"])]} for o in opts]

    return {
        **definition,
        "title": wording.get("title", definition["title"]),
        "preamble": wording.get("preamble", definition.get("preamble", "")),
        "options": options(None, definition["options"]),
        "items": [
            {
                **item,
                "text": wording["items"][item["id"]],
                **({"options": options(item["id"], item["options"])} if item.get("options") else {}),
            }
            for item in definition["items"]
        ],
    }


def _translation_problems(definition: dict[str, Any]) -> list[str]:
    """A translation covers every item and every answer label, so a patient never sees a mix of
    languages, and names where its wording comes from."""
    problems = []
    for language, wording in definition.get("translations", {}).items():
        if not wording.get("sources"):
            problems.append(f"translation '{language}' needs its sources")
        if set(wording.get("items", {})) != {i["id"] for i in definition["items"]}:
            problems.append(f"translation '{language}' must word every item, and only those")
        if {str(o["value"]) for o in definition["options"]} - set(wording.get("options", {})):
            problems.append(f"translation '{language}' misses answer labels")
        for item in definition["items"]:
            labels = wording.get("item_options", {}).get(item["id"], {})
            if item.get("options") and {str(o["value"]) for o in item["options"]} - set(labels):
                problems.append(f"translation '{language}' misses answer labels of {item['id']}")
    return problems


def validate_definition(definition: dict[str, Any]) -> list[str]:
    """Problems with a definition, as messages (empty when it is usable)."""
    problems: list[str] = []
    for key in ("key", "version", "title", "options", "items", "scoring"):
        if key not in definition:
            problems.append(f"missing '{key}'")
    if problems:
        return problems
    ids = [item.get("id") for item in definition["items"]]
    if len(set(ids)) != len(ids) or not all(ids):
        problems.append("every item needs a unique 'id'")
    for item in definition["items"]:
        if not _options_for(definition, item):
            problems.append(f"item {item.get('id')} has no answer options")
        condition = item.get("ask_if")
        if condition and condition.get("item") not in ids:
            problems.append(f"item {item.get('id')} depends on unknown item {condition.get('item')}")
    method = definition["scoring"].get("method")
    if method not in ("sum", "none"):
        problems.append("scoring.method must be 'sum' or 'none'")
    bands = sorted(definition.get("bands", []), key=lambda b: b["min"])
    if method == "sum":
        maximum = sum(
            max(o["value"] for o in _options_for(definition, i)) for i in definition["items"] if i.get("scored", True)
        )
        if not bands:
            problems.append("a summed instrument needs severity bands")
        elif (
            bands[0]["min"] != 0
            or bands[-1]["max"] != maximum
            or any(a["max"] + 1 != b["min"] for a, b in zip(bands, bands[1:], strict=False))
        ):
            problems.append(f"bands must cover 0..{maximum} without gaps or overlaps")
    problems += _translation_problems(definition)
    for rule in definition.get("risk_rules", []):
        if rule.get("level") not in RISK_LEVELS:
            problems.append(f"risk rule {rule.get('signal')} has an unknown level")
        if any(cond.get("item") not in ids for cond in rule.get("when", [])):
            problems.append(f"risk rule {rule.get('signal')} refers to an unknown item")
    return problems


def _is_asked(item: dict[str, Any], answers: dict[str, int]) -> bool:
    condition = item.get("ask_if")
    return condition is None or answers.get(condition["item"]) == condition["equals"]


def check_answers(definition: dict[str, Any], answers: dict[str, Any]) -> dict[str, int]:
    """Return the answers as ints, or raise ``AnswerError`` naming each bad item."""
    errors: dict[str, str] = {}
    known = {item["id"]: item for item in definition["items"]}
    for item_id in answers:
        if item_id not in known:
            errors[item_id] = "Unknown item for this questionnaire."
    clean: dict[str, int] = {}
    for item_id, item in known.items():
        value = answers.get(item_id)
        if value is None:
            continue
        allowed = {o["value"] for o in _options_for(definition, item)}
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            errors[item_id] = f"Must be one of {sorted(allowed)}."
        else:
            clean[item_id] = value
    for item_id, item in known.items():
        asked = _is_asked(item, clean)
        if asked and item.get("required", True) and item_id not in clean and item_id not in errors:
            errors[item_id] = "This question needs an answer."
        if not asked and item_id in clean:
            errors[item_id] = "Not asked given the earlier answers; leave it out."
    if errors:
        raise AnswerError(errors)
    return clean


def band_for(definition: dict[str, Any], total: int) -> tuple[str, str]:
    for band in definition.get("bands", []):
        if band["min"] <= total <= band["max"]:
            return band["key"], band["label"]
    raise ValueError(f"total {total} outside the bands of {definition['key']}")


def risk_findings(definition: dict[str, Any], answers: dict[str, int]) -> tuple[RiskFinding, ...]:
    """One finding per signal: the first (most severe, by rule order) rule that matches."""
    findings: dict[str, RiskFinding] = {}
    texts = {item["id"]: item for item in definition["items"]}
    for rule in definition.get("risk_rules", []):
        if rule["signal"] in findings:
            continue
        if all(answers.get(cond["item"], -1) >= cond["gte"] for cond in rule["when"]):
            evidence_items = [
                {
                    "item": cond["item"],
                    "answer": answers[cond["item"]],
                    "period": texts[cond["item"]].get("period"),
                    "loinc": texts[cond["item"]].get("loinc"),
                }
                for cond in rule["when"]
            ]
            findings[rule["signal"]] = RiskFinding(
                signal=rule["signal"],
                level=rule["level"],
                evidence={"instrument": definition["key"], "version": definition["version"], "items": evidence_items},
            )
    return tuple(findings.values())


def score(definition: dict[str, Any], answers: dict[str, Any]) -> tuple[dict[str, int], Score]:
    clean = check_answers(definition, answers)
    if definition["scoring"]["method"] == "sum":
        total = sum(
            v for k, v in clean.items() if next(i for i in definition["items"] if i["id"] == k).get("scored", True)
        )
        band_key, band_label = band_for(definition, total)
    else:
        total, band_key, band_label = None, "", ""
    findings = risk_findings(definition, clean)
    if total is None and findings:
        worst = max(findings, key=lambda f: RISK_LEVELS.index(f.level))
        band_key, band_label = f"risk_{worst.level}", f"{worst.level.capitalize()} risk"
    elif total is None:
        band_key, band_label = "negative", "Negative screen"
    return clean, Score(total=total, band_key=band_key, band_label=band_label, risk=findings)


def change_flags(definition: dict[str, Any], previous_total: int | None, total: int | None) -> ChangeFlags:
    rules = definition.get("change") or {}
    if previous_total is None or total is None or not rules:
        return ChangeFlags(previous_total, None, None, False, False)
    delta = total - previous_total
    reliable = rules.get("reliable_change")
    direction = None
    if reliable is not None and abs(delta) >= reliable:
        direction = "improvement" if delta < 0 else "deterioration"
    fraction = rules.get("response_fraction")
    response = bool(fraction and previous_total > 0 and (previous_total - total) >= fraction * previous_total)
    remission_below = rules.get("remission_below")
    remission = bool(remission_below is not None and total < remission_below)
    return ChangeFlags(previous_total, delta, direction, response, remission)
