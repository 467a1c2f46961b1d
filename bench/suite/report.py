"""The suite's figures as text: one line per row on the console, and the Markdown table in docs/BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BEGIN, END = "<!-- suite:begin -->", "<!-- suite:end -->"


def number(value: float) -> str:
    """Three significant digits, thousands separated: 1,234 · 56.8 · 0.123."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def section_lines(name: str, result: dict[str, Any]) -> str:
    if "rows" not in result:
        return f"  {name}: {result.get('skipped') or result.get('error')}"
    return "\n".join(
        f"  {r['name']}: {number(r['figure'])} {r['unit']} vs {number(r['baseline'])} ({r['baseline_name']}), "
        f"ratio {r['ratio']:.2f} ({r['better']} is better)"
        for r in result["rows"]
    )


def table(document: dict[str, Any]) -> str:
    m, d = document["machine"], document["data"]
    lines = [
        f"Measured {document['date'][:10]} at scale {document['scale']:g} ({d['customers']:,.0f} customers, "
        f"{d['orders']:,.0f} orders, {d['interactions']:,.0f} interactions) on {m['cores']} cores ({m['cpu']}), "
        f"{m['ram_gib']:g} GiB RAM, load average {m['load_average_at_start']:g} at the start; "
        f"whole run {document['total_s']:,.0f} s. Ratio = Rapport ÷ baseline.",
        "",
        "| section | figure | Rapport | baseline | ratio | better | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, result in document["sections"].items():
        if "rows" not in result:
            why = result.get("skipped") or result.get("error", "")
            lines.append(f"| {name} | {'skipped' if 'skipped' in result else 'failed'} | | | | | {why} |")
            continue
        for r in result["rows"]:
            lines.append(
                f"| {name} | {r['name']} ({r['unit']}) | {number(r['figure'])} | {number(r['baseline'])} "
                f"({r['baseline_name']}) | {r['ratio']:.2f} | {r['better']} | {r['note']} |"
            )
    return "\n".join(lines)


def update_docs(path: Path, document: dict[str, Any]) -> None:
    """Replace what lies between the markers (appending them, with the table, if the page has none)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{table(document)}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
