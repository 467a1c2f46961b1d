"""Inline SVG charts: labelled for screen readers, scaled to the data, and safe with any label text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rapport.web.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_column_chart_is_valid_svg_with_one_bar_per_point() -> None:
    svg = column_chart([("24-01", 10), ("24-02", 30), ("24-03", 0)], label="Orders per month")

    root = ET.fromstring(str(svg))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Orders per month"
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 3
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[1] > heights[0] > heights[2] == 0


def test_bar_chart_escapes_labels() -> None:
    svg = bar_chart([("<script>x</script>", 3)], label="A & B")

    assert "<script>" not in str(svg)
    root = ET.fromstring(str(svg))
    assert root.get("aria-label") == "A & B"


def test_empty_chart_is_still_drawn() -> None:
    assert str(column_chart([], label="Nothing")).startswith("<svg")
