"""Factory helpers: `make_<thing>(session, **overrides)` builds a valid record with sensible defaults."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import Team, User
from rapport.customers.models import Customer
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal, Role
from rapport.sales.models import Order, OrderLine, Product
from rapport.tickets.models import Ticket

PASSWORD = "correct-horse-battery"
# Hashing once keeps argon2's deliberate slowness out of every test that needs a user.
_HASH = PasswordHasher().hash(PASSWORD)
_serial = itertools.count(1)


def make_user(session: Session, role: Role | str = Role.sales, **overrides: Any) -> User:
    n = next(_serial)
    values: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "name": f"User {n}",
        "role": str(role),
        "password_hash": _HASH,
    }
    teams = overrides.pop("teams", [])
    values.update(overrides)
    user = User(**values)
    user.teams = list(teams)
    session.add(user)
    session.flush()
    return user


def make_team(session: Session, *members: User, name: str | None = None) -> Team:
    team = Team(name=name or f"Team {next(_serial)}", members=list(members))
    session.add(team)
    session.flush()
    return team


def principal_of(user: User) -> Principal:
    return account_service.principal_for(user, via="api")


def token_for(session: Session, user: User) -> dict[str, str]:
    issued = account_service.issue_token(session, user, kind="api", name="test")
    session.flush()
    return {"Authorization": f"Bearer {issued.secret}"}  # type: ignore[attr-defined]


def make_customer(session: Session, **overrides: Any) -> Customer:
    n = next(_serial)
    values: dict[str, Any] = {
        "full_name": f"Customer {n}",
        "email": f"customer{n}@example.com",
        "phone": f"+1415555{n:04d}"[:12],
        "emails": [f"customer{n}@example.com"],
        "language": "en",
    }
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def make_product(session: Session, **overrides: Any) -> Product:
    n = next(_serial)
    values: dict[str, Any] = {
        "sku": f"SKU-{n}",
        "name": f"Product {n}",
        "category": "Electronics",
        "price": Decimal("19.99"),
        "stock": 10,
    }
    values.update(overrides)
    product = Product(**values)
    session.add(product)
    session.flush()
    return product


def make_order(session: Session, customer: Customer, product: Product | None = None, **overrides: Any) -> Order:
    product = product or make_product(session)
    n = next(_serial)
    values: dict[str, Any] = {
        "number": f"T{n}",
        "customer_id": customer.id,
        "placed_at": utcnow(),
        "subtotal": product.price,
        "total": product.price,
        "lines": [OrderLine(product_id=product.id, quantity=1, unit_price=product.price, line_total=product.price)],
    }
    values.update(overrides)
    order = Order(**values)
    session.add(order)
    session.flush()
    return order


def make_ticket(session: Session, customer: Customer, **overrides: Any) -> Ticket:
    values: dict[str, Any] = {"customer_id": customer.id, "subject": "Where is my order?", "status": "open"}
    values.update(overrides)
    ticket = Ticket(**values)
    session.add(ticket)
    session.flush()
    return ticket
