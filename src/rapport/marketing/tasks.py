"""Marketing's background work as plain functions; rapport.jobs.catalog names and runs them."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine

from rapport.ai.gateway import Gateway
from rapport.errors import RapportError
from rapport.marketing import campaigns, flows
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
SCHEDULER = system_principal("job")


def send_due(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    """marketing.send_due: send every scheduled campaign whose time has come (each claimed once)."""
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        ids = campaigns.due(session)
    then: list[tuple[str, dict[str, Any]]] = []
    sent = []
    for campaign_id in ids:
        with session_scope(factory) as session:
            if not campaigns.claim(session, campaign_id):
                continue
        then += send_campaign(bind, settings, campaign_id=campaign_id).get("then", [])
        sent.append(campaign_id)
    return {"sent": sent, "then": then}


def send_campaign(
    bind: Engine | Connection, settings: Settings, *, campaign_id: int, use_model: bool = True
) -> dict[str, Any]:
    """marketing.send_campaign: write the copy (the model, with nothing written meanwhile), then send."""
    factory = make_sessionmaker(bind)
    gateway = Gateway(settings, factory) if use_model else None
    with session_scope(factory) as session:
        campaign = campaigns.get(session, SCHEDULER, campaign_id)
        has_copy = bool(campaigns.messages_of(session, campaign))
    if not has_copy:
        try:
            flows.write_copy(factory, SCHEDULER, gateway, campaign_id, settings, use_model=use_model)
        except RapportError:
            log.exception("writing campaign %s's copy failed; sending the template", campaign_id)
    with session_scope(factory) as session:
        outcome = campaigns.send(session, SCHEDULER, campaign_id, settings)
        ids = list(outcome.outbox_ids)
    return {"campaign_id": campaign_id, "queued": len(ids), "then": [("mail.send", {"outbox_id": i}) for i in ids]}
