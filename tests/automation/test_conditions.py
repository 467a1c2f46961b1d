"""The rule condition language: {field, op, value} over a context, with reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rapport.automation.conditions import check, evaluate, resolve
from rapport.automation.schemas import Condition

CONTEXT: dict[str, Any] = {
    "ticket": {"intent": "refund_request", "priority": "High", "channel": "email", "subject": "Refund #12"},
    "customer": {"tags": ["vip", "loyal"], "total_spent": Decimal("1250.50"), "owner_id": None},
    "event": {"changed": ["status", "priority"]},
}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("ticket.intent", "eq", "refund_request", True),
        ("ticket.priority", "eq", "high", True),  # text compares without case
        ("ticket.intent", "ne", "refund_request", False),
        ("ticket.channel", "in", ["chat", "email"], True),
        ("ticket.channel", "not_in", ["chat"], True),
        ("customer.total_spent", "gte", 1000, True),
        ("customer.total_spent", "lt", "1000", False),
        ("customer.tags", "contains", "VIP", True),
        ("customer.tags", "not_contains", "vip", False),
        ("event.changed", "contains", "status", True),
        ("ticket.subject", "matches", r"refund\s+#\d+", True),
        ("customer.owner_id", "exists", None, False),
        ("customer.owner_id", "missing", None, True),
        ("order.total", "gt", 5, False),  # no order in this context
    ],
)
def test_check(field: str, op: str, value: Any, expected: bool) -> None:
    held, _ = check(Condition(field=field, op=op, value=value), CONTEXT)  # type: ignore[arg-type]

    assert held is expected


def test_evaluate_needs_all_and_one_of_any_and_says_why() -> None:
    all_of = [Condition(field="ticket.intent", op="eq", value="refund_request")]
    any_of = [
        Condition(field="ticket.channel", op="eq", value="chat"),
        Condition(field="customer.tags", op="contains", value="vip"),
    ]

    held, reasons = evaluate(all_of, any_of, CONTEXT)

    assert held is True
    assert reasons[0] == "ticket.intent eq 'refund_request': yes (is 'refund_request')"
    assert len(reasons) == 3


def test_resolve_returns_none_for_missing_paths() -> None:
    assert resolve(CONTEXT, "customer.company.name") is None


def test_a_bad_regular_expression_is_refused_when_the_rule_is_written() -> None:
    with pytest.raises(ValueError, match="bad regular expression"):
        Condition(field="ticket.subject", op="matches", value="([")
