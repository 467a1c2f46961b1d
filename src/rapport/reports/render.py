"""Rendering a report: charts (matplotlib's Agg canvas, used through Figure directly, so no display and no pyplot
global state), a self-contained HTML page, and a PDF.

The PDF is drawn with fpdf2, a pure-Python library: no system libraries to install (WeasyPrint would need
Debian's pango), and the PDF is built from the same tables as the HTML rather than by converting HTML. Text uses
DejaVu Sans, which matplotlib ships; Chinese names need a CJK font, which is looked for on the system (Noto CJK,
WenQuanYi) and can be set in settings. Without one, CJK characters are left out of the PDF (the HTML keeps them).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import matplotlib
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from rapport.reports.schemas import ChecksRead, Table

CJK_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
_CJK: Final = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")
TABLE_ORDER: Final = ("summary", "tickets_by_intent", "revenue_by_channel", "agents", "daily")


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes


def charts(tables: dict[str, Table]) -> list[Chart]:
    made = []
    daily = tables.get("daily")
    if daily and daily.rows:
        days = [str(r[0])[5:] for r in daily.rows]
        fig = Figure(figsize=(8, 3.2), dpi=110)
        ax = fig.subplots()
        ax.bar(days, [r[2] for r in daily.rows], color="#3e7bfa", label="revenue")
        ax.set_ylabel("revenue")
        twin = ax.twinx()
        twin.plot(days, [r[3] for r in daily.rows], color="#f0b429", marker="o", label="tickets opened")
        twin.set_ylabel("tickets opened")
        ax.set_title("Revenue and tickets per day")
        fig.tight_layout()
        made.append(Chart("Revenue and tickets per day", _png(fig)))
    intents = tables.get("tickets_by_intent")
    if intents and intents.rows:
        fig = Figure(figsize=(8, 3.2), dpi=110)
        ax = fig.subplots()
        labels = [str(r[0]).replace("_", " ") for r in intents.rows][::-1]
        ax.barh(labels, [r[1] for r in intents.rows][::-1], color="#3e7bfa")
        ax.set_xlabel("tickets")
        ax.set_title("Tickets by intent")
        fig.tight_layout()
        made.append(Chart("Tickets by intent", _png(fig)))
    return made


def html(
    title: str,
    subtitle: str,
    narrative: str,
    narrative_source: str,
    checks: ChecksRead,
    tables: dict[str, Table],
    made: list[Chart],
) -> str:
    template = _templates().get_template("weekly.html")
    return template.render(
        title=title,
        subtitle=subtitle,
        narrative=narrative,
        narrative_source=narrative_source,
        checks=checks,
        checks_clean=checks.is_clean,
        charts=[{"title": c.title, "data": base64.b64encode(c.png).decode()} for c in made],
        tables=[_shown(tables[name], name) for name in TABLE_ORDER if name in tables],
    )


def pdf(
    title: str,
    subtitle: str,
    narrative: str,
    checks: ChecksRead,
    tables: dict[str, Table],
    made: list[Chart],
    *,
    cjk_font: str | None,
) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    document = FPDF(format="A4")
    document.set_auto_page_break(auto=True, margin=15)
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    document.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    font = find_cjk_font(cjk_font)
    if font:
        document.add_font("CJK", "", font)
        document.add_font("CJK", "B", font)
        document.set_fallback_fonts(["CJK"])
    text = (lambda s: s) if font else _without_cjk
    document.add_page()
    document.set_font("DejaVu", "B", 16)
    document.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 9)
    document.set_text_color(97, 110, 124)
    document.multi_cell(0, 5, text(subtitle), new_x="LMARGIN", new_y="NEXT")
    document.set_text_color(31, 41, 51)
    document.ln(2)
    document.set_font("DejaVu", "", 10.5)
    document.multi_cell(0, 5.6, text(narrative), new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 8)
    status = "all checked" if checks.is_clean else f"HELD: {len(checks.unverified)} not found in the tables"
    document.multi_cell(
        0,
        5,
        f"{checks.verified} of {checks.numbers} numbers checked against the tables ({status}).",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for chart in made:
        document.ln(2)
        document.image(io.BytesIO(chart.png), w=180)
    heading = FontFace(emphasis="BOLD", fill_color=(228, 231, 235))
    for name in TABLE_ORDER:
        table = tables.get(name)
        if table is None or not table.rows:
            continue
        document.ln(3)
        document.set_font("DejaVu", "B", 11)
        document.cell(0, 7, text(table.title), new_x="LMARGIN", new_y="NEXT")
        document.set_font("DejaVu", "", 8.5)
        shown = _shown(table, name)
        with document.table(headings_style=heading, line_height=5.2, text_align="LEFT") as grid:
            grid.row([c.replace("_", " ") for c in shown.columns])
            for row in shown.rows:
                grid.row([text(cell) for cell in row])
    return bytes(document.output())


MONEY: Final = frozenset({"revenue", "average_order_value"})
LABELS: Final = {
    "orders": "orders",
    "revenue": "revenue",
    "average_order_value": "average order value",
    "new_customers": "new customers",
    "tickets_opened": "tickets opened",
    "tickets_solved": "tickets solved",
    "tickets_due": "tickets due a first response",
    "sla_met_pct": "first responses in time (%)",
    "median_first_response_h": "median first response (h)",
    "open_backlog": "open tickets at the end",
}


def _shown(table: Table, name: str) -> Table:
    """The table as text: money with 2 decimals, other numbers as they are, the summary's metrics in words."""
    rows = []
    for row in table.rows:
        metric = str(row[0]) if name == "summary" else ""
        cells = []
        for column, value in zip(table.columns, row, strict=False):
            money = (metric in MONEY and column != "change_pct") or column in MONEY
            cells.append(LABELS.get(metric, metric) if column == "metric" else format_cell(value, money=money))
        rows.append(cells)
    return Table(title=table.title, columns=table.columns, rows=rows)


def format_cell(value: Any, *, money: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if money and isinstance(value, int | float):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}" if round(value * 10) == value * 10 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@cache
def find_cjk_font(configured: str | None) -> str | None:
    """The configured font; '' means none; None means the first candidate found on this system."""
    if configured is not None:
        return configured if configured and Path(configured).exists() else None
    return next((c for c in CJK_FONT_CANDIDATES if Path(c).exists()), None)


def _without_cjk(value: str) -> str:
    return re.sub(r"\s{2,}", " ", _CJK.sub("", value)).strip()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("rapport.reports", "templates"), autoescape=select_autoescape(["html"]))
