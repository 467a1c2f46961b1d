"""A small company with known answers, and a scripted planner for the doors' tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.ai.gateway import Gateway
from rapport.ai.providers import Completion, CompletionRequest, ProviderCapabilities
from rapport.customers.models import Customer
from rapport.privacy.access import Role
from rapport.sales.models import Order, OrderLine, Product
from rapport.settings import LLMSettings, Settings
from tests.factories import make_customer, make_product, make_ticket, make_user

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class World:
    rep_a: User
    rep_b: User
    analyst: User
    support: User
    customers: dict[str, Customer]


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def build_world(session: Session) -> World:
    """Four customers, seven orders, four tickets; the answers are worked out in test_compile.py's comments."""
    rep_a = make_user(session, Role.sales)
    rep_b = make_user(session, Role.sales)
    analyst = make_user(session, Role.analyst)
    support = make_user(session, Role.support)
    electronics = make_product(session, category="Electronics", price=Decimal("100.00"))
    books = make_product(session, category="Books", price=Decimal("10.00"))
    people = {
        "wang": make_customer(session, full_name="王芳", city="上海市", country="CN", owner_id=rep_a.id),
        "li": make_customer(session, full_name="李雷", city="上海市", country="CN", owner_id=rep_b.id),
        "amy": make_customer(session, full_name="Amy Smith", city="London", country="GB", owner_id=rep_a.id),
        "bob": make_customer(session, full_name="Bob Jones", city="London", country="GB"),
    }
    orders: list[tuple[str, str, str, Product, str, str]] = [
        ("wang", "2026-08-10", "6000", electronics, "paid", "web"),
        ("li", "2026-08-15", "7000", electronics, "delivered", "web"),
        ("li", "2026-10-20", "50", books, "paid", "store"),
        ("amy", "2026-09-01", "300", books, "delivered", "web"),
        ("amy", "2026-10-05", "200", books, "cancelled", "web"),
        ("bob", "2025-12-01", "1000", electronics, "delivered", "web"),
        ("bob", "2026-10-25", "400", books, "paid", "app"),
    ]
    for n, (who, day, total, product, status, channel) in enumerate(orders):
        amount = Decimal(total)
        session.add(
            Order(
                number=f"ASK-{n}",
                customer_id=people[who].id,
                placed_at=at(day),
                status=status,
                channel=channel,
                subtotal=amount,
                total=amount,
                lines=[
                    OrderLine(
                        product_id=product.id,
                        quantity=int(amount / product.price),
                        unit_price=product.price,
                        line_total=amount,
                    )
                ],
            )
        )
    for who, day, hours, channel in (
        ("wang", "2026-10-01", 10, "email"),
        ("amy", "2026-10-02", 20, "email"),
        ("bob", "2026-10-03", 4, "chat"),
        ("li", "2026-10-04", None, "chat"),
    ):
        created = at(day, 0)
        resolved = created + timedelta(hours=hours) if hours is not None else None
        make_ticket(
            session,
            people[who],
            channel=channel,
            created_at=created,
            resolved_at=resolved,
            status="solved" if resolved else "open",
            assignee_id=support.id if who == "bob" else None,
        )
    session.flush()
    return World(rep_a, rep_b, analyst, support, people)


class PlanProvider:
    """A planner that answers each question with a plan the test chose (by a word in the question), so the doors'
    tests assert exact results; the real model is exercised by test_model.py and measured by eval/ask.py."""

    name = "scripted"
    model = "scripted-planner"
    capabilities = ProviderCapabilities(json_schema_output=True, streaming=False)

    def __init__(self, plans: dict[str, dict[str, Any]] | Callable[[str], dict[str, Any]]) -> None:
        self.plans = plans
        self.requests: list[CompletionRequest] = []

    def warm_up(self) -> None:
        return None

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        user = str(request.messages[-1]["content"])
        if callable(self.plans):
            plan = self.plans(user)
        else:
            plan = next((p for word, p in self.plans.items() if word in user), {"answerable": False, "reason": "?"})
        return Completion(
            text=json.dumps(plan), prompt_tokens=1, completion_tokens=1, model=self.model, finish_reason="stop"
        )

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        yield self.complete(request).text


def gateway_with(provider: Any, tmp_path: Path) -> Gateway:
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="local", cache=False))
    return Gateway(settings, None, providers={"local": provider})
