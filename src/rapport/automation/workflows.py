"""Workflow rules: keep them (CRUD, YAML rule sets, the demo set), run them on events, and dry-run them over
the past.

A rule fires at most once per event: the (rule, event) pair is claimed in `rule_runs` before the actions run, in a
savepoint, so a rule whose action fails rolls back alone and is recorded as failed, and a second worker seeing the
same event finds it claimed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Final

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rapport.automation import actions, events
from rapport.automation import service as triage_service
from rapport.automation.conditions import evaluate
from rapport.automation.models import RuleRun, WorkflowRule
from rapport.automation.schemas import (
    AutomationSettings,
    DryRunMatch,
    DryRunRead,
    PlannedAction,
    RuleDefinition,
    RuleSet,
    RuleUpdate,
)
from rapport.errors import Conflict, Invalid, NotFound, RapportError
from rapport.kit.clock import utcnow
from rapport.mail.schemas import MailSettings
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.tickets.models import Ticket

ENTITY: Final = "rules"
DRY_RUN_LIMIT: Final = 5000
Then = list[tuple[str, dict[str, Any]]]


# -- keeping rules --------------------------------------------------------------------------------------------------
def list_rules(session: Session, principal: Principal) -> list[WorkflowRule]:
    require(principal, ENTITY, Action.read)
    return list(session.scalars(select(WorkflowRule).order_by(WorkflowRule.position, WorkflowRule.id)))


def get(session: Session, principal: Principal, rule_id: int) -> WorkflowRule:
    require(principal, ENTITY, Action.read)
    rule = session.get(WorkflowRule, rule_id)
    if rule is None:
        raise NotFound(f"rule {rule_id} not found")
    return rule


def create(session: Session, principal: Principal, definition: RuleDefinition) -> WorkflowRule:
    _require(session, principal, Action.create, None)
    if session.scalar(select(WorkflowRule.id).where(WorkflowRule.name == definition.name)) is not None:
        raise Conflict(f"a rule named '{definition.name}' exists already")
    rule = WorkflowRule(created_by_id=principal.user_id, updated_by_id=principal.user_id, version=1)
    _fill(rule, definition)
    session.add(rule)
    session.flush()
    audit.record(session, principal, action="create", entity=ENTITY, entity_id=rule.id, detail={"name": rule.name})
    return rule


def update(session: Session, principal: Principal, rule_id: int, change: RuleUpdate) -> WorkflowRule:
    _require(session, principal, Action.update, rule_id)
    rule = get(session, principal, rule_id)
    if change.definition is not None:
        clash = session.scalar(
            select(WorkflowRule.id).where(WorkflowRule.name == change.definition.name, WorkflowRule.id != rule_id)
        )
        if clash is not None:
            raise Conflict(f"a rule named '{change.definition.name}' exists already")
        _fill(rule, change.definition)
        rule.version += 1
    if change.is_active is not None:
        rule.is_active = change.is_active
        rule.definition = {**rule.definition, "is_active": change.is_active}
    rule.updated_by_id = principal.user_id
    session.flush()
    audit.record(
        session, principal, action="update", entity=ENTITY, entity_id=rule.id, detail={"version": rule.version}
    )
    return rule


def delete(session: Session, principal: Principal, rule_id: int) -> None:
    _require(session, principal, Action.delete, rule_id)
    session.delete(get(session, principal, rule_id))
    session.flush()
    audit.record(session, principal, action="delete", entity=ENTITY, entity_id=rule_id)


def parse_ruleset(text: str) -> RuleSet:
    """A rule set from YAML or JSON (`rules: [...]`, or a bare list); Invalid with every problem listed."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid(f"not valid YAML: {exc}") from None
    if isinstance(data, list):
        data = {"rules": data}
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise Invalid("the rule set is not valid: " + "; ".join(problems[:20]), details=problems) from None


def demo_ruleset() -> RuleSet:
    return parse_ruleset(resources.files("rapport.automation").joinpath("demo_rules.yaml").read_text("utf-8"))


def install(session: Session, principal: Principal, ruleset: RuleSet) -> list[WorkflowRule]:
    """Create the set's rules, or update those with the same name (a new version): installing twice is a no-op.

    Create rights are checked first, so a set that changes nothing is refused to a read-only role like any other."""
    _require(session, principal, Action.create, None)
    installed = []
    for definition in ruleset.rules:
        existing = session.scalar(select(WorkflowRule).where(WorkflowRule.name == definition.name))
        if existing is None:
            installed.append(create(session, principal, definition))
        elif existing.definition != definition.model_dump(mode="json"):
            installed.append(update(session, principal, existing.id, RuleUpdate(definition=definition)))
        else:
            installed.append(existing)
    return installed


def runs(session: Session, principal: Principal, rule_id: int, *, limit: int = 50) -> list[RuleRun]:
    get(session, principal, rule_id)
    stmt = select(RuleRun).where(RuleRun.rule_id == rule_id).order_by(RuleRun.id.desc()).limit(limit)
    return list(session.scalars(stmt))


# -- running rules --------------------------------------------------------------------------------------------------
@dataclass
class RunReport:
    events: int = 0
    fired: int = 0
    failed: int = 0
    then: Then = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: RunReport) -> None:
        self.events += other.events
        self.fired += other.fired
        self.failed += other.failed
        self.then += other.then
        for name, count in other.by_rule.items():
            self.by_rule[name] = self.by_rule.get(name, 0) + count


def run_event(
    session: Session,
    principal: Principal,
    event: events.Event,
    *,
    settings: AutomationSettings,
    mail: MailSettings,
    rules: list[WorkflowRule] | None = None,
) -> RunReport:
    """Run every active rule for this event's kind, each at most once per event."""
    rules = _active(session, event.kind) if rules is None else rules
    report = RunReport(events=1)
    context: dict[str, Any] | None = None
    for rule in rules:
        definition = RuleDefinition.model_validate(rule.definition)
        if not _trigger_fits(definition, event):
            continue
        context = context if context is not None else events.context_for(session, event)
        matched, _ = evaluate(definition.conditions, definition.any, context)
        if not matched:
            continue
        outcome = _fire(session, principal, rule, definition, event, context, settings, mail)
        if outcome is None:
            continue
        report.fired += 1
        report.by_rule[rule.name] = report.by_rule.get(rule.name, 0) + 1
        if outcome.outcome == "failed":
            report.failed += 1
        report.then += [item for result in outcome.actions for item in result.pop("then", [])]
    return report


def poll(
    session: Session,
    principal: Principal,
    *,
    settings: AutomationSettings,
    mail: MailSettings,
    now: datetime | None = None,
    batch: int = 500,
) -> RunReport:
    """Find new events from every source that has active rules and run them; cursors move past what was read."""
    now = now or utcnow()
    active = _active(session, None)
    kinds = {r.trigger for r in active}
    report = RunReport()
    if "ticket.updated" in kinds:
        after = events.cursor(session, "ticket.updated", events.max_audit_id(session))
        found = events.ticket_updates(session, after_id=after, limit=batch)
        report.add(_run_all(session, principal, found, active, settings, mail))
        if found:
            events.advance(session, "ticket.updated", int(found[-1].data["audit_id"]))
    if "order.placed" in kinds:
        after = events.cursor(session, "order.placed", events.max_order_id(session))
        found = events.orders_placed(session, after_id=after, limit=batch)
        report.add(_run_all(session, principal, found, active, settings, mail))
        if found:
            events.advance(session, "order.placed", found[-1].entity_id)
    if kinds & {"segment.changed", "churn.crossed"}:
        latest = events.latest_runs(session)
        after = events.cursor(session, "analytics", latest[-1] if latest else 0)
        triggers = [RuleDefinition.model_validate(r.definition).trigger for r in active]
        for run_id in events.latest_runs(session, after_id=after)[:3]:
            found = events.analytics_changes(session, run_id, triggers)
            report.add(_run_all(session, principal, found, active, settings, mail))
            events.advance(session, "analytics", run_id)
    if "feedback.topic_emerging" in kinds:
        after = events.cursor(session, "feedback.topic_emerging", events.max_feedback_emergence_id(session))
        found = events.feedback_emerging(session, after_id=after, limit=batch)
        report.add(_run_all(session, principal, found, active, settings, mail))
        if found:
            events.advance(session, "feedback.topic_emerging", int(found[-1].data["emergence_id"]))
    if "date" in kinds:
        # Dates are checked over the last day each time: the event key carries the date, so each fires once.
        for rule in (r for r in active if r.trigger == "date"):
            trigger = RuleDefinition.model_validate(rule.definition).trigger
            found = events.dates_reached(session, trigger, start=now - timedelta(days=1), end=now)
            report.add(_run_all(session, principal, found, [rule], settings, mail))
    return report


def dry_run(
    session: Session,
    principal: Principal,
    definition: RuleDefinition,
    *,
    days: int,
    rule_id: int | None = None,
    samples: int = 20,
    settings: AutomationSettings | None = None,
) -> DryRunRead:
    """What the rule would have done over the last `days` days: the events it would have seen, how many matched,
    and the planned actions for some of them. Nothing is changed."""
    require(principal, ENTITY, Action.read)
    if not 1 <= days <= 366:
        raise Invalid("days must be between 1 and 366")
    since = utcnow() - timedelta(days=days)
    found = _past_events(session, definition, since)
    options = settings or AutomationSettings()

    def preview(ticket_id: int) -> dict[str, Any]:
        return triage_service.preview(session, ticket_id, settings=options)

    matched: list[DryRunMatch] = []
    count = 0
    for event in found:
        context = events.context_for(session, event, triage=preview)
        held, _ = evaluate(definition.conditions, definition.any, context)
        if not held:
            continue
        count += 1
        if len(matched) < samples:
            planned = [PlannedAction(type=a.type, description=actions.describe(a, context)) for a in definition.actions]
            matched.append(
                DryRunMatch(
                    event_key=event.key, entity=event.entity, entity_id=event.entity_id, at=event.at, actions=planned
                )
            )
    result = DryRunRead(
        rule_id=rule_id, rule=definition.name, days=days, events=len(found), matched=count, samples=matched
    )
    if len(found) >= DRY_RUN_LIMIT:
        result.note += f" Only the latest {DRY_RUN_LIMIT:,} events were replayed."
    return result


def _past_events(
    session: Session, definition: RuleDefinition, since: datetime, limit: int = DRY_RUN_LIMIT
) -> list[events.Event]:
    trigger = definition.trigger
    if trigger.event == "ticket.created":
        rows = session.execute(
            select(Ticket.id, Ticket.created_at)
            .where(Ticket.created_at >= since, Ticket.deleted_at.is_(None))
            .order_by(Ticket.id.desc())
            .limit(limit)
        ).all()
        return [events.Event("ticket.created", f"ticket.created:{tid}", "tickets", tid, at) for tid, at in rows]
    if trigger.event == "ticket.updated":
        from rapport.privacy.models import AuditEvent

        first = session.scalar(select(AuditEvent.id).where(AuditEvent.at >= since).order_by(AuditEvent.id).limit(1))
        return events.ticket_updates(session, after_id=(first or 1) - 1, limit=limit) if first else []
    if trigger.event == "order.placed":
        from rapport.sales.models import Order

        rows = session.execute(
            select(Order.id, Order.placed_at).where(Order.placed_at >= since).order_by(Order.id.desc()).limit(limit)
        ).all()
        return [events.Event("order.placed", f"order.placed:{oid}", "orders", oid, at) for oid, at in rows]
    if trigger.event == "feedback.topic_emerging":
        return [e for e in events.feedback_emerging(session, after_id=0, limit=limit) if e.at is None or e.at >= since]
    if trigger.event in {"segment.changed", "churn.crossed"}:
        found = []
        for run_id in events.latest_runs(session, since=since):
            found += [e for e in events.analytics_changes(session, run_id, [trigger]) if e.kind == trigger.event]
        return found[:limit]
    return events.dates_reached(session, trigger, start=since, end=utcnow())


@dataclass
class _Fired:
    outcome: str
    actions: list[dict[str, Any]]


def _fire(
    session: Session,
    principal: Principal,
    rule: WorkflowRule,
    definition: RuleDefinition,
    event: events.Event,
    context: dict[str, Any],
    settings: AutomationSettings,
    mail: MailSettings,
) -> _Fired | None:
    if session.scalar(select(RuleRun.id).where(RuleRun.rule_id == rule.id, RuleRun.event_key == event.key)):
        return None
    runner = actions.Runner(session, principal, settings, mail, rule.id, rule.name)
    results: list[dict[str, Any]] = []
    try:
        with session.begin_nested():
            claim = RuleRun(
                rule_id=rule.id,
                rule_version=rule.version,
                event_key=event.key[:200],
                entity=event.entity,
                entity_id=event.entity_id,
                outcome="done",
                actions=[],
                at=utcnow(),
            )
            session.add(claim)
            session.flush()
            for action in definition.actions:
                done = runner.perform(action, context)
                results.append({**done.as_dict(), "then": done.then})
            claim.actions = [{k: v for k, v in r.items() if k != "then"} for r in results]
            claim.outcome = "done" if all(r["ok"] for r in results) else "partial"
            session.flush()
            return _Fired(claim.outcome, results)
    except IntegrityError:
        return None  # another worker claimed this event first
    except RapportError as exc:
        failed = RuleRun(
            rule_id=rule.id,
            rule_version=rule.version,
            event_key=event.key[:200],
            entity=event.entity,
            entity_id=event.entity_id,
            outcome="failed",
            actions=[*[{k: v for k, v in r.items() if k != "then"} for r in results], {"error": exc.message}],
            at=utcnow(),
        )
        session.add(failed)
        session.flush()
        return _Fired("failed", [])


def _run_all(
    session: Session,
    principal: Principal,
    found: list[events.Event],
    rules: list[WorkflowRule],
    settings: AutomationSettings,
    mail: MailSettings,
) -> RunReport:
    report = RunReport()
    for event in found:
        relevant = [r for r in rules if r.trigger == event.kind]
        if relevant:
            report.add(run_event(session, principal, event, settings=settings, mail=mail, rules=relevant))
        else:
            report.events += 1
    return report


def _trigger_fits(definition: RuleDefinition, event: events.Event) -> bool:
    trigger = definition.trigger
    if trigger.event != event.kind:
        return False
    if trigger.event == "churn.crossed":
        return bool(event.data.get("threshold") == trigger.threshold)
    if trigger.event == "date":
        expected = f"date:{trigger.entity}.{trigger.field}{trigger.offset_days:+d}:"
        return event.key.startswith(expected)
    return True


def _active(session: Session, kind: str | None) -> list[WorkflowRule]:
    stmt = select(WorkflowRule).where(WorkflowRule.is_active.is_(True))
    if kind is not None:
        stmt = stmt.where(WorkflowRule.trigger == kind)
    return list(session.scalars(stmt.order_by(WorkflowRule.position, WorkflowRule.id)))


def _fill(rule: WorkflowRule, definition: RuleDefinition) -> None:
    rule.name = definition.name
    rule.description = definition.description
    rule.trigger = definition.trigger.event
    rule.is_active = definition.is_active
    rule.position = definition.position
    rule.definition = json.loads(definition.model_dump_json())


def _require(session: Session, principal: Principal, action: Action, rule_id: int | None) -> None:
    from rapport.privacy.access import can

    if not can(principal, ENTITY, action):
        audit.deny(session, principal, action=str(action), entity=ENTITY, entity_id=rule_id)
        require(principal, ENTITY, action)
