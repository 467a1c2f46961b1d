"""Differential privacy: noisy aggregates by group, the epsilon budget charged per query and enforced."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, Invalid
from rapport.privacy import dp
from rapport.privacy.access import Role
from rapport.privacy.models import PrivacyQuery
from tests.factories import make_customer, make_order, make_user, principal_of, token_for

pytestmark = pytest.mark.db


def _shop(session: Session) -> None:
    for i in range(30):
        customer = make_customer(session, country="CN", city="上海" if i % 3 else "北京")
        make_order(session, customer, total=Decimal("100.00"), subtotal=Decimal("100.00"))


def test_release_is_noisy_but_unbiased_and_lists_every_public_label() -> None:
    values = {"CN-east": [50.0] * 200, "US-west": [20.0] * 10}
    labels = ["CN-east", "US-west", "CN-north"]
    counts = [dp.release(values, labels=labels, statistic="count", epsilon=1.0, bounds=None) for _ in range(300)]

    assert set(counts[0]) == set(labels)  # an empty group is still answered: its absence would tell
    assert abs(statistics.mean(c["CN-east"] for c in counts) - 200) < 1.0
    assert len({c["CN-east"] for c in counts}) > 3
    sums = [
        dp.release(values, labels=labels, statistic="sum", epsilon=1.0, bounds=(0, 100))["CN-east"] for _ in range(300)
    ]
    assert abs(statistics.mean(sums) - 10_000) < 60  # Laplace scale 100: the mean of 300 is within a few hundredths


def test_values_are_clamped_to_the_bounds() -> None:
    answer = dp.release({"a": [1_000_000.0]}, labels=["a"], statistic="mean", epsilon=50.0, bounds=(0, 500))
    assert answer["a"] <= 500


def test_query_charges_the_budget_and_refuses_when_spent(session: Session) -> None:
    _shop(session)
    analyst = principal_of(make_user(session, Role.analyst))

    first = dp.query(session, analyst, statistic="count", group_by="region", epsilon=0.6, default_total=1.0)
    assert first.epsilon_left == pytest.approx(0.4)
    assert first.groups["CN-east"] == pytest.approx(20, abs=15)
    with pytest.raises(dp.BudgetExhausted, match=r"0\.4 of 1 is left"):
        dp.query(
            session,
            analyst,
            statistic="sum",
            group_by="region",
            epsilon=0.5,
            measure="spend",
            bounds=(0, 500),
            default_total=1.0,
        )
    ledger = session.scalars(select(PrivacyQuery)).all()
    assert [q.epsilon for q in ledger] == [0.6]  # the refused query cost nothing


def test_sum_needs_bounds_and_sales_may_not_ask(session: Session) -> None:
    analyst = principal_of(make_user(session, Role.analyst))
    with pytest.raises(Invalid, match="bounds"):
        dp.query(session, analyst, statistic="sum", group_by="segment", epsilon=1, measure="spend")
    with pytest.raises(Forbidden):
        dp.query(session, principal_of(make_user(session, Role.sales)), statistic="count", group_by="region", epsilon=1)
    with pytest.raises(Forbidden):
        dp.set_budget(session, analyst, "customers", total=100)


def test_api_answers_and_then_refuses_with_403(client: TestClient, session: Session) -> None:
    _shop(session)
    headers = token_for(session, make_user(session, Role.admin))
    put = client.put("/api/privacy/dp/budgets/customers", json={"epsilon_total": 1.5, "reset": True}, headers=headers)
    assert put.status_code == 200
    assert put.json()["epsilon_left"] == 1.5
    body = {"statistic": "mean", "group_by": "segment", "epsilon": 1.0, "measure": "spend", "lower": 0, "upper": 1000}

    ok = client.post("/api/privacy/dp/query", json=body, headers=headers)
    refused = client.post("/api/privacy/dp/query", json=body, headers=headers)

    assert ok.status_code == 200, ok.text
    assert ok.json()["epsilon_left"] == pytest.approx(0.5)
    assert "no_purchase" in ok.json()["groups"]
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "privacy_budget_exhausted"
    assert "0.5 of 1.5 is left" in refused.json()["error"]["message"]
