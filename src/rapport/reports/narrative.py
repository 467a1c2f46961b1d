"""The report's written summary, and the checker that every number in it is in the report's tables.

The template writer states numbers straight from the tables. A model may write the narrative instead (through
the gateway); either way `verify` reads every number and date in the text and looks for it in the tables, to the
precision it is written with ("4.2%" matches 4.24, not 4.3). A narrative with an unverifiable number is held, not
sent: a made-up figure in a report to managers is worse than no report.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final, Protocol

from rapport.reports.schemas import ChecksRead, NumberCheck, Table

_DATE: Final = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER: Final = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")


class NarrativeWriter(Protocol):
    name: str

    def write(self, tables: dict[str, Table]) -> str: ...


class TemplateNarrative:
    """Plain sentences from the tables, in English; no number is computed that is not in a table."""

    name = "template@1"

    def write(self, tables: dict[str, Table]) -> str:
        period = dict(tables["period"].rows)
        s = {row[0]: row for row in tables["summary"].rows}

        def now(metric: str) -> Any:
            return s[metric][1]

        parts = [
            f"In the week of {period['start']} to {period['end']}, customers placed {now('orders'):,} orders worth "
            f"{now('revenue'):,.2f}{_trend(s['revenue'][3])}, an average of "
            f"{now('average_order_value'):,.2f} per order; "
            f"{now('new_customers'):,} new customers joined.",
            f"Support opened {now('tickets_opened'):,} tickets and solved {now('tickets_solved'):,}.",
        ]
        if now("tickets_due"):
            parts.append(
                f"Of the {now('tickets_due'):,} tickets whose first-response deadline fell in the week, "
                f"{now('sla_met_pct'):.1f}% were answered in time; the median first response took "
                f"{now('median_first_response_h'):.1f} hours."
            )
        intents = tables["tickets_by_intent"].rows
        if intents:
            intent, count, share = intents[0]
            parts.append(
                f"The most common request was {str(intent).replace('_', ' ')} ({count:,} tickets, {share:.1f}%)."
            )
        channels = tables["revenue_by_channel"].rows
        if channels:
            channel, orders, revenue = channels[0]
            parts.append(f"The {channel} channel brought the most revenue: {revenue:,.2f} from {orders:,} orders.")
        parts.append(f"At the end of the week {now('open_backlog'):,} tickets were open.")
        return " ".join(parts)


class GatewayNarrative:
    """A model writes the summary from the tables (feature "reports.narrative"); `verify` still checks it."""

    name = "llm@1"

    def __init__(self, gateway: Any, max_tokens: int = 400) -> None:
        self.gateway = gateway
        self.max_tokens = max_tokens

    def write(self, tables: dict[str, Table]) -> str:
        data = {name: {"columns": t.columns, "rows": t.rows} for name, t in tables.items()}
        messages = [
            {
                "role": "system",
                "content": "You write a short weekly business summary for managers, in plain English, 4 to 6 "
                "sentences. Use only numbers that appear in the tables, written exactly as they appear "
                "(you may add thousands separators). Do not compute new numbers.",
            },
            {"role": "user", "content": "Tables (JSON):\n" + json.dumps(data, ensure_ascii=False)},
        ]
        completion = self.gateway.complete("reports.narrative", messages, max_tokens=self.max_tokens)
        return str(completion.text).strip()


def verify(text: str, tables: dict[str, Table]) -> ChecksRead:
    """Every date and number in `text` must be in a table, at the precision written."""
    cells = list(_cells(tables))
    checks: list[NumberCheck] = []
    remaining = text
    for match in _DATE.finditer(text):
        found = next((where for where, value in cells if value == match.group(0)), None)
        checks.append(
            NumberCheck(
                text=match.group(0),
                value=match.group(0),
                is_verified=found is not None,
                found_in=found,
                context=_around(text, match.start(), match.end()),
            )
        )
        remaining = remaining.replace(match.group(0), " ")
    for match in _NUMBER.finditer(remaining):
        token = match.group(0)
        number = float(token.rstrip("%").replace(",", ""))
        decimals = len(token.rstrip("%").split(".")[1]) if "." in token else 0
        tolerance = 0.5 * 10**-decimals + 1e-9
        found = next(
            (
                where
                for where, value in cells
                if isinstance(value, int | float)
                and not isinstance(value, bool)
                and abs(abs(float(value)) - abs(number)) <= tolerance
            ),
            None,
        )
        checks.append(
            NumberCheck(
                text=token,
                value=number,
                is_verified=found is not None,
                found_in=found,
                context=_around(remaining, match.start(), match.end()),
            )
        )
    unverified = [c for c in checks if not c.is_verified]
    return ChecksRead(numbers=len(checks), verified=len(checks) - len(unverified), unverified=unverified)


def _cells(tables: dict[str, Table]) -> list[tuple[str, Any]]:
    found = []
    for name, table in tables.items():
        for index, row in enumerate(table.rows):
            for column, value in zip(table.columns, row, strict=False):
                if value is not None:
                    found.append((f"{name}[{index}].{column}", value))
    return found


def _around(text: str, start: int, end: int, width: int = 40) -> str:
    return " ".join(text[max(0, start - width) : end + width].split())


def _trend(change: float | None) -> str:
    if change is None:
        return ""
    if change == 0:
        return ", the same as the week before"
    return f", {'up' if change > 0 else 'down'} {abs(change):.1f}% on the week before"
