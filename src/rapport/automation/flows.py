"""Multi-step automation across domains: a ticket arrives → triage → assignment → `ticket.created` rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from rapport.automation import assignments, events, workflows
from rapport.automation import service as triage_service
from rapport.automation.schemas import AutomationSettings
from rapport.automation.triage import Triage
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import Principal


@dataclass
class Arrival:
    ticket_id: int
    intent: str | None = None
    priority: str | None = None
    is_spam: bool = False
    assigned_to: int | None = None
    rules_fired: int = 0
    then: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "intent": self.intent,
            "priority": self.priority,
            "is_spam": self.is_spam,
            "assigned_to": self.assigned_to,
            "rules_fired": self.rules_fired,
        }


def on_ticket_arrived(
    session: Session,
    principal: Principal,
    ticket_id: int,
    *,
    settings: AutomationSettings,
    mail: MailSettings,
    triage: Triage | None = None,
) -> Arrival:
    """Triage the ticket, route it when nobody holds it, then run the `ticket.created` rules (which see the triage
    and the assignment). Safe to repeat: triage is an upsert, routing skips assigned tickets, rules fire once."""
    row = triage_service.triage_ticket(session, principal, ticket_id, settings=settings, triage=triage)
    routed = assignments.route(session, principal, ticket_id, settings=settings)
    event = events.Event("ticket.created", f"ticket.created:{ticket_id}", "tickets", ticket_id, row.triaged_at)
    report = workflows.run_event(session, principal, event, settings=settings, mail=mail)
    return Arrival(
        ticket_id=ticket_id,
        intent=row.intent,
        priority=row.priority,
        is_spam=row.is_spam,
        assigned_to=routed.user_id if routed else None,
        rules_fired=report.fired,
        then=report.then,
    )
