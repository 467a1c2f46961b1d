"""The condition language of workflow rules: `{field, op, value}` over an event's context, evaluated without
`eval`. A field is a dotted path (`customer.tags`, `triage.sentiment`); each check says why it held or not."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rapport.automation.schemas import Condition

_MISSING = object()
MAX_MATCH_TEXT = 10_000


def resolve(context: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any step is missing."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, dict):
            try:
                value = value[part]  # [] rather than .get(): a lazy context loads the part on first use
            except KeyError:
                return None
        else:
            value = getattr(value, part, _MISSING)
            if value is _MISSING:
                return None
    return value


def check(condition: Condition, context: dict[str, Any]) -> tuple[bool, str]:
    actual = resolve(context, condition.field)
    held = _OPS[condition.op](actual, condition.value)
    shown = actual if not isinstance(actual, str) or len(actual) < 80 else actual[:77] + "…"
    return held, f"{condition.field} {condition.op} {condition.value!r}: {'yes' if held else 'no'} (is {shown!r})"


def evaluate(
    all_of: Sequence[Condition], any_of: Sequence[Condition], context: dict[str, Any]
) -> tuple[bool, list[str]]:
    """All of `all_of` hold, and at least one of `any_of` when it is given; with the reasons."""
    reasons: list[str] = []
    for condition in all_of:
        held, why = check(condition, context)
        reasons.append(why)
        if not held:
            return False, reasons
    if any_of:
        results = [check(c, context) for c in any_of]
        reasons += [why for _, why in results]
        if not any(held for held, _ in results):
            return False, reasons
    return True, reasons


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(actual: Any, expected: Any) -> bool:
    a, e = _number(actual), _number(expected)
    if a is not None and e is not None:
        return a == e
    return bool(_norm(actual) == _norm(expected))


def _compare(actual: Any, expected: Any, op: str) -> bool:
    a, e = _number(actual), _number(expected)
    left: Any
    right: Any
    if a is not None and e is not None:
        left, right = a, e
    elif actual is None or expected is None:
        return False
    else:
        left, right = str(_norm(actual)), str(_norm(expected))
    results: dict[str, bool] = {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}
    return results[op]


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list | tuple | set):
        return _norm(expected) in {_norm(item) for item in actual}
    if isinstance(actual, str):
        return str(_norm(expected)) in actual.casefold()
    return False


def _matches(actual: Any, pattern: Any) -> bool:
    if actual is None:
        return False
    return bool(re.search(str(pattern), str(actual)[:MAX_MATCH_TEXT], re.IGNORECASE))


def _exists(actual: Any, _: Any) -> bool:
    return actual is not None and actual != [] and actual != ""


_OPS: dict[str, Any] = {
    "eq": _equal,
    "ne": lambda a, e: not _equal(a, e),
    "in": lambda a, e: any(_equal(a, item) for item in e),
    "not_in": lambda a, e: not any(_equal(a, item) for item in e),
    "gt": lambda a, e: _compare(a, e, "gt"),
    "gte": lambda a, e: _compare(a, e, "gte"),
    "lt": lambda a, e: _compare(a, e, "lt"),
    "lte": lambda a, e: _compare(a, e, "lte"),
    "contains": _contains,
    "not_contains": lambda a, e: not _contains(a, e),
    "matches": _matches,
    "exists": _exists,
    "missing": lambda a, e: not _exists(a, e),
}
