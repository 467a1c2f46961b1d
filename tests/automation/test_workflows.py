"""Workflow rules: kept as validated data, run once per event, rolled back alone when an action fails, dry-run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.automation import events, workflows
from rapport.automation import service as triage_service
from rapport.automation.models import RuleRun
from rapport.automation.schemas import AutomationSettings, RuleDefinition, RuleUpdate
from rapport.automation.service import AUTOMATION
from rapport.errors import Conflict, Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.mail.schemas import MailSettings
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_order, make_user, principal_of

VIP_TASK = {
    "name": "VIP refunds get a task",
    "trigger": {"event": "ticket.created"},
    "conditions": [
        {"field": "customer.tags", "op": "contains", "value": "vip"},
        {"field": "ticket.intent", "op": "eq", "value": "refund_request"},
    ],
    "actions": [
        {"type": "create_task", "title": "Call {{ customer.full_name }} about #{{ ticket.id }}", "assignee": "owner"}
    ],
}


def test_parse_ruleset_lists_every_problem() -> None:
    text = """
rules:
  - name: broken
    trigger: {event: ticket.exploded}
    actions: [{type: set_field, field: customer.email, value: x}]
"""
    with pytest.raises(Invalid) as caught:
        workflows.parse_ruleset(text)

    assert "trigger.event" in caught.value.message
    assert "settable fields" in caught.value.message


def test_an_assign_action_needs_a_ticket_trigger() -> None:
    with pytest.raises(ValueError, match="needs a ticket trigger"):
        RuleDefinition.model_validate(
            {"name": "x", "trigger": {"event": "order.placed"}, "actions": [{"type": "assign"}]}
        )


def test_the_demo_rules_install_once(session: Session) -> None:
    first = workflows.install(session, AUTOMATION, workflows.demo_ruleset())
    second = workflows.install(session, AUTOMATION, workflows.demo_ruleset())

    assert len(first) == 9
    assert [r.version for r in second] == [1] * 9


def test_names_are_unique(session: Session) -> None:
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(VIP_TASK))

    with pytest.raises(Conflict):
        workflows.create(session, AUTOMATION, RuleDefinition.model_validate(VIP_TASK))


def test_support_may_read_rules_but_not_write_them(session: Session) -> None:
    agent = principal_of(make_user(session, "support"))

    assert workflows.list_rules(session, agent) == []
    with pytest.raises(Forbidden):
        workflows.create(session, agent, RuleDefinition.model_validate(VIP_TASK))


def test_a_new_definition_is_a_new_version(session: Session) -> None:
    rule = workflows.create(session, AUTOMATION, RuleDefinition.model_validate(VIP_TASK))

    changed = workflows.update(
        session, AUTOMATION, rule.id, RuleUpdate(definition=RuleDefinition.model_validate({**VIP_TASK, "position": 5}))
    )
    off = workflows.update(session, AUTOMATION, rule.id, RuleUpdate(is_active=False))

    assert changed.version == 2
    assert off.is_active is False
    assert off.version == 2


def test_a_rule_fires_once_per_event(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings, mail: MailSettings
) -> None:
    owner = make_user(session, "sales")
    customer = make_customer(session, tags=["vip"], owner_id=owner.id, full_name="Ada Lovelace")
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(VIP_TASK))
    ticket = arrive(customer, "Refund", "I want a refund for the kettle")
    triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)
    event = events.Event("ticket.created", f"ticket.created:{ticket.id}", "tickets", ticket.id)

    first = workflows.run_event(session, AUTOMATION, event, settings=options, mail=mail)
    second = workflows.run_event(session, AUTOMATION, event, settings=options, mail=mail)

    task = session.scalar(select(Task).where(Task.related_id == ticket.id))
    assert first.fired == 1
    assert second.fired == 0
    assert task is not None
    assert task.title == f"Call Ada Lovelace about #{ticket.id}"
    assert task.assignee_id == owner.id


def test_a_failing_action_rolls_back_its_rule_only(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings, mail: MailSettings
) -> None:
    bad = {
        "name": "assign to a ghost",
        "position": 1,
        "trigger": {"event": "ticket.created"},
        "actions": [
            {"type": "set_field", "field": "ticket.priority", "value": "urgent"},
            {"type": "assign", "to": "user:ghost@example.com"},
        ],
    }
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(bad))
    good = {
        "name": "tag",
        "position": 2,
        "trigger": {"event": "ticket.created"},
        "actions": [{"type": "set_field", "field": "customer.tags", "value": "wrote-in"}],
    }
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(good))
    customer = make_customer(session)
    ticket = arrive(customer, "Hello", "hello")

    report = workflows.run_event(
        session, AUTOMATION, events.Event("ticket.created", "k1", "tickets", ticket.id), settings=options, mail=mail
    )

    session.refresh(ticket)
    session.refresh(customer)
    runs = session.scalars(select(RuleRun).order_by(RuleRun.id)).all()
    assert report.fired == 2
    assert report.failed == 1
    assert ticket.priority == "normal"  # the failed rule's first action was rolled back
    assert "wrote-in" in customer.tags
    assert [r.outcome for r in runs] == ["failed", "done"]
    assert "ghost@example.com" in runs[0].actions[-1]["error"]


def test_poll_runs_order_rules_on_orders_placed_after_the_cursor(
    session: Session, options: AutomationSettings, mail: MailSettings
) -> None:
    owner = make_user(session, "sales")
    customer = make_customer(session, owner_id=owner.id)
    before = make_order(session, customer, total="900.00")
    rule = {
        "name": "big orders",
        "trigger": {"event": "order.placed"},
        "conditions": [{"field": "order.total", "op": "gte", "value": 500}],
        "actions": [{"type": "create_task", "title": "Thank for {{ order.number }}"}],
    }
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(rule))
    workflows.poll(session, AUTOMATION, settings=options, mail=mail)  # the cursor starts now
    big = make_order(session, customer, total="650.00")
    make_order(session, customer, total="20.00")

    report = workflows.poll(session, AUTOMATION, settings=options, mail=mail)
    again = workflows.poll(session, AUTOMATION, settings=options, mail=mail)

    titles = session.scalars(select(Task.title).where(Task.customer_id == customer.id)).all()
    assert report.events == 2
    assert report.fired == 1
    assert again.events == 0
    assert titles == [f"Thank for {big.number}"]
    assert f"Thank for {before.number}" not in titles


def test_ticket_updates_by_people_trigger_rules_but_automation_does_not(
    session: Session,
    team: dict[str, User],
    arrive: Callable[..., Ticket],
    options: AutomationSettings,
    mail: MailSettings,
) -> None:
    rule = {
        "name": "solved",
        "trigger": {"event": "ticket.updated"},
        "conditions": [
            {"field": "event.changed", "op": "contains", "value": "status"},
            {"field": "ticket.status", "op": "eq", "value": "solved"},
        ],
        "actions": [{"type": "set_field", "field": "customer.tags", "value": "solved-once"}],
    }
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(rule))
    customer = make_customer(session)
    by_person = arrive(customer, "Q", "question", assignee_id=team["tom"].id)
    by_robot = arrive(customer, "Q2", "question 2")
    workflows.poll(session, AUTOMATION, settings=options, mail=mail)
    ticket_service.update(session, principal_of(team["tom"]), by_person.id, {"status": "solved"})
    ticket_service.update(session, AUTOMATION, by_robot.id, {"status": "solved"})

    report = workflows.poll(session, AUTOMATION, settings=options, mail=mail)

    session.refresh(customer)
    assert report.fired == 1
    assert "solved-once" in customer.tags


def test_date_rules_fire_before_the_date(session: Session, options: AutomationSettings, mail: MailSettings) -> None:
    from rapport.sales.models import Deal, Pipeline, PipelineStage

    noon = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)  # an hour later is still the same date
    stage = PipelineStage(name="Proposal", position=1, probability=40)
    session.add(Pipeline(name="P", stages=[stage]))
    session.flush()
    owner = make_user(session, "sales")
    deal = Deal(
        name="Big one",
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        amount=1000,
        probability=40,
        owner_id=owner.id,
        expected_close=(noon + timedelta(days=3)).date(),
    )
    session.add(deal)
    session.flush()
    rule = {
        "name": "closing soon",
        "trigger": {"event": "date", "entity": "deals", "field": "expected_close", "offset_days": -3},
        "actions": [{"type": "create_task", "title": "{{ deal.name }} closes {{ deal.expected_close }}"}],
    }
    workflows.create(session, AUTOMATION, RuleDefinition.model_validate(rule))

    report = workflows.poll(session, AUTOMATION, settings=options, mail=mail, now=noon + timedelta(hours=1))
    again = workflows.poll(session, AUTOMATION, settings=options, mail=mail, now=noon + timedelta(hours=2))

    assert report.fired == 1
    assert again.fired == 0
    assert session.scalar(select(Task.assignee_id).where(Task.related_type == "deal")) == owner.id


def test_dry_run_counts_matches_and_plans_actions_without_changing_anything(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session, tags=["vip"], full_name="Ada Lovelace")
    refund = arrive(customer, "Refund", "I want a refund")
    arrive(customer, "Where is it", "where is my order")

    result = workflows.dry_run(session, AUTOMATION, RuleDefinition.model_validate(VIP_TASK), days=7)

    assert result.events == 2
    assert result.matched == 1
    assert result.samples[0].entity_id == refund.id
    assert (
        result.samples[0].actions[0].description
        == f"task for owner: Call Ada Lovelace about #{refund.id} (due in 24 h)"
    )
    assert session.scalar(select(Task.id).where(Task.related_id == refund.id)) is None
