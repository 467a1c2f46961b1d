"""Customer tools are bound to one customer: another customer's records are unreachable whatever is asked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.assistant.tools import tools_for
from rapport.privacy.models import AuditEvent
from tests.factories import make_customer, make_order, make_product, make_ticket


def test_find_order_reads_only_the_bound_customers_orders(session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    mug = make_product(session, name="Stoneware mug")
    make_order(session, alice, mug, number="10023", status="shipped", tracking_number="TRK0000010023")
    make_order(session, bob, number="20046")

    tools = tools_for(session, alice.id)
    mine = tools.find_order("#10023")
    theirs = tools.find_order("20046")

    assert mine is not None
    assert (mine.number, mine.status, mine.tracking_number, mine.items) == (
        "10023",
        "shipped",
        "TRK0000010023",
        ("Stoneware mug ×1",),
    )
    assert theirs is None
    assert "tracking number TRK0000010023" in mine.describe("en")
    assert "运单号 TRK0000010023" in mine.describe("zh")


def test_recent_orders_and_tickets_are_the_customers_own(session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    for number in ("1", "2", "3", "4"):
        make_order(session, alice, number=f"A{number}")
    make_order(session, bob, number="B1")
    make_ticket(session, alice, subject="Lid is cracked")
    make_ticket(session, bob, subject="Bob's secret")

    tools = tools_for(session, alice.id)

    assert {o.number for o in tools.recent_orders(10)} == {"A1", "A2", "A3", "A4"}
    assert [t.subject for t in tools.tickets(5)] == ["Lid is cracked"]


def test_every_tool_call_is_audited_as_the_assistant(session: Session) -> None:
    alice = make_customer(session)

    tools_for(session, alice.id).find_order("999999")

    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.actor, event.entity, event.detail["tool"], event.detail["found"]) == (
        "system:assistant",
        "orders",
        "find_order",
        False,
    )
