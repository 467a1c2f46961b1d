"""Shapes for automation: its settings, workflow rules as data (trigger → conditions → actions), triage and
assignment reads."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from jinja2 import TemplateSyntaxError
from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from rapport.automation.templates import check_template
from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class AutomationSettings(BaseModel):
    """Triage, routing, SLA and follow-up knobs. Attached to the main Settings as `Settings.automation`."""

    sla_hours: dict[str, float] = Field(
        default_factory=lambda: {"urgent": 4.0, "high": 8.0, "normal": 24.0, "low": 72.0},
        description="Hours to first response per priority.",
    )
    vip_tag: str = "vip"
    vip_sla_factor: float = Field(default=0.5, description="VIP customers' SLA hours are multiplied by this.")
    valuable_spend: float = Field(default=1000.0, description="Lifetime spend that raises a ticket's priority.")
    high_value_spend: float = Field(default=3000.0, description="Lifetime spend that raises it further.")
    agent_roles: list[str] = Field(default_factory=lambda: ["support"], description="Roles that take tickets.")
    max_open_per_agent: int = Field(default=40, description="Open tickets an agent holds before routing skips them.")
    duplicate_threshold: float = Field(default=85.0, description="Similarity (0-100) that marks a duplicate.")
    spam_threshold: float = 3.0
    escalate_within_h: float = Field(
        default=72.0, description="Breaches older than this are reported, not escalated (no storm on old backlog)."
    )
    idle_deal_days: int = 14
    churn_threshold: float = Field(default=0.6, description="Churn risk that makes a follow-up for a valuable one.")
    churn_min_value: float = Field(default=500.0, description="Lifetime value (or spend) that counts as valuable.")
    promise_lookback_days: int = Field(default=7, description="Outgoing messages this recent are read for promises.")
    webhook_secrets: dict[str, str] = Field(
        default_factory=dict, description='Webhook signing secrets by name, e.g. {"erp": "…"}; rules name one.'
    )
    webhook_timeout_s: float = 10.0
    webhook_max_attempts: int = 6


TriggerEvent = Literal[
    "ticket.created",
    "ticket.updated",
    "order.placed",
    "segment.changed",
    "churn.crossed",
    "date",
    "feedback.topic_emerging",
]
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "deals": ("expected_close",),
    "tasks": ("due_at",),
    "tickets": ("sla_due_at",),
    "customers": ("birth_date",),
}
Operator = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "not_contains", "matches", "exists", "missing"
]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+){0,3}$", max_length=80)]


class Trigger(Schema):
    event: TriggerEvent
    threshold: float | None = Field(default=None, ge=0, le=1, description="churn.crossed: the risk crossed upwards.")
    entity: Literal["deals", "tasks", "tickets", "customers"] | None = Field(default=None, description="date")
    field: str | None = Field(default=None, description="date: the date field, e.g. expected_close.")
    offset_days: int = Field(default=0, ge=-365, le=365, description="date: fire this many days after the date.")

    @model_validator(mode="after")
    def _complete(self) -> Trigger:
        if self.event == "date" and (self.entity is None or self.field not in DATE_FIELDS[self.entity]):
            options = "; ".join(f"{e}: {', '.join(f)}" for e, f in DATE_FIELDS.items())
            raise ValueError(f"a date trigger needs entity and field, one of {options}")
        if self.event == "churn.crossed" and self.threshold is None:
            self.threshold = 0.5
        return self


class Condition(Schema):
    """`field` is a dotted path into the event's context: ticket.intent, customer.tags, customer.total_spent,
    triage.sentiment, order.total, insight.churn_risk, event.changed, …"""

    field: FieldPath
    op: Operator = "eq"
    value: Any = None

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.op in {"in", "not_in"} and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' needs a list value")
        if self.op == "matches":
            if not isinstance(self.value, str) or len(self.value) > 200:
                raise ValueError("'matches' needs a regular expression of at most 200 characters")
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return self


class AssignAction(Schema):
    type: Literal["assign"]
    to: str = Field(default="auto", description="auto (skills, load, round-robin) | user:<email or id> | skill:<s>")


SETTABLE_FIELDS = (
    "ticket.priority",
    "ticket.status",
    "ticket.team_id",
    "customer.lifecycle_stage",
    "customer.tags",
)


class SetFieldAction(Schema):
    type: Literal["set_field"]
    field: str
    value: Any

    @field_validator("field")
    @classmethod
    def _settable(cls, value: str) -> str:
        if value not in SETTABLE_FIELDS:
            raise ValueError(f"settable fields: {', '.join(SETTABLE_FIELDS)} (customer.tags adds a tag)")
        return value


class CreateTaskAction(Schema):
    type: Literal["create_task"]
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    notes: str | None = None
    due_in_h: float = Field(default=24.0, ge=0, le=24 * 365)
    assignee: str = Field(
        default="owner", description="owner (the customer's) | assignee (the ticket's) | manager | user:<email or id>"
    )

    @field_validator("title", "notes")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return _checked_template(value)


class SendEmailAction(Schema):
    type: Literal["send_email"]
    to: str = Field(default="customer", description="customer | owner | assignee | email:<address>")
    subject: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    requires_consent: bool = Field(
        default=False, description="Marketing mail: send only to customers who consented to email."
    )

    @field_validator("subject", "body")
    @classmethod
    def _template(cls, value: str) -> str:
        checked = _checked_template(value)
        assert checked is not None
        return checked


class WebhookAction(Schema):
    type: Literal["webhook"]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]
    secret: str = Field(description="Name of a secret in automation settings (webhook_secrets); never stored here.")
    include: list[Literal["event", "ticket", "customer", "order", "deal", "triage", "insight"]] = Field(
        default=["event", "ticket", "order", "deal", "triage"],
        description="Context parts sent; customer (personal data) only when listed.",
    )


Action = Annotated[
    AssignAction | SetFieldAction | CreateTaskAction | SendEmailAction | WebhookAction, Field(discriminator="type")
]


class RuleDefinition(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    description: str = ""
    is_active: bool = True
    position: int = Field(default=100, description="Rules run in ascending position, then id.")
    trigger: Trigger
    conditions: list[Condition] = Field(default_factory=list, description="All must hold.")
    any: list[Condition] = Field(default_factory=list, description="If given, at least one must hold too.")
    actions: Annotated[list[Action], Field(min_length=1, max_length=10)]

    @model_validator(mode="after")
    def _assign_needs_ticket(self) -> RuleDefinition:
        ticket_events = {"ticket.created", "ticket.updated"}
        if self.trigger.event not in ticket_events and not (
            self.trigger.event == "date" and self.trigger.entity == "tickets"
        ):
            for action in self.actions:
                if isinstance(action, AssignAction) or (
                    isinstance(action, SetFieldAction) and action.field.startswith("ticket.")
                ):
                    raise ValueError(f"'{action.type}' on a ticket needs a ticket trigger, not {self.trigger.event}")
        return self


class RuleSet(Schema):
    rules: list[RuleDefinition]


class RuleUpdate(Schema):
    """Either a whole new definition, or just switch the rule on or off."""

    definition: RuleDefinition | None = None
    is_active: bool | None = None


class RuleRead(Schema):
    id: int
    name: str
    description: str
    trigger: str
    is_active: bool
    position: int
    version: int
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class PlannedAction(BaseModel):
    type: str
    description: str


class DryRunMatch(BaseModel):
    event_key: str
    entity: str
    entity_id: int | None
    at: datetime | None
    actions: list[PlannedAction]


class DryRunRead(BaseModel):
    rule_id: int | None
    rule: str
    days: int
    events: int
    matched: int
    samples: list[DryRunMatch]
    note: str = "Conditions are checked against records as they are now, not as they were when the event happened."


class RuleRunRead(Schema):
    id: int
    rule_id: int
    rule_version: int
    event_key: str
    entity: str
    entity_id: int | None
    outcome: str
    actions: list[Any]
    at: datetime


class TriageRead(Schema):
    ticket_id: int
    intent: str | None
    intent_confidence: float | None
    priority: str
    priority_score: float
    sentiment: str
    sentiment_score: float
    language: str
    is_spam: bool
    spam_score: float
    duplicate_of_id: int | None
    duplicate_score: float | None
    sla_due_at: datetime | None
    explanations: dict[str, Any]
    models: dict[str, Any]
    applied: dict[str, Any]
    triaged_at: datetime


class AssignmentRead(Schema):
    id: int
    ticket_id: int
    user_id: int | None
    previous_user_id: int | None
    kind: str
    reason: str
    details: dict[str, Any]
    by_user_id: int | None
    at: datetime


class AssignRequest(Schema):
    """A manager's override: who takes the ticket and why (kept in the assignment history)."""

    user_id: Id
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class AvailabilityUpdate(Schema):
    is_available: bool | None = None
    away_until: datetime | None = None
    max_open: int | None = Field(default=None, ge=0, le=1000)
    note: Annotated[str, StringConstraints(max_length=200)] | None = None


class AvailabilityRead(BaseModel):
    user_id: int
    name: str
    skills: list[str]
    is_available: bool
    away_until: datetime | None
    max_open: int
    open_tickets: int
    note: str


def _checked_template(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        check_template(value)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template error: {exc.message}") from None
    return value
