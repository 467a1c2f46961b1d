"""Rendering: PNG charts, a self-contained HTML page and a PDF, from the same tables."""

from __future__ import annotations

from rapport.reports import render
from rapport.reports.narrative import TemplateNarrative, verify
from tests.reports.test_narrative import TABLES

DAILY = {
    **TABLES,
    "daily": render.Table(
        title="Day by day",
        columns=["day", "orders", "revenue", "tickets"],
        rows=[["2026-11-16", 3, 120.5, 4], ["2026-11-17", 1, 20.0, 2]],
    ),
}


def test_charts_are_png() -> None:
    made = render.charts(DAILY)

    assert [c.title for c in made] == ["Revenue and tickets per day", "Tickets by intent"]
    assert all(c.png.startswith(b"\x89PNG") for c in made)


def test_html_embeds_charts_and_says_how_many_numbers_checked_out() -> None:
    text = TemplateNarrative().write(DAILY)

    page = render.html("Weekly report", "sub", text, "template@1", verify(text, DAILY), DAILY, render.charts(DAILY))

    assert "data:image/png;base64," in page
    assert "1,234 orders" in page
    assert "numbers checked against the tables" in page


def test_pdf_renders_with_chinese_names_left_out_when_no_cjk_font() -> None:
    tables = {
        **DAILY,
        "agents": render.Table(
            title="Agents",
            columns=["agent", "assigned", "solved", "sla_met_pct"],
            rows=[["Zhang Min 张敏", 3, 2, 66.7]],
        ),
    }
    text = TemplateNarrative().write(tables)

    pdf = render.pdf("Weekly report", "sub", text, verify(text, tables), tables, [], cjk_font="")

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5000


def test_format_cell() -> None:
    assert [render.format_cell(v) for v in (1234, 87.3, 56789.5, 46.02, None)] == [
        "1,234",
        "87.3",
        "56,789.5",
        "46.02",
        "–",
    ]
