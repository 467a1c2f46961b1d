"""A small, known week of business: orders, customers and tickets in the week of 2026-11-16 and the one before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from tests.factories import make_customer, make_order, make_product, make_ticket, make_user

WEEK = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
AS_OF = WEEK + timedelta(days=8)  # the Tuesday after: the report covers WEEK


@pytest.fixture
def week(session: Session) -> User:
    agent = make_user(session, "support", name="Zhang Min 张敏")
    product = make_product(session)
    customer = make_customer(session, created_at=WEEK + timedelta(days=1))
    for day, total, channel in ((0, "100.00", "web"), (2, "250.00", "app"), (4, "50.00", "web")):
        make_order(
            session, customer, product, placed_at=WEEK + timedelta(days=day, hours=10), total=total, channel=channel
        )
    make_order(session, customer, product, placed_at=WEEK - timedelta(days=3), total="320.00")  # the week before
    make_order(session, customer, product, placed_at=WEEK + timedelta(days=1), total="999.00", status="cancelled")
    for hours, responded_h, intent in (
        (1, 2, "refund_request"),
        (30, 40, "refund_request"),
        (50, None, "order_status"),
    ):
        created = WEEK + timedelta(hours=hours)
        make_ticket(
            session,
            customer,
            intent=intent,
            created_at=created,
            sla_due_at=created + timedelta(hours=8),
            first_response_at=created + timedelta(hours=responded_h) if responded_h else None,
            assignee_id=agent.id,
        )
    return agent
