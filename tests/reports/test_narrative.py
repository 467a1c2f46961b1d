"""The narrative checker: every number and date in the text must be in the tables, at the precision written."""

from __future__ import annotations

from rapport.reports.narrative import TemplateNarrative, verify
from rapport.reports.schemas import Table

TABLES = {
    "period": Table(title="Period", columns=["field", "value"], rows=[["start", "2026-11-16"], ["end", "2026-11-22"]]),
    "summary": Table(
        title="Summary",
        columns=["metric", "this_week", "previous_week", "change_pct"],
        rows=[
            ["orders", 1234, 1180, 4.6],
            ["revenue", 56789.5, 54321.0, 4.54],
            ["average_order_value", 46.02, 46.03, 0.0],
            ["new_customers", 87, 90, -3.3],
            ["tickets_opened", 110, 100, 10.0],
            ["tickets_solved", 98, 95, 3.2],
            ["tickets_due", 105, 99, 6.1],
            ["sla_met_pct", 87.3, 85.0, 2.7],
            ["median_first_response_h", 3.4, 3.9, -12.8],
            ["open_backlog", 42, 30, 40.0],
        ],
    ),
    "tickets_by_intent": Table(
        title="Intents", columns=["intent", "tickets", "share_pct"], rows=[["order_status", 23, 20.9]]
    ),
    "revenue_by_channel": Table(
        title="Channels", columns=["channel", "orders", "revenue"], rows=[["web", 700, 30000.25]]
    ),
}


def test_the_template_narrative_checks_out() -> None:
    text = TemplateNarrative().write(TABLES)

    checks = verify(text, TABLES)

    assert "1,234 orders worth 56,789.50, up 4.5% on the week before" in text
    assert checks.unverified == []
    assert checks.numbers == checks.verified >= 15


def test_a_doctored_number_is_caught_with_its_context() -> None:
    text = TemplateNarrative().write(TABLES).replace("1,234 orders", "1,334 orders")

    checks = verify(text, TABLES)

    assert [c.text for c in checks.unverified] == ["1,334"]
    assert "1,334 orders worth" in checks.unverified[0].context


def test_precision_matters_and_dates_are_checked() -> None:
    assert verify("SLA met: 87.3%", TABLES).unverified == []
    assert [c.text for c in verify("SLA met: 87.4%", TABLES).unverified] == ["87.4%"]
    assert verify("SLA met: 87%", TABLES).unverified == []  # 87.3 shown as a whole number
    assert [c.text for c in verify("from 2026-11-15", TABLES).unverified] == ["2026-11-15"]
