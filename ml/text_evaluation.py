"""Figures for the risk and trigger detectors on a JSON Lines set (``python -m ml.evaluate``).

Risk rows: ``{text, level, risk?, style?, class? (or cls)}``; trigger rows: ``{text, category,
secondary? (or categories: [main, second]), style?, class? (or indirect: bool)}``. Breakdowns per
level, style and class are computed from whatever tags a set carries. Nothing here prints a set's
sentences: the per-item list (``errors``) is returned to the caller, and the CLI refuses to print it
for a blind set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

LEVELS = ("none", "history", "passive_ideation", "active_ideation", "plan_or_intent", "self_harm")
ALERT_LEVELS = frozenset(LEVELS[2:])  # passive ideation and above: what raises a risk signal


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _tag(row: dict, key: str) -> str:
    value = row.get(key) or (row.get("cls") if key == "class" else None)
    if value is None and key == "class" and "indirect" in row:
        two = len(row.get("categories") or []) > 1
        value = ("two_theme_" if two else "") + ("indirect" if row["indirect"] else "keyword")
    return str(value or "untagged")


def _second(row: dict) -> str | None:
    return row.get("secondary") or next(iter((row.get("categories") or [])[1:]), None)


def risk_metrics(rows: Sequence[dict], predicted: Sequence[str]) -> dict:
    """Aggregate figures for predicted levels against the rows' gold levels.

    - ``precision``/``recall``: any risk (history included), the historical headline figures;
    - ``alert_precision``/``alert_recall``: passive ideation and above, which pages a care team;
    - ``recall_per_level``: for history, found at any level; for alert levels, found at alert level;
    - ``exact_per_level``: the level itself predicted; ``level_accuracy`` over all rows;
    - ``false_alarm_rate``: gold ``none`` rows raised at alert level (overall, per class, per style).
    """
    tp = fp = fn = alert_tp = alert_fp = alert_fn = correct = 0
    confusion = {gold: dict.fromkeys(LEVELS, 0) for gold in LEVELS}
    per_level: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # found, exact, n
    per_style: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    errors = []
    for row, level in zip(rows, predicted, strict=True):
        gold = row["level"]
        gold_risk = bool(row.get("risk", gold != "none"))
        gold_alert, alert = gold in ALERT_LEVELS, level in ALERT_LEVELS
        tp += gold_risk and level != "none"
        fp += (not gold_risk) and level != "none"
        fn += gold_risk and level == "none"
        alert_tp += gold_alert and alert
        alert_fp += (not gold_alert) and alert
        alert_fn += gold_alert and not alert
        correct += level == gold
        confusion[gold][level] += 1
        found = alert if gold_alert else (level != "none" if gold != "none" else level == "none")
        stats = per_level[gold]
        stats[0] += found
        stats[1] += level == gold
        stats[2] += 1
        style = per_style[_tag(row, "style")]
        style[0] += gold_alert and alert
        style[1] += gold_alert
        style[2] += gold == "none" and alert
        style[3] += gold == "none"
        style[4] += level == gold
        style[5] += 1
        cls = per_class[_tag(row, "class")]
        if gold_alert:
            cls[0] += alert
            cls[1] += 1
        elif gold == "none":
            cls[2] += alert
            cls[3] += 1
        if (gold_alert != alert) or (gold != "none") != (level != "none"):
            errors.append({"text": row["text"], "gold": gold, "predicted": level, "class": _tag(row, "class")})
    precision, recall = _ratio(tp, tp + fp) or 0.0, _ratio(tp, tp + fn) or 0.0
    none_rows = sum(1 for r in rows if r["level"] == "none")
    none_alarms = sum(1 for r, p in zip(rows, predicted, strict=True) if r["level"] == "none" and p in ALERT_LEVELS)
    return {
        "precision": precision,
        "recall": recall,
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "alert_precision": _ratio(alert_tp, alert_tp + alert_fp),
        "alert_recall": _ratio(alert_tp, alert_tp + alert_fn),
        "plan_recall": _ratio(per_level["plan_or_intent"][0], per_level["plan_or_intent"][2]),
        "level_accuracy": _ratio(correct, len(rows)),
        "false_alarm_rate": _ratio(none_alarms, none_rows),
        "recall_per_level": {lv: _ratio(s[0], s[2]) for lv, s in per_level.items() if lv != "none"},
        "exact_per_level": {lv: _ratio(s[1], s[2]) for lv, s in per_level.items()},
        "per_style": {
            k: {
                "alert_recall": _ratio(s[0], s[1]),
                "false_alarm_rate": _ratio(s[2], s[3]),
                "level_accuracy": _ratio(s[4], s[5]),
                "n": s[5],
            }
            for k, s in sorted(per_style.items())
        },
        "per_class": {
            k: {"alert_recall": _ratio(s[0], s[1]), "false_alarm_rate": _ratio(s[2], s[3]), "n": s[1] + s[3]}
            for k, s in sorted(per_class.items())
        },
        "n": len(rows),
        "confusion": confusion,
        "errors": errors,
    }


def trigger_metrics(rows: Sequence[dict], recorded: Sequence[str | None], forced: Sequence[str]) -> dict:
    """``recorded``: the best category among the findings the detector records (None: it abstains);
    ``forced``: the best category even below the detector's thresholds (the old top-1).

    - ``top1_accuracy``: correct among the rows where something is recorded;
    - ``coverage``: rows where something is recorded;
    - ``forced_top1``: the old figure, which hid abstentions;
    - ``top1_any_theme``: recorded top-1 that is the main or the second theme of a two-theme row.
    Rows whose gold category is ``none`` count as covered when nothing is recorded and right when
    nothing is recorded.
    """
    correct = covered = forced_correct = any_theme = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_style: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for row, got, best in zip(rows, recorded, forced, strict=True):
        gold = row["category"] or "none"  # a no-theme row: "none", or null (the v5 writers' files)
        if gold == "none":
            is_covered, hit = True, got is None
        else:
            is_covered, hit = got is not None, got == gold
        covered += is_covered
        correct += hit and is_covered
        forced_correct += best == gold if gold != "none" else got is None
        any_theme += is_covered and (hit or (got is not None and got == _second(row)))
        for table, key in ((per, gold), (per_style, _tag(row, "style")), (per_class, _tag(row, "class"))):
            table[key][0] += hit and is_covered
            table[key][1] += is_covered
            table[key][2] += 1
        if not hit:
            errors.append({"text": row["text"], "gold": gold, "predicted": got, "forced": best})

    def table(stats: dict) -> dict:
        return {
            k: {"top1": _ratio(s[0], s[1]), "coverage": _ratio(s[1], s[2]), "n": s[2]} for k, s in sorted(stats.items())
        }

    return {
        "top1_accuracy": _ratio(correct, covered) or 0.0,
        "coverage": _ratio(covered, len(rows)) or 0.0,
        "forced_top1": _ratio(forced_correct, len(rows)) or 0.0,
        "top1_any_theme": _ratio(any_theme, covered) or 0.0,
        "per_category": {k: v["top1"] for k, v in table(per).items()},
        "coverage_per_category": {k: v["coverage"] for k, v in table(per).items()},
        "per_style": table(per_style),
        "per_class": table(per_class),
        "n": len(rows),
        "errors": errors,
    }


def evaluate_risk(
    rows: Sequence[dict], detector=None, predict: Callable[[str], str] | None = None, language: str = "en"
) -> dict:
    if predict is None:
        from ml.risk import RiskDetector

        detector = detector or RiskDetector()
        predicted = [r.level for r in detector.assess_many([row["text"] for row in rows], language)]
        version = detector.version_for(language)
    else:
        predicted = [predict(row["text"]) for row in rows]
        version = getattr(detector, "version", "external")
    result = risk_metrics(rows, predicted)
    result["version"] = version
    return result


def evaluate_triggers(rows: Sequence[dict], detector=None, language: str = "en") -> dict:
    from ml.triggers import KeywordTriggerDetector, TriggerDetector

    detector = detector or (TriggerDetector() if language == "en" else KeywordTriggerDetector(language))
    pairs = detector.top1_many([row["text"] for row in rows])
    result = trigger_metrics(rows, [p[0] for p in pairs], [p[1] for p in pairs])
    result["version"] = detector.version
    return result
