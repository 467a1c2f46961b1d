"""Shapes for the email channel: its settings, outbox reads and what an import did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from rapport.kit.schema import Schema


class MailSettings(BaseModel):
    """Outgoing mail. Without an SMTP host, messages are written as .eml files under data_dir/mail/outbox.
    Attached to the main Settings as `Settings.mail`."""

    from_addr: str = Field(default="support@rapport.local", description="From address of outgoing mail.")
    from_name: str = "Rapport Support"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_timeout_s: float = 20.0
    message_id_domain: str = Field(default="rapport.local", description="Right-hand side of our Message-IDs.")
    max_attempts: int = 5


class OutboxRead(Schema):
    id: int
    message_id: str
    from_addr: str
    to_addrs: list[str]
    subject: str
    body_text: str
    in_reply_to: str | None
    customer_id: int | None
    ticket_id: int | None
    source: str
    status: str
    attempts: int
    last_error: str | None
    transport: str | None
    path: str | None
    sent_at: datetime | None
    created_at: datetime


class ImportResult(BaseModel):
    source: str
    messages: int = 0
    imported: int = 0
    duplicates: int = 0
    new_tickets: list[int] = Field(default_factory=list)
    threaded: int = 0
    reopened: int = 0
    new_customers: int = 0
    skipped: list[dict[str, Any]] = Field(default_factory=list)
