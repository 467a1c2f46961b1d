"""Charts as inline SVG rendered on the server: no script, nothing fetched, readable by screen readers.

Each chart is an `<svg role="img">` with a title and one `<title>` per bar (a tooltip), sized by its viewBox so it
scales to any screen. Pages put the same numbers in a table beside it for keyboard and screen-reader users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal
Point = tuple[str, Number]

PALETTE = ("#2457d6", "#0f9d8a", "#e0883e", "#b3261e", "#7b5cd6", "#5b6475", "#c2185b", "#2e7d32")


def _plain(value: Number) -> str:
    return f"{value:,.0f}" if isinstance(value, int) or float(value) >= 100 else f"{float(value):,.2f}"


def _nice_max(value: float) -> float:
    """The top of the axis: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def column_chart(
    points: Sequence[Point],
    *,
    label: str,
    color: str = PALETTE[0],
    fmt: Callable[[Number], str] = _plain,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Vertical bars over a category axis (months, for instance); every few labels are shown when they crowd."""
    left, right, top, bottom = 56, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((float(v) for _, v in points), default=0.0))
    parts = [_open(width, height, label)]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        tick = top_value * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(tick))}</text>')
    n = max(len(points), 1)
    slot = plot_w / n
    every = max(1, round(n / 12))
    for i, (name, value) in enumerate(points):
        h = plot_h * float(value) / top_value
        x = left + i * slot + slot * 0.12
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.76:.1f}" height="{h:.1f}" fill="{color}" rx="2">'
            f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.38:.1f}" y="{height - 8}" text-anchor="middle" class="tick">'
                f"{escape(name)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    points: Sequence[Point],
    *,
    label: str,
    fmt: Callable[[Number], str] = _plain,
    width: int = 640,
    bar_h: int = 22,
    label_w: int = 170,
) -> Markup:
    """Horizontal bars with their names on the left and values at their ends: for categories with long names."""
    gap = 6
    height = max(len(points), 1) * (bar_h + gap) + gap
    plot_w = width - label_w - 70
    top_value = max((float(v) for _, v in points), default=0.0) or 1.0
    parts = [_open(width, height, label)]
    for i, (name, value) in enumerate(points):
        y = gap + i * (bar_h + gap)
        w = plot_w * float(value) / top_value
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="name">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}" rx="3">'
            f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="value">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
    )
