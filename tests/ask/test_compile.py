"""Plans compiled to one SELECT and run on a small company with known answers (SQLite, and PostgreSQL with --db).

The company (kit.py), with "now" 2026-11-01: orders wang 6000 (Aug 10), li 7000 (Aug 15) and 50 (Oct 20), amy 300
(Sep 1) and 200 cancelled (Oct 5), bob 1000 (2025-12-01) and 400 (Oct 25). Revenue leaves cancelled orders out.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from rapport.ask.compile import Compiled, compile_plan, period_bounds
from rapport.ask.plan import QueryPlan, TimeRange
from rapport.ask.service import QueryTimeout, execute, run_plan
from rapport.privacy.access import Principal, system_principal
from tests.factories import principal_of

from .kit import NOW, World

ADMIN = system_principal("test")


def answer(session: Session, plan: dict[str, Any], principal: Principal = ADMIN) -> list[list[Any]]:
    result = run_plan(session, principal, QueryPlan.model_validate(plan), now=NOW)
    assert result.status == "answered", result.refusal
    return result.rows


def test_revenue_is_the_sum_of_order_totals_without_cancelled_orders(session: Session, world: World) -> None:
    assert answer(session, {"metrics": ["revenue", "order_count"]}) == [[14750.0, 7]]


def test_a_city_named_in_english_finds_the_chinese_spelling(session: Session, world: World) -> None:
    rows = answer(
        session,
        {"metrics": ["revenue"], "filters": [{"field": "customer.city", "op": "=", "value": "Shanghai"}]},
    )
    assert rows == [[13050.0]]


def test_revenue_by_city_joins_customers(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["revenue"], "dimensions": ["customer.city"]})
    assert rows == [["上海市", 13050.0], ["London", 1700.0]]


def test_revenue_by_category_is_counted_on_order_lines(session: Session, world: World) -> None:
    result = run_plan(session, ADMIN, QueryPlan(metrics=["revenue"], dimensions=["product.category"]), now=NOW)
    assert result.entity == "order_lines"
    assert result.rows == [["Electronics", 14000.0], ["Books", 750.0]]


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ({"last_days": 30}, [[450.0, 3]]),  # since Oct 2: li 50, amy 200 (cancelled), bob 400
        ({"period": "last_quarter"}, [[13300.0, 3]]),  # July to September
        ({"period": "last_year"}, [[1000.0, 1]]),
        ({"start": "2026-08-01", "end": "2026-09-01"}, [[13000.0, 2]]),
    ],
)
def test_time_ranges(session: Session, world: World, time: dict[str, Any], expected: list[list[Any]]) -> None:
    assert answer(session, {"metrics": ["revenue", "order_count"], "time": time}) == expected


def test_months_are_buckets_in_order(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["order_count"], "dimensions": ["month"]})
    assert rows == [["2025-12", 1], ["2026-08", 2], ["2026-09", 1], ["2026-10", 3]]


def test_quarters(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["order_count"], "dimensions": ["quarter"]})
    assert rows == [["2025-Q4", 1], ["2026-Q3", 3], ["2026-Q4", 3]]


def test_top_customer_by_revenue(session: Session, world: World) -> None:
    rows = answer(
        session,
        {
            "metrics": ["revenue"],
            "dimensions": ["customer.name"],
            "order_by": [{"key": "revenue", "desc": True}],
            "limit": 1,
        },
    )
    assert rows == [[world.customers["li"].id, "李雷", 7050.0]]


def test_the_issue_question_having_and_no_order_in_60_days(session: Session, world: World) -> None:
    """Shanghai customers who spent over 5,000 last quarter and have not ordered in 60 days: wang (li did on Oct 20)."""
    rows = answer(
        session,
        {
            "metrics": ["revenue"],
            "dimensions": ["customer.name"],
            "filters": [{"field": "customer.city", "op": "=", "value": "上海"}],
            "time": {"period": "last_quarter"},
            "having": [{"metric": "revenue", "op": ">", "value": 5000}],
            "without": {"entity": "orders", "days": 60},
        },
    )
    assert rows == [[world.customers["wang"].id, "王芳", 6000.0]]


def test_customers_without_any_ticket(session: Session, world: World) -> None:
    rows = answer(session, {"entity": "customers", "dimensions": ["customer.name"], "without": {"entity": "tickets"}})
    assert rows == []
    rows = answer(session, {"metrics": ["customer_count"], "without": {"entity": "orders", "days": 60}})
    assert rows == [[1]]


def test_average_ticket_handling_hours_by_channel(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["avg_handling_hours", "ticket_count"], "dimensions": ["ticket.channel"]})
    assert [[r[0], round(r[1], 2), r[2]] for r in rows] == [["email", 15.0, 2], ["chat", 4.0, 2]]


def test_filters_with_in_and_comparisons(session: Session, world: World) -> None:
    rows = answer(
        session,
        {
            "metrics": ["order_count"],
            "filters": [
                {"field": "order.channel", "op": "in", "value": ["WEB", "app"]},
                {"field": "order.total", "op": ">=", "value": 300},
            ],
        },
    )
    assert rows == [[5]]  # web 6000, 7000, 300, 1000 and app 400; the cancelled 200 is below 300


def test_a_list_without_metrics_shows_distinct_rows(session: Session, world: World) -> None:
    rows = answer(session, {"entity": "customers", "dimensions": ["customer.country"]})
    assert sorted(r[0] for r in rows) == ["CN", "GB"]


def test_a_sales_rep_counts_only_their_own_customers_orders(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["revenue", "order_count"]}, principal_of(world.rep_a))
    assert rows == [[6300.0, 3]]  # wang 6000, amy 300 and her cancelled 200
    rows = answer(session, {"metrics": ["customer_count"], "dimensions": ["customer.city"]}, principal_of(world.rep_b))
    assert rows == [["上海市", 1]]


def test_support_sees_the_tickets_they_hold(session: Session, world: World) -> None:
    rows = answer(session, {"metrics": ["ticket_count"]}, principal_of(world.support))
    assert rows == [[1]]


def test_an_analyst_asking_for_emails_is_refused(session: Session, world: World) -> None:
    plan = QueryPlan(entity="customers", dimensions=["customer.name", "customer.email"])
    result = run_plan(session, principal_of(world.analyst), plan, now=NOW)
    assert result.status == "refused"
    assert result.refusal is not None
    assert "customer.email" in result.refusal
    assert result.refusal.startswith("you may not see")
    assert answer(session, {"metrics": ["revenue"]}, principal_of(world.analyst)) == [[14750.0]]


def test_support_asking_about_deals_is_refused_by_the_matrix(session: Session, world: World) -> None:
    result = run_plan(session, principal_of(world.support), QueryPlan(metrics=["deal_amount"]), now=NOW)
    assert result.status == "refused"
    assert "may not read deals" in (result.refusal or "")


@pytest.mark.parametrize(
    ("plan", "reason"),
    [
        ({"answerable": False, "reason": "no weather data"}, "no weather data"),
        ({"metrics": ["happiness"]}, "no metric called 'happiness'"),
        ({"metrics": ["revenue"], "dimensions": ["customer.shoe_size"]}, "no field called 'customer.shoe_size'"),
        ({"metrics": ["avg_order_value"], "dimensions": ["product.category"]}, "no single table"),
        ({"metrics": ["revenue"], "order_by": [{"key": "customer.city"}]}, "cannot order by"),
        (
            {"metrics": ["revenue"], "filters": [{"field": "order.placed_at", "op": ">", "value": "soon"}]},
            "not a valid",
        ),
    ],
)
def test_plans_the_layer_cannot_express_are_refused(
    session: Session, world: World, plan: dict[str, Any], reason: str
) -> None:
    result = run_plan(session, ADMIN, QueryPlan.model_validate(plan), now=NOW)
    assert result.status == "refused"
    assert reason in (result.refusal or "")


def test_the_row_limit_cuts_and_says_so(session: Session, world: World) -> None:
    result = run_plan(session, ADMIN, QueryPlan(entity="orders"), now=NOW, max_rows=2)
    assert len(result.rows) == 2
    assert result.truncated is True


def test_the_sql_shown_is_the_query_with_its_values(session: Session, world: World) -> None:
    plan = QueryPlan(metrics=["revenue"], filters=[{"field": "customer.city", "value": "London"}])  # type: ignore[list-item]
    result = run_plan(session, ADMIN, plan, now=NOW)
    assert result.sql is not None
    assert "JOIN customers ON orders.customer_id = customers.id" in result.sql
    assert "'London'" in result.sql


def test_a_slow_query_is_stopped(session: Session, world: World) -> None:
    compiled = compile_plan(QueryPlan(metrics=["order_count"]), ADMIN, dialect="sqlite", now=NOW)
    if session.get_bind().dialect.name == "postgresql":
        compiled = Compiled(select(func.pg_sleep(2)), "orders", [], 10)
    else:
        numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
        numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < 50_000_000))
        compiled = Compiled(select(func.count()).select_from(numbers), "orders", [], 10)
    with pytest.raises(QueryTimeout):
        execute(session, compiled, timeout_s=0.2)
    assert answer(session, {"metrics": ["order_count"]}) == [[7]]  # the transaction is still usable


def test_period_bounds() -> None:
    assert period_bounds(TimeRange(period="last_quarter"), NOW) == (
        NOW.replace(month=7),
        NOW.replace(month=10),
    )
    assert period_bounds(TimeRange(period="last_month"), NOW.replace(month=1)) == (
        NOW.replace(year=2025, month=12),
        NOW.replace(month=1),
    )
