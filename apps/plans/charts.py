"""A small inline SVG line chart for the brief (no JavaScript, prints well)."""

from __future__ import annotations

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
