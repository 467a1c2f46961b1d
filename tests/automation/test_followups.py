"""Follow-up tasks: promises in sent messages (English and Chinese), idle deals, churn risk (skipped without
analytics runs); each created once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.automation import followups
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import AUTOMATION
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.sales.models import Deal, Pipeline, PipelineStage
from tests.factories import make_customer, make_user

SENT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "due", "why"),
    [
        ("I'll send you the new label tomorrow.", SENT + timedelta(days=1), "tomorrow"),
        ("We will call you back within 4 hours.", SENT + timedelta(hours=4), "within 4 hours"),
        ("It will ship within 2 business days.", SENT + timedelta(days=2), "within 2 business days"),
        ("I'll get back to you by Friday.", SENT + timedelta(days=2), "by Friday"),
        ("正确的商品明天发给您。", SENT + timedelta(days=1), "tomorrow"),
        ("我们会在2个工作日内给您回复", SENT + timedelta(days=2), "within 2 business days"),
        ("后续有进展会第一时间通知您。", SENT + timedelta(days=1), "no time named: a day"),
    ],
)
def test_promises_and_their_due_times(text: str, due: datetime, why: str) -> None:
    found = followups.RulePromiseDetector().find(text, SENT)

    assert len(found) == 1
    assert found[0].due_at == due
    assert why in found[0].why


def test_plain_information_is_no_promise() -> None:
    assert followups.RulePromiseDetector().find("Your parcel was delivered on Monday. 已经签收了。", SENT) == []


def test_scan_promises_makes_one_task_for_the_author(session: Session) -> None:
    agent = make_user(session, "support")
    customer = make_customer(session)
    body = "Sorry! I'll send the invoice tomorrow."
    message = Interaction(
        customer_id=customer.id, kind="email", direction="outbound", body=body, author_id=agent.id, occurred_at=utcnow()
    )
    session.add(message)
    session.flush()

    created = followups.scan_promises(session, AUTOMATION, settings=AutomationSettings())
    again = followups.scan_promises(session, AUTOMATION, settings=AutomationSettings())

    task = session.get(Task, created[0].task_id)
    assert len(created) == 1
    assert again == []
    assert task is not None
    assert task.assignee_id == agent.id
    assert task.title == "Promised: I'll send the invoice tomorrow."


def test_messages_written_by_automation_are_not_read_for_promises(session: Session) -> None:
    customer = make_customer(session)
    session.add(
        Interaction(
            customer_id=customer.id,
            kind="email",
            direction="outbound",
            body="We'll reply within 24 hours.",
            occurred_at=utcnow(),
        )
    )
    session.flush()

    assert followups.scan_promises(session, AUTOMATION, settings=AutomationSettings()) == []


def test_an_idle_deal_gets_one_nudge(session: Session) -> None:
    owner = make_user(session, "sales")
    stage = PipelineStage(name="Proposal", position=1, probability=40)
    session.add(Pipeline(name="Sales", stages=[stage]))
    session.flush()
    long_ago = utcnow() - timedelta(days=20)
    deal = Deal(
        name="Office refit",
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        amount=5000,
        probability=40,
        owner_id=owner.id,
        created_at=long_ago,
        updated_at=long_ago,
    )
    session.add(deal)
    session.flush()

    created = followups.scan_idle_deals(session, AUTOMATION, settings=AutomationSettings())
    again = followups.scan_idle_deals(session, AUTOMATION, settings=AutomationSettings())

    task = session.scalar(select(Task).where(Task.related_type == "deal", Task.related_id == deal.id))
    assert len(created) == 1
    assert again == []  # the nudge itself is activity
    assert task is not None
    assert task.title == "Deal 'Office refit' has been idle 20 days"
    assert task.assignee_id == owner.id


def test_churn_follow_ups_skip_quietly_without_analytics_runs(session: Session) -> None:
    assert followups.scan_churn(session, AUTOMATION, settings=AutomationSettings()) == []
