"""The pre-session brief as a printable PDF: the same content as ``brief.html``, headed with the
patient's name (Latin, Greek, Cyrillic, Arabic or CJK, see ``apps.core.pdf``), with the daily
check-in chart and the questionnaire score charts drawn as vector lines above the text."""

from __future__ import annotations

import textwrap

from apps.core.pdf import Polyline, build, paginate
from apps.plans.charts import SERIES

CHART = (50, 640, 495, 110)  # x, y (bottom), width, height in points
SCORES = (50, 545, 150, 170, 50)  # first x, y (bottom), width, step between charts, height
WRAP = 105
LEADING = 11


def _section(title: str, items: list[str], empty: str) -> list[str]:
    out = ["", title.upper()]
    for item in items or [empty]:
        wrapped = textwrap.wrap(item, WRAP) or [""]
        out += ["  " + wrapped[0]] + ["    " + more for more in wrapped[1:]]
    return out


def _fmt(value) -> str:
    return "-" if value is None else str(value)


def brief_lines(brief: dict) -> list[str]:
    period = brief["period"]
    lines = [f"Since {period['since']} ({period['start']} to {period['end']}). Generated {brief['generated_at'][:16]}."]
    if brief.get("not_risk_screened"):
        lines += _section(
            "Not risk-screened",
            [
                f"{n['source_type'].replace('_', ' ')} of {n['date']}: not analysed: language ({n['language']})"
                for n in brief["not_risk_screened"]
            ],
            "",
        )
    lines += _section(
        "Alerts",
        [
            f"{a['severity']} {a['source']} - {a['state']}"
            + (f" ({a['outcome']})" if a["outcome"] else "")
            + f", raised {a['raised']}"
            for a in brief["alerts"]
        ],
        "None in this period.",
    )
    measures = [
        f"{name.replace('_', ' ')}: this period {_fmt(m['period_mean'])}, baseline {_fmt(m['baseline_mean'])}, "
        f"change {_fmt(m['change'])}"
        for name, m in brief["measures"].items()
        if isinstance(m, dict) and "period_mean" in m
    ]
    adherence = [
        f"{row['kind']}: {row['completed']} of {row['due']} done"
        + (f", {row['missed']} missed" if row["missed"] else "")
        for row in brief["adherence"]
    ]
    lines += _section("Check-ins", measures + adherence, "No check-ins in this period.")
    questionnaires = []
    for q in brief["questionnaires"]:
        text = f"{q['instrument']}: {_fmt(q['total'])} {q['band'] or ''} on {q['date']}"
        if (q.get("change") or {}).get("reliable_change"):
            text += f" - reliable {q['change']['reliable_change']}"
        if q["risk"]:
            text += f" - RISK ITEMS: {', '.join(q['risk'])}"
        questionnaires.append(text)
    lines += _section("Questionnaires", questionnaires, "None in this period.")
    triggers = []
    for t in brief["themes"]["triggers"]:
        triggers.append(f"{t['category']} ({t['mentions']})")
        triggers += [f'   "{e["span"]}" - {e["date"]}' for e in t["examples"]]
    lines += _section("Triggers", triggers, "None found.")
    lines += _section(
        "What helps", [f"{t['category']} ({t['mentions']})" for t in brief["themes"]["protective"]], "None found."
    )
    lines += _section("Patterns", [p["summary"] for p in brief["patterns"]], "No reliable patterns yet.")
    goals = []
    for g in (brief["treatment_goals"] or {}).get("goals", []):
        text = g["goal"]
        if g["measured"]:
            now = "no data yet" if g["current"] is None else g["current"]
            text += f" - now {now}, target {g['op']} {g['target']}" + (f" by {g['by']}" if g["by"] else "")
            text += " (met)" if g["met"] else " (OVERDUE)" if g["overdue"] else ""
        goals.append(text)
    lines += _section("Treatment goals", goals, "No signed treatment plan.")
    lines += _section(
        "Last session's plan", (brief["last_plan"] or {}).get("items", []), "No signed note from the last session."
    )
    return lines


def _chart(series: list[dict]) -> list[Polyline]:
    x0, y0, width, height = CHART
    frame = Polyline("#bbbbbb", [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height), (x0, y0)])
    n = max(1, len(series) - 1)
    lines = [frame]
    for key, colour, top in SERIES:
        points = [
            (x0 + i * width / n, y0 + (p[key] / top) * height) for i, p in enumerate(series) if p.get(key) is not None
        ]
        lines.append(Polyline(colour, points))
    return lines


def _score_charts(history: list[dict]) -> tuple[list[Polyline], list[tuple[float, float, list[str]]]]:
    """Up to three small charts in a row: totals over six months, dashed grey lines at band thresholds."""
    drawings, labels = [], []
    for i, entry in enumerate(history[:3]):
        first_x, y0, width, step, height = SCORES
        x0 = first_x + i * step
        for t in entry["thresholds"]:
            ty = y0 + t["min"] / entry["max"] * height
            drawings.append(Polyline("#cccccc", [(x0, ty), (x0 + width, ty)], dash=(3, 2)))
        n = max(1, len(entry["points"]) - 1)
        drawings.append(
            Polyline(
                "#6a3d9a",
                [
                    (
                        x0 + (j * width / n if len(entry["points"]) > 1 else width / 2),
                        y0 + p["total"] / entry["max"] * height,
                    )
                    for j, p in enumerate(entry["points"])
                ],
            )
        )
        last = entry["points"][-1]["total"]
        labels.append((x0, y0 + height + 6, [f"{entry['instrument']}: {last} (6 months)"]))
    return drawings, labels


def brief_pdf(brief: dict, *, patient_name: str) -> bytes:
    legend = "Daily check-ins: mood (blue), anxiety (red), sleep hours (green)"
    title = f"Pre-session brief: {patient_name}"
    header = [title, legend if brief["series"] else "Daily check-ins: none in this period"]
    drawings = _chart(brief["series"]) if brief["series"] else []
    first_top = CHART[1] - 24
    score_drawings, score_labels = _score_charts(brief["score_history"])
    if score_labels:
        drawings += score_drawings
        first_top = SCORES[1] - 24
    # 9 pt on 11 pt leading: a typical brief fits one page; a long one continues on the next
    pages = paginate(
        brief_lines(brief), first_top=first_top, first_capacity=int((first_top - 36) / LEADING), per_page=68
    )
    pages[0].blocks[:0] = [(50, 790, header), *score_labels]
    pages[0].drawings = drawings
    return build(pages, size=9, leading=LEADING, title=title)
