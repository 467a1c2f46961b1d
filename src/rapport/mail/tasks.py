"""The email channel's background work as plain functions; rapport.jobs.catalog names and runs them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from rapport.mail import outbox
from rapport.mail.schemas import MailSettings
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope


def configured(settings: Settings) -> MailSettings:
    """`settings.mail` once Settings nests it, the defaults until then."""
    nested = getattr(settings, "mail", None)
    return nested if isinstance(nested, MailSettings) else MailSettings()


def send(bind: Engine | Connection, settings: Settings, *, outbox_id: int) -> dict[str, Any]:
    """mail.send: send one queued message (raises to be retried when the transport fails)."""
    return {"status": outbox.send(bind, configured(settings), settings.data_dir, outbox_id)}


def flush(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    """mail.flush: start a send job for every message still queued (a lost job, or SMTP down for a while)."""
    with session_scope(make_sessionmaker(bind)) as session:
        ids = outbox.waiting(session)
    return {"queued": len(ids), "then": [("mail.send", {"outbox_id": i}) for i in ids]}
