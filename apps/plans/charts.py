"""A small inline SVG line chart for the brief (no JavaScript, prints well)."""

from __future__ import annotations

from html import escape

SERIES = (("mood", "#1f5fbf", 10.0), ("anxiety", "#c0392b", 10.0), ("sleep_hours", "#2e8b57", 12.0))


def line_chart(points: list[dict], width: int = 420, height: int = 120) -> str:
    if not points:
        return '<div class="muted">No check-ins in this period.</div>'
    n = max(1, len(points) - 1)
    paths = []
    for key, colour, top in SERIES:
        coords = [
            (i * width / n, height - (p[key] / top) * height) for i, p in enumerate(points) if p.get(key) is not None
        ]
        if coords:
            d = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(coords))
            paths.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Daily check-ins">{"".join(paths)}</svg>'
    )


def score_chart(entry: dict, width: int = 220, height: int = 70) -> str:
    """One instrument's totals over time, with dashed lines at its band thresholds."""
    top, points = entry["max"], entry["points"]
    n = max(1, len(points) - 1)

    def y(value: float) -> float:
        return height - value / top * height

    parts = [
        f'<line x1="0" x2="{width}" y1="{y(t["min"]):.1f}" y2="{y(t["min"]):.1f}" stroke="#bbb" '
        f'stroke-dasharray="3,3"><title>{escape(t["label"])} from {t["min"]}</title></line>'
        for t in entry["thresholds"]
    ]
    coords = [(i * width / n if len(points) > 1 else width / 2, y(p["total"])) for i, p in enumerate(points)]
    d = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py) in enumerate(coords))
    parts.append(f'<path d="{d}" fill="none" stroke="#6a3d9a" stroke-width="1.5"/>')
    parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#6a3d9a"/>' for px, py in coords]
    label = escape(entry["instrument"])
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label} scores against band thresholds">{"".join(parts)}</svg>'
    )
