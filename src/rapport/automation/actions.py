"""What a matched rule does: assign, set a field, create a task, queue a templated email, call a signed webhook.

Each action goes through the owning domain's service (so access rules and audit apply) and returns what it did.
Emails and webhooks are only queued here, in the rule's transaction; the job that ran the rule enqueues their
delivery after commit (`then`), so nothing is sent for a rule run that rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities import service as task_service
from rapport.automation import assignments
from rapport.automation.models import WebhookDelivery
from rapport.automation.schemas import (
    Action,
    AssignAction,
    AutomationSettings,
    CreateTaskAction,
    SendEmailAction,
    SetFieldAction,
    WebhookAction,
)
from rapport.automation.templates import render
from rapport.customers import service as customer_service
from rapport.errors import Invalid, NotFound
from rapport.kit.clock import utcnow
from rapport.mail import outbox
from rapport.mail.models import MailMessage
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import Principal, Role
from rapport.tickets import service as ticket_service
from rapport.tickets.schemas import TicketUpdate

RELATED: Final = {"tickets": "ticket", "orders": "order", "deals": "deal", "customers": "customer"}


@dataclass
class Outcome:
    type: str
    ok: bool
    detail: str
    then: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Runner:
    """Performs actions for one rule; `rule_id`/`rule_name` label what it creates."""

    session: Session
    principal: Principal
    settings: AutomationSettings
    mail: MailSettings
    rule_id: int | None
    rule_name: str

    def perform(self, action: Action, context: dict[str, Any]) -> Outcome:
        if isinstance(action, AssignAction):
            return self._assign(action, context)
        if isinstance(action, SetFieldAction):
            return self._set_field(action, context)
        if isinstance(action, CreateTaskAction):
            return self._create_task(action, context)
        if isinstance(action, SendEmailAction):
            return self._send_email(action, context)
        return self._webhook(action, context)

    def _assign(self, action: AssignAction, context: dict[str, Any]) -> Outcome:
        ticket_id = _ticket_id(context)
        reason = f"rule '{self.rule_name}'"
        if action.to.startswith("user:"):
            user = _user(self.session, action.to[5:])
            assignments.assign_to(self.session, self.principal, ticket_id, user.id, reason=reason, kind="rule")
            return Outcome("assign", True, f"ticket {ticket_id} → {user.name} ({reason})")
        skill = action.to[6:] if action.to.startswith("skill:") else None
        routed = assignments.route(
            self.session, self.principal, ticket_id, settings=self.settings, kind="rule", skill=skill
        )
        if routed is None:
            return Outcome("assign", True, f"ticket {ticket_id} left as is (assigned already, closed or spam)")
        routed.reason = f"{reason}: {routed.reason}"
        return Outcome("assign", True, f"ticket {ticket_id} → user {routed.user_id}: {routed.reason}")

    def _set_field(self, action: SetFieldAction, context: dict[str, Any]) -> Outcome:
        entity, _, name = action.field.partition(".")
        if entity == "ticket":
            ticket_id = _ticket_id(context)
            values = TicketUpdate.model_validate({name: action.value}).model_dump(exclude_unset=True)
            ticket_service.update(self.session, self.principal, ticket_id, values)
            return Outcome("set_field", True, f"ticket {ticket_id}: {name} = {action.value!r}")
        customer_id = (context.get("customer") or {}).get("id")
        if customer_id is None:
            raise Invalid(f"{action.field}: this event has no customer")
        if name == "tags":
            customer = customer_service.get(self.session, self.principal, customer_id)
            tag = str(action.value).strip().lower()
            if tag in (customer.tags or []):
                return Outcome("set_field", True, f"customer {customer_id} already tagged '{tag}'")
            customer_service.update(self.session, self.principal, customer_id, {"tags": [*(customer.tags or []), tag]})
            return Outcome("set_field", True, f"customer {customer_id}: tag '{tag}' added")
        customer_service.update(self.session, self.principal, customer_id, {name: action.value})
        return Outcome("set_field", True, f"customer {customer_id}: {name} = {action.value!r}")

    def _create_task(self, action: CreateTaskAction, context: dict[str, Any]) -> Outcome:
        assignee = _assignee(self.session, action.assignee, context)
        related_type, related_id = _related(context)
        task = task_service.create(
            self.session,
            self.principal,
            {
                "title": render(action.title, context)[:300] or self.rule_name,
                "notes": (render(action.notes, context) if action.notes else "") + f"\n\n(rule: {self.rule_name})",
                "due_at": utcnow() + timedelta(hours=action.due_in_h),
                "assignee_id": assignee,
                "related_type": related_type,
                "related_id": related_id,
            },
        )
        return Outcome("create_task", True, f"task {task.id} for user {assignee}: {task.title}")

    def _send_email(self, action: SendEmailAction, context: dict[str, Any]) -> Outcome:
        customer = context.get("customer") or {}
        to = _recipient(self.session, action.to, context)
        if to is None:
            return Outcome("send_email", False, f"no address for '{action.to}'; not sent")
        if action.to == "customer" and customer.get("deleted_at") is not None:
            return Outcome("send_email", False, "customer is deleted; not sent")
        if action.requires_consent and action.to == "customer" and not customer.get("consent_email"):
            return Outcome("send_email", False, "customer has not consented to email; not sent")
        ticket = context.get("ticket") or {}
        message = outbox.queue(
            self.session,
            self.principal,
            to=[to],
            subject=render(action.subject, context).strip().replace("\n", " ")[:300],
            body_text=render(action.body, context),
            settings=self.mail,
            customer_id=customer.get("id") if action.to == "customer" else None,
            ticket_id=ticket.get("id"),
            in_reply_to=_last_inbound(self.session, ticket.get("id")),
            source=f"rule:{self.rule_id}" if self.rule_id else "rule",
        )
        return Outcome(
            "send_email", True, f"email {message.id} queued to {to}", [("mail.send", {"outbox_id": message.id})]
        )

    def _webhook(self, action: WebhookAction, context: dict[str, Any]) -> Outcome:
        payload: dict[str, Any] = {part: _jsonable(context.get(part)) for part in action.include if part in context}
        payload["rule"] = {"id": self.rule_id, "name": self.rule_name}
        event = context.get("event") or {}
        delivery = WebhookDelivery(
            rule_id=self.rule_id,
            event_key=str(event.get("key", ""))[:200],
            url=action.url,
            secret_name=action.secret,
            payload=payload,
            status="pending",
            created_at=utcnow(),
        )
        self.session.add(delivery)
        self.session.flush()
        return Outcome(
            "webhook",
            True,
            f"webhook {delivery.id} to {action.url} queued",
            [("rules.deliver_webhook", {"delivery_id": delivery.id})],
        )


def describe(action: Action, context: dict[str, Any]) -> str:
    """What the action would do, for dry runs; renders templates but changes nothing."""
    if isinstance(action, AssignAction):
        return f"assign ticket {(context.get('ticket') or {}).get('id')} to {action.to}"
    if isinstance(action, SetFieldAction):
        return f"set {action.field} = {action.value!r}"
    if isinstance(action, CreateTaskAction):
        return f"task for {action.assignee}: {render(action.title, context)[:120]} (due in {action.due_in_h:g} h)"
    if isinstance(action, SendEmailAction):
        return f"email to {action.to}: {render(action.subject, context)[:120]}"
    return f"POST {action.url} signed with secret '{action.secret}'"


def _ticket_id(context: dict[str, Any]) -> int:
    ticket = context.get("ticket") or {}
    if not ticket.get("id"):
        raise Invalid("this event has no ticket")
    return int(ticket["id"])


def _user(session: Session, ref: str) -> User:
    user = (
        session.get(User, int(ref)) if ref.isdigit() else session.scalar(select(User).where(User.email == ref.lower()))
    )
    if user is None or not user.is_active:
        raise NotFound(f"user {ref} not found or inactive")
    return user


def _assignee(session: Session, ref: str, context: dict[str, Any]) -> int | None:
    if ref == "owner":
        return _owner(context)
    if ref == "assignee":
        return (context.get("ticket") or {}).get("assignee_id") or _owner(context)
    if ref == "manager":
        return session.scalar(
            select(User.id).where(User.role == Role.manager.value, User.is_active.is_(True)).order_by(User.id).limit(1)
        )
    if ref.startswith("user:"):
        return _user(session, ref[5:]).id
    raise Invalid(f"unknown assignee '{ref}' (owner | assignee | manager | user:<email or id>)")


def _owner(context: dict[str, Any]) -> int | None:
    for part in ("deal", "customer"):
        owner = (context.get(part) or {}).get("owner_id")
        if owner:
            return int(owner)
    return None


def _recipient(session: Session, ref: str, context: dict[str, Any]) -> str | None:
    if ref == "customer":
        return (context.get("customer") or {}).get("email")
    if ref.startswith("email:"):
        return ref[6:]
    user_id = _assignee(session, ref, context)
    user = session.get(User, user_id) if user_id else None
    return user.email if user else None


def _related(context: dict[str, Any]) -> tuple[str | None, int | None]:
    for part in ("ticket", "order", "deal", "customer"):
        record = context.get(part) or {}
        if record.get("id"):
            return part, int(record["id"])
    return None, None


def _last_inbound(session: Session, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return session.scalar(
        select(MailMessage.message_id)
        .where(MailMessage.ticket_id == ticket_id, MailMessage.direction == "inbound")
        .order_by(MailMessage.at.desc())
        .limit(1)
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
