"""Rule actions through the owning services: emails to the outbox (consent respected), webhooks, tasks, tags."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.automation.actions import Runner, describe
from rapport.automation.models import WebhookDelivery
from rapport.automation.schemas import AutomationSettings, SendEmailAction, WebhookAction
from rapport.automation.service import AUTOMATION
from rapport.mail.models import OutboxMessage
from rapport.mail.schemas import MailSettings
from tests.factories import make_customer


def _runner(session: Session, options: AutomationSettings, mail: MailSettings) -> Runner:
    return Runner(session, AUTOMATION, options, mail, rule_id=None, rule_name="test rule")


def _context(customer: Any) -> dict[str, Any]:
    return {
        "event": {"key": "ticket.created:1"},
        "customer": {
            "id": customer.id,
            "email": customer.email,
            "first_name": "Ada",
            "consent_email": customer.consent_email,
            "deleted_at": None,
        },
        "ticket": {"id": None},
    }


def test_send_email_renders_and_queues_with_a_send_job(
    session: Session, options: AutomationSettings, mail: MailSettings
) -> None:
    customer = make_customer(session, consent_email=True)
    action = SendEmailAction(
        type="send_email", subject="Hi {{ customer.first_name }}", body="Hello {{ customer.first_name }}!"
    )

    outcome = _runner(session, options, mail).perform(action, _context(customer))

    message = session.scalar(select(OutboxMessage))
    assert outcome.ok is True
    assert message is not None
    assert message.subject == "Hi Ada"
    assert message.to_addrs == [customer.email]
    assert message.source == "rule"
    assert outcome.then == [("mail.send", {"outbox_id": message.id})]


def test_marketing_email_respects_consent(session: Session, options: AutomationSettings, mail: MailSettings) -> None:
    customer = make_customer(session, consent_email=False)
    action = SendEmailAction(type="send_email", subject="Offer", body="20% off", requires_consent=True)

    outcome = _runner(session, options, mail).perform(action, _context(customer))

    assert outcome.ok is False
    assert "not consented" in outcome.detail
    assert session.scalar(select(OutboxMessage)) is None


def test_webhook_payload_leaves_out_personal_data_unless_asked(
    session: Session, options: AutomationSettings, mail: MailSettings
) -> None:
    customer = make_customer(session)
    action = WebhookAction(type="webhook", url="https://erp.example/hook", secret="erp")

    outcome = _runner(session, options, mail).perform(action, _context(customer))

    delivery = session.scalar(select(WebhookDelivery))
    assert delivery is not None
    assert "customer" not in delivery.payload
    assert delivery.payload["rule"] == {"id": None, "name": "test rule"}
    assert outcome.then == [("rules.deliver_webhook", {"delivery_id": delivery.id})]


def test_describe_renders_without_doing_anything(session: Session) -> None:
    action = SendEmailAction(type="send_email", subject="Re: {{ ticket.subject }}", body="x")

    assert describe(action, {"ticket": {"subject": "Refund"}}) == "email to customer: Re: Refund"
