"""Shapes for reports: their settings, KPI tables, number checks and reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from rapport.kit.schema import Schema


class ReportSettings(BaseModel):
    """Where reports go. Attached to the main Settings as `Settings.reports`."""

    deliver_to: list[Literal["folder", "email", "webhook"]] = Field(
        default=["folder"], description="Where the weekly report is delivered."
    )
    folder: Path | None = Field(default=None, description="Delivery folder; default data_dir/reports/outgoing.")
    recipients: list[str] = Field(default_factory=list, description="Email recipients (through the outbox).")
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, description="Signs report webhooks (HMAC-SHA256).")
    currency: str = "USD"
    narrative: Literal["template", "llm"] = Field(
        default="template", description="llm: the gateway writes it; every number is still checked."
    )
    cjk_font: str | None = Field(
        default=None, description="A font with Chinese glyphs for PDFs; default: look for Noto CJK/WenQuanYi; '' none."
    )


class Table(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Any]]


class NumberCheck(BaseModel):
    text: str
    value: float | str
    is_verified: bool
    found_in: str | None = None
    context: str = ""


class ChecksRead(BaseModel):
    numbers: int
    verified: int
    unverified: list[NumberCheck]

    @property
    def is_clean(self) -> bool:
        return not self.unverified


class ReportRead(Schema):
    id: int
    kind: str
    period_start: datetime
    period_end: datetime
    status: str
    tables: dict[str, Any]
    narrative: str
    narrative_source: str
    checks: dict[str, Any]
    html_path: str | None
    pdf_path: str | None
    deliveries: list[Any]
    error: str | None
    created_at: datetime


class ReportRequest(Schema):
    kind: Literal["weekly"] = "weekly"
    as_of: datetime | None = Field(default=None, description="The report covers the last full week before this.")
    deliver: bool = Field(default=False, description="Deliver to the configured targets once built.")
