"""Marketing work that spans transactions: writing a campaign's copy reads in one short transaction, asks the model
with none open (SQLite has one writer, and the gateway records each call in its own transaction, which would leave
a longer read transaction unable to write), and stores the copy in another."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from rapport.ai.gateway import Gateway
from rapport.marketing import campaigns, messages
from rapport.marketing.schemas import MessageRead
from rapport.privacy.access import Action, Principal, require
from rapport.settings import Settings
from rapport.store.engine import session_scope


def write_copy(
    sessions: sessionmaker[Session],
    principal: Principal,
    gateway: Gateway | None,
    campaign_id: int,
    settings: Settings,
    *,
    use_model: bool = True,
) -> list[MessageRead]:
    """(Re)write a campaign's copy for every variant and language; only a campaign not yet sent."""
    require(principal, campaigns.ENTITY, Action.update)
    with session_scope(sessions) as session:
        campaign = campaigns.get(session, principal, campaign_id)
        campaigns.require_unsent(campaign)
        plan = messages.prepare(session, campaign, settings.marketing, company=settings.assistant.company_name)
    drafted = messages.write_all(gateway if use_model else None, plan, settings.marketing)
    with session_scope(sessions) as session:
        campaign = campaigns.get(session, principal, campaign_id)
        campaigns.require_unsent(campaign)
        made = messages.store(session, campaign, drafted)
        return [MessageRead.model_validate(m) for m in made]
