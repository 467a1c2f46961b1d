"""Automation's background work as plain functions `(bind, settings, **arguments) -> summary`; the queue
(rapport.jobs.catalog) names them and runs them. A summary may list jobs to start after commit under "then".

Each function opens its own short transactions, so a sweep that fails on one ticket still keeps the others.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from rapport.automation import assignments, flows, followups, webhooks, workflows
from rapport.automation import service as triage_service
from rapport.automation.models import WebhookDelivery
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import AUTOMATION
from rapport.kit.clock import utcnow
from rapport.mail.schemas import MailSettings
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
Summary = dict[str, Any]
SWEEP_BUDGET_S = 20.0


def configured(settings: Settings) -> AutomationSettings:
    """`settings.automation` once Settings nests it, the defaults until then."""
    nested = getattr(settings, "automation", None)
    return nested if isinstance(nested, AutomationSettings) else AutomationSettings()


def mail_configured(settings: Settings) -> MailSettings:
    nested = getattr(settings, "mail", None)
    return nested if isinstance(nested, MailSettings) else MailSettings()


def triage_ticket(bind: Engine | Connection, settings: Settings, *, ticket_id: int) -> Summary:
    """tickets.triage: triage, route and run the ticket.created rules for one ticket."""
    from rapport.labels.triage import triage_for  # the trained intent model, when one is promoted

    with session_scope(make_sessionmaker(bind)) as session:
        arrival = flows.on_ticket_arrived(
            session,
            AUTOMATION,
            ticket_id,
            settings=configured(settings),
            mail=mail_configured(settings),
            triage=triage_for(session, settings),
        )
    return {**arrival.summary(), "then": arrival.then}


def sweep_new_tickets(
    bind: Engine | Connection, settings: Settings, *, hours: int = 72, budget_s: float = SWEEP_BUDGET_S
) -> Summary:
    """tickets.sweep: triage open tickets of the last `hours` that no door announced (created by any door).

    One run stops taking new tickets after `budget_s` and reports how many remain; the next minute's run goes on.
    A backlog (an import of hundreds of tickets, a demo company) so drains in slices instead of holding a worker
    for minutes while jobs queued behind it wait.
    """
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        waiting = triage_service.untriaged(session, since=utcnow() - timedelta(hours=hours))
    started = time.monotonic()
    done, failed, then = 0, 0, []
    for ticket_id in waiting:
        if done + failed and time.monotonic() - started >= budget_s:
            break
        try:
            summary = triage_ticket(bind, settings, ticket_id=ticket_id)
        except Exception:
            log.exception("triage of ticket %s failed", ticket_id)
            failed += 1
            continue
        done += 1
        then += summary["then"]
    return {"triaged": done, "failed": failed, "remaining": len(waiting) - done - failed, "then": then}


def escalate(bind: Engine | Connection, settings: Settings) -> Summary:
    """tickets.escalate: SLA breaches → priority up, move off absent agents, a task for a manager."""
    with session_scope(make_sessionmaker(bind)) as session:
        rows = assignments.escalate_overdue(session, AUTOMATION, settings=configured(settings))
        return {"escalated": [r.ticket_id for r in rows]}


def run_rules(bind: Engine | Connection, settings: Settings) -> Summary:
    """rules.run: poll every event source that has active rules and run them."""
    with session_scope(make_sessionmaker(bind)) as session:
        report = workflows.poll(session, AUTOMATION, settings=configured(settings), mail=mail_configured(settings))
    return {"events": report.events, "fired": report.fired, "failed": report.failed, "by_rule": report.by_rule,
            "then": report.then}  # fmt: skip


def deliver_webhook(bind: Engine | Connection, settings: Settings, *, delivery_id: int) -> Summary:
    """rules.deliver_webhook: one signed POST; raising makes the queue retry with backoff."""
    return {"status": webhooks.deliver(bind, configured(settings), delivery_id)}


def resend_stuck_webhooks(bind: Engine | Connection, settings: Settings, *, older_than_min: int = 60) -> Summary:
    """rules.resend_webhooks: deliveries still pending an hour on (their job was lost) get a new job."""
    cutoff = utcnow() - timedelta(minutes=older_than_min)
    with session_scope(make_sessionmaker(bind)) as session:
        ids = session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.status == "pending", WebhookDelivery.created_at < cutoff)
        ).all()
    return {"resent": len(ids), "then": [("rules.deliver_webhook", {"delivery_id": i}) for i in ids]}


def scan_followups(bind: Engine | Connection, settings: Settings) -> Summary:
    """followups.scan: idle deals, churn-risk crossings and promises in outgoing messages become tasks."""
    options = configured(settings)
    counts = {}
    for name, scan in (
        ("promises", followups.scan_promises),
        ("idle_deals", followups.scan_idle_deals),
        ("churn", followups.scan_churn),
    ):
        with session_scope(make_sessionmaker(bind)) as session:
            counts[name] = len(scan(session, AUTOMATION, settings=options))
    return counts
