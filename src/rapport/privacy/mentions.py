"""Finding and scrubbing a person's identifiers in records that do not point at them (caches, logs, other notes).

Most of a customer's data hangs off `customer_id`; what does not is text that names them: a cached model answer,
a quarantined import row, a webhook payload, another customer's note, a weekly report's table. The data-subject
erase (`privacy/subjects.py`) sweeps these by the person's email addresses, phone numbers, full name and street
lines, in the forms they are stored in. A mention written differently ("(415) 555-0101" for "+14155550101", a
nickname) is not found: the sweep is a safety net behind the linked records, not a search engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, cast, or_, select
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.ai.models import CachedCompletion, ModelCall
from rapport.ask.models import AskTurn
from rapport.assistant.models import ConversationMessage
from rapport.automation.models import WebhookDelivery
from rapport.customers.models import Customer
from rapport.ingest.models import CustomerMerge, QuarantinedRow
from rapport.interactions.models import Interaction
from rapport.jobs.models import JobRun
from rapport.mail.models import MailMessage, OutboxMessage
from rapport.reports.models import Report
from rapport.sales.models import Deal
from rapport.store.base import Base
from rapport.tickets.models import Ticket

ERASED = "[erased]"
# Shorter values (a two-letter name, a short code) would match unrelated text; emails and phones are never this short.
_MIN_CHARS = 5
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Place:
    """A table whose `columns` may name a person: `delete` drops a matching row (caches, copies of a message to
    them), `scrub` replaces the identifiers in it with `[erased]` and keeps the rest (another customer's note)."""

    store: str
    model: type[Base]
    columns: tuple[str, ...]
    on_match: Literal["delete", "scrub"]


PLACES: tuple[Place, ...] = (
    Place("ai_cache", CachedCompletion, ("text",), "delete"),
    Place("ai_calls", ModelCall, ("error",), "scrub"),
    Place("import_quarantine", QuarantinedRow, ("raw", "fixed"), "delete"),
    Place("mail_outbox", OutboxMessage, ("to_addrs", "subject", "body_text", "body_html"), "delete"),
    Place("mail_messages", MailMessage, ("from_addr", "subject"), "delete"),
    Place("webhook_deliveries", WebhookDelivery, ("payload", "last_error"), "scrub"),
    Place("conversation_messages", ConversationMessage, ("body",), "scrub"),
    Place("interactions", Interaction, ("subject", "body"), "scrub"),
    Place("tickets", Ticket, ("subject",), "scrub"),
    Place("tasks", Task, ("title", "notes"), "scrub"),
    Place("deals", Deal, ("name",), "scrub"),
    Place("customer_merges", CustomerMerge, ("before", "after"), "scrub"),
    Place("ask_turns", AskTurn, ("question", "summary", "plan"), "scrub"),
    Place("reports", Report, ("tables", "narrative"), "scrub"),
    Place("job_runs", JobRun, ("args", "result", "error"), "scrub"),
)


def identifiers(customer: Customer) -> list[str]:
    """The strings that name this person in free text, longest first (so a full email goes before its phone)."""
    found: set[str] = set()
    for value in (customer.email, customer.phone, *(customer.emails or []), *(customer.phones or [])):
        if isinstance(value, str) and len(value.strip()) >= _MIN_CHARS:
            found.add(value.strip())
    name = (customer.full_name or "").strip()
    # One word is a first name shared by thousands ("Maria"); a CJK name is whole in two or three characters.
    if (" " in name and len(name) >= _MIN_CHARS) or (_CJK.search(name) and len(name) >= 2):
        found.add(name)
    for address in customer.addresses or []:
        line = address.get("line1") if isinstance(address, dict) else None
        if isinstance(line, str) and len(line.strip()) >= 8:
            found.add(line.strip())
    return sorted(found, key=lambda value: (-len(value), value))


def find(session: Session, place: Place, names: list[str]) -> list[Base]:
    """Rows of `place` whose text holds one of `names` (case-insensitive), checked again in Python after SQL."""
    if not names:
        return []
    stmt = select(place.model).where(or_(*_conditions(place, names)))
    return [row for row in session.scalars(stmt) if any(_holds(getattr(row, c), names) for c in place.columns)]


def sweep(session: Session, names: list[str], *, skip_ids: dict[str, set[int]] | None = None) -> dict[str, int]:
    """Delete or scrub every mention; returns rows touched per store. `skip_ids`: rows already handled by link."""
    touched: dict[str, int] = {}
    for place in PLACES:
        skipped = (skip_ids or {}).get(place.store, set())
        rows = [row for row in find(session, place, names) if row.id not in skipped]  # type: ignore[attr-defined]
        for row in rows:
            if place.on_match == "delete":
                session.delete(row)
            else:
                for column in place.columns:
                    setattr(row, column, scrub(getattr(row, column), names))
        if rows:
            touched[place.store] = len(rows)
    session.flush()
    return touched


def scrub(value: Any, names: Iterable[str]) -> Any:
    """`value` with each name replaced by `[erased]`, through dicts and lists (JSON columns); a new object."""
    pattern = _pattern(tuple(names))
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {key: scrub(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, names) for item in value]
    return value


def _holds(value: Any, names: list[str]) -> bool:
    pattern = _pattern(tuple(names))
    return any(pattern.search(text) for text in _texts(value))


@lru_cache(maxsize=64)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """The names as whole tokens: "Person Number7" is not in "Person Number70", nor "p7@x.com" in "ap7@x.com".
    Chinese is written without spaces, so a CJK name matches anywhere."""
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        parts.append(escaped if _CJK.search(name) else rf"(?<![\w@.+-]){escaped}(?![\w@]|[.+-]\w)")
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _conditions(place: Place, names: list[str]) -> Iterator[ColumnElement[bool]]:
    for column_name in place.columns:
        column = cast(getattr(place.model, column_name), String)
        for name in names:
            # JSON columns are stored with non-ASCII escaped (\u4e2d), so a Chinese name is looked for both ways.
            for form in {name, json.dumps(name)[1:-1]}:
                yield column.ilike(f"%{_escape_like(form)}%", escape="\\")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
