"""Merging customers with survivorship rules, and unmerging them back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer, CustomerSourceId
from rapport.errors import Conflict, Forbidden, Invalid
from rapport.ingest import merge as merging
from rapport.ingest.models import CustomerMerge
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal, Role
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Order
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_order, make_ticket, make_user, principal_of


def _pair(session: Session) -> tuple[Customer, Customer]:
    now = utcnow()
    keep = make_customer(
        session,
        full_name="Wei Zhang",
        email="wei@old.com",
        emails=["wei@old.com"],
        phone="+8613912345678",
        phones=["+8613912345678"],
        gender="unknown",
        consent_email=True,
        source="hubspot",
        tags=["vip"],
        notes="met at the fair",
        created_at=now - timedelta(days=400),
    )
    drop = make_customer(
        session,
        full_name="Wei Zhang 张伟",
        email="wei@new.com",
        emails=["wei@new.com"],
        phone=None,
        phones=[],
        gender="male",
        birth_date=date(1985, 6, 1),
        consent_email=False,
        source="salesforce",
        tags=["b2b"],
        addresses=[{"line1": "1 Nanjing Rd", "city": "上海", "country": "CN"}],
        created_at=now - timedelta(days=30),
    )
    drop.updated_at = now + timedelta(seconds=1)  # the dropped record is the most recently updated one
    session.flush()
    session.add(CustomerSourceId(customer_id=drop.id, system="salesforce", external_id="003X"))
    session.flush()
    return keep, drop


def test_merge_applies_survivorship_and_moves_everything(session: Session, admin: Principal) -> None:
    keep, drop = _pair(session)
    order = make_order(session, drop)
    ticket = make_ticket(session, drop)
    earliest = keep.created_at

    record = merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id)

    session.refresh(keep)
    session.refresh(drop)
    assert (keep.full_name, keep.email, keep.phone, keep.gender) == (
        "Wei Zhang 张伟",
        "wei@new.com",
        "+8613912345678",
        "male",
    )
    assert keep.emails == ["wei@new.com", "wei@old.com"]
    assert (keep.birth_date, keep.city, keep.country) == (date(1985, 6, 1), "上海", "CN")
    assert keep.tags == ["vip", "b2b"]
    assert keep.consent_email is False  # an opt-out is never lost
    assert keep.created_at == earliest
    assert drop.deleted_at is not None
    assert session.get(Order, order.id).customer_id == keep.id  # type: ignore[union-attr]
    assert session.get(Ticket, ticket.id).customer_id == keep.id  # type: ignore[union-attr]
    assert record.field_sources["full_name"] == {
        "customer_id": drop.id,
        "source": "salesforce",
        "rule": "most_complete",
    }
    assert record.field_sources["birth_date"]["rule"] == "source_priority"
    assert record.moved["orders"] == [order.id]
    assert len(record.moved["customer_source_ids"]) == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    assert (event.entity_id, event.detail["dropped"]) == (str(keep.id), drop.id)


def test_unmerge_restores_both_and_moves_rows_back(session: Session, admin: Principal) -> None:
    keep, drop = _pair(session)
    order = make_order(session, drop)
    kept_order = make_order(session, keep)
    session.add(Interaction(customer_id=drop.id, kind="note", direction="internal", body="hi", occurred_at=utcnow()))
    session.flush()
    record = merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id)
    keep = session.get(Customer, keep.id)  # type: ignore[assignment]
    keep.notes = "edited after the merge"
    session.flush()

    merging.unmerge(session, admin, record.id)

    session.refresh(keep)
    restored = session.get(Customer, drop.id)
    assert restored is not None
    assert (keep.full_name, keep.email, keep.emails, keep.gender) == (
        "Wei Zhang",
        "wei@old.com",
        ["wei@old.com"],
        "unknown",
    )
    assert keep.notes == "edited after the merge"  # edited since: left as edited
    assert (restored.deleted_at, restored.full_name, restored.birth_date) == (None, "Wei Zhang 张伟", date(1985, 6, 1))
    assert session.get(Order, order.id).customer_id == drop.id  # type: ignore[union-attr]
    assert session.get(Order, kept_order.id).customer_id == keep.id  # type: ignore[union-attr]
    ids = session.scalars(select(CustomerSourceId.customer_id).where(CustomerSourceId.external_id == "003X")).all()
    assert ids == [drop.id]
    assert session.get(CustomerMerge, record.id).unmerged_at is not None  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="undone already"):
        merging.unmerge(session, admin, record.id)


def test_merge_rules_can_be_chosen(session: Session, admin: Principal) -> None:
    keep, drop = _pair(session)

    merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id, rules={"full_name": "keep", "email": "keep"})

    session.refresh(keep)
    assert (keep.full_name, keep.email) == ("Wei Zhang", "wei@old.com")


def test_merge_refuses_itself_unknown_rules_and_deleted(session: Session, admin: Principal) -> None:
    keep, drop = _pair(session)

    with pytest.raises(Invalid, match="itself"):
        merging.merge(session, admin, keep_id=keep.id, drop_id=keep.id)
    with pytest.raises(Invalid, match="rules"):
        merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id, rules={"full_name": "coin_toss"})
    merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id)
    with pytest.raises(Conflict, match="deleted"):
        merging.merge(session, admin, keep_id=keep.id, drop_id=drop.id)


def test_sales_may_not_merge(session: Session) -> None:
    rep = principal_of(make_user(session, Role.sales))
    keep, drop = _pair(session)

    with pytest.raises(Forbidden):
        merging.merge(session, rep, keep_id=keep.id, drop_id=drop.id)


def test_merge_many_keeps_going_past_a_failure(session: Session, admin: Principal) -> None:
    a, b = _pair(session)
    c = make_customer(session)

    results = merging.merge_many(session, admin, [(a.id, b.id), (a.id, b.id), (a.id, c.id)])

    assert [r["error"] is None for r in results] == [True, False, True]
    assert "deleted" in str(results[1]["error"])
    assert [m.dropped_id for m in merging.history(session, admin, a.id)] == [c.id, b.id]
