"""Asking through the gateway: conversations and follow-ups, refusals, audit, and saving reports and segments."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ask import service
from rapport.ask.plan import QueryPlan
from rapport.ask.planner import messages_for, system_prompt
from rapport.errors import Invalid, NotFound
from rapport.privacy.models import AuditEvent
from tests.factories import principal_of

from .kit import NOW, PlanProvider, World, gateway_with

BY_CITY = {"entity": "orders", "metrics": ["revenue"], "dimensions": ["customer.city"]}
LONDON_ONLY = {**BY_CITY, "filters": [{"field": "customer.city", "op": "=", "value": "London"}]}
PLANS = {
    "by city": BY_CITY,
    "only in": LONDON_ONLY,  # the question's city reaches a scripted (non-local) provider redacted
    "weather": {"answerable": False, "reason": "the CRM has no weather data"},
    "emails": {"entity": "customers", "dimensions": ["customer.name", "customer.email"]},
    "big spenders": {
        "entity": "orders",
        "metrics": ["revenue"],
        "dimensions": ["customer.name"],
        "having": [{"metric": "revenue", "op": ">", "value": 1000}],
    },
}


def test_a_follow_up_is_planned_from_the_previous_plan(session: Session, world: World, tmp_path: Path) -> None:
    provider = PlanProvider(PLANS)
    gateway = gateway_with(provider, tmp_path)
    rep = principal_of(world.rep_a)

    first = service.ask(session, rep, "revenue by city", gateway=gateway, now=NOW)
    second = service.ask(
        session, rep, "and only in London?", gateway=gateway, conversation_id=first.conversation_id, now=NOW
    )

    assert first.rows == [["上海市", 6000.0], ["London", 300.0]]
    assert second.rows == [["London", 300.0]]
    assert second.conversation_id == first.conversation_id
    follow_up = str(provider.requests[-1].messages[-1]["content"])
    assert follow_up.startswith("Previous plan: " + QueryPlan.model_validate(BY_CITY).compact())
    turns = service.turns_of(session, service.get_conversation(session, rep, first.conversation_id or 0))
    assert [t.question for t in turns] == ["revenue by city", "and only in London?"]


def test_the_system_prompt_is_the_same_for_every_question() -> None:
    a, b = messages_for("revenue by city"), messages_for("按月呢?", QueryPlan.model_validate(BY_CITY))
    assert a[0]["content"] == b[0]["content"] == system_prompt()
    assert "customer.city" in system_prompt()
    assert "客单价" in system_prompt()


def test_an_unanswerable_question_is_refused_with_the_reason(session: Session, world: World, tmp_path: Path) -> None:
    gateway = gateway_with(PlanProvider(PLANS), tmp_path)
    answer = service.ask(session, principal_of(world.rep_a), "will it rain? weather", gateway=gateway, now=NOW)
    assert answer.status == "refused"
    assert answer.refusal == "the CRM has no weather data"


def test_every_question_is_audited_with_its_plan(session: Session, world: World, tmp_path: Path) -> None:
    gateway = gateway_with(PlanProvider(PLANS), tmp_path)
    analyst = principal_of(world.analyst)

    service.ask(session, analyst, "revenue by city", gateway=gateway, now=NOW)
    refused = service.ask(session, analyst, "customer emails", gateway=gateway, now=NOW)

    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ask").order_by(AuditEvent.id)).all()
    assert [e.outcome for e in events][-2:] == ["ok", "denied"]
    assert events[-1].detail["question"] == "customer emails"
    assert events[-1].detail["plan"]["dimensions"] == ["customer.name", "customer.email"]
    assert refused.refusal is not None
    assert "customer.email" in refused.refusal


def test_someone_elses_conversation_is_not_found(session: Session, world: World, tmp_path: Path) -> None:
    gateway = gateway_with(PlanProvider(PLANS), tmp_path)
    mine = service.ask(session, principal_of(world.rep_a), "revenue by city", gateway=gateway, now=NOW)
    with pytest.raises(NotFound):
        service.ask(
            session, principal_of(world.rep_b), "only in London", gateway=gateway, conversation_id=mine.conversation_id
        )


def test_save_as_report_runs_again_with_the_viewers_permissions(session: Session, world: World, tmp_path: Path) -> None:
    gateway = gateway_with(PlanProvider(PLANS), tmp_path)
    rep = principal_of(world.rep_a)
    answer = service.ask(session, rep, "revenue by city", gateway=gateway, now=NOW)

    saved = service.save(session, rep, turn_id=answer.turn_id or 0, kind="report", name="Revenue by city")
    reopened = service.open_saved(session, rep, saved.id, now=NOW)

    assert saved.plan == BY_CITY
    assert reopened.rows == answer.rows
    assert [s.name for s in service.list_saved(session, rep)] == ["Revenue by city"]
    with pytest.raises(NotFound):
        service.open_saved(session, principal_of(world.rep_b), saved.id)


def test_save_as_segment_keeps_the_customers(session: Session, world: World, tmp_path: Path) -> None:
    gateway = gateway_with(PlanProvider(PLANS), tmp_path)
    analyst = principal_of(world.analyst)
    answer = service.ask(session, analyst, "big spenders", gateway=gateway, now=NOW)

    saved = service.save(session, analyst, turn_id=answer.turn_id or 0, kind="segment", name="Big spenders")

    assert saved.customer_ids == sorted(world.customers[k].id for k in ("wang", "li", "bob"))  # bob: 1000 + 400
    by_city = service.ask(session, analyst, "revenue by city", gateway=gateway, now=NOW)
    with pytest.raises(Invalid, match="one row per customer"):
        service.save(session, analyst, turn_id=by_city.turn_id or 0, kind="segment", name="Cities")


def test_a_question_must_not_be_empty(session: Session, world: World, tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        service.ask(session, principal_of(world.rep_a), "   ", gateway=gateway_with(PlanProvider(PLANS), tmp_path))
