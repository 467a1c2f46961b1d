"""Automation: workflow rules (CRUD, import, dry run), triage and assignment of tickets, agent availability, the job
queue, reports and the mail outbox and import.

Work that takes seconds or talks to other servers (building a report, delivering it, sending mail, webhooks) is
queued, never done inside the request's transaction; the jobs are enqueued only after the request commits.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession
from rapport.automation import assignments, flows, workflows
from rapport.automation import service as triage_service
from rapport.automation import tasks as automation_tasks
from rapport.automation.schemas import (
    AssignmentRead,
    AssignRequest,
    AvailabilityRead,
    AvailabilityUpdate,
    DryRunRead,
    RuleDefinition,
    RuleRead,
    RuleRunRead,
    RuleUpdate,
    TriageRead,
)
from rapport.automation.service import AUTOMATION
from rapport.errors import Conflict, Invalid, NotFound
from rapport.jobs import deferred, journal
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.jobs.schedule import PERIODIC
from rapport.mail import inbound, outbox
from rapport.mail.schemas import ImportResult, OutboxRead
from rapport.privacy.access import Action, require
from rapport.reports import service as report_service
from rapport.reports.schemas import ReportRead, ReportRequest
from rapport.tickets import service as ticket_service

router = APIRouter()
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def get_queue(request: Request) -> Queue:
    """The app's queue, built on first use from the settings (jobs run in workers, or here when `immediate`)."""
    queue: Queue | None = getattr(request.app.state, "rapport_queue", None)
    if queue is None:
        settings = request.app.state.settings
        queue = Queue.for_settings(settings, runtime=JobRuntime(settings, bind=request.app.state.engine))
        request.app.state.rapport_queue = queue
    return queue


AppQueue = Annotated[Queue, Depends(get_queue)]


# -- rules -----------------------------------------------------------------------------------------------------------
@router.get("/rules", tags=["rules"])
def list_rules(db: DbSession, principal: CurrentPrincipal) -> list[RuleRead]:
    return [RuleRead.model_validate(r) for r in workflows.list_rules(db, principal)]


@router.post("/rules", status_code=status.HTTP_201_CREATED, tags=["rules"])
def create_rule(body: RuleDefinition, db: DbSession, principal: CurrentPrincipal) -> RuleRead:
    """A rule: trigger (ticket.created, ticket.updated, order.placed, segment.changed, churn.crossed, date),
    conditions ({field, op, value}, all must hold; `any` for alternatives) and actions (assign, set_field,
    create_task, send_email, webhook). See docs/AUTOMATION.md."""
    return RuleRead.model_validate(workflows.create(db, principal, body))


class RuleSetText(BaseModel):
    text: str = Field(max_length=500_000, description="YAML or JSON: `rules: [...]` or a list of rules.")


@router.post("/rules/import", tags=["rules"])
def import_rules(body: RuleSetText, db: DbSession, principal: CurrentPrincipal) -> list[RuleRead]:
    """Install a rule set; rules with an existing name are updated (a new version)."""
    installed = workflows.install(db, principal, workflows.parse_ruleset(body.text))
    return [RuleRead.model_validate(r) for r in installed]


@router.post("/rules/install-demo", tags=["rules"])
def install_demo_rules(db: DbSession, principal: CurrentPrincipal) -> list[RuleRead]:
    return [RuleRead.model_validate(r) for r in workflows.install(db, principal, workflows.demo_ruleset())]


class DryRunRequest(BaseModel):
    definition: RuleDefinition
    days: int = Field(default=30, ge=1, le=366)


@router.post("/rules/dry-run", tags=["rules"])
def dry_run_definition(body: DryRunRequest, db: DbSession, principal: CurrentPrincipal) -> DryRunRead:
    """What an unsaved rule would have done over the last `days` days. Changes nothing."""
    return workflows.dry_run(db, principal, body.definition, days=body.days)


@router.get("/rules/{rule_id}", tags=["rules"])
def get_rule(rule_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> RuleRead:
    return RuleRead.model_validate(workflows.get(db, principal, rule_id))


@router.patch("/rules/{rule_id}", tags=["rules"])
def update_rule(rule_id: RecordId, body: RuleUpdate, db: DbSession, principal: CurrentPrincipal) -> RuleRead:
    return RuleRead.model_validate(workflows.update(db, principal, rule_id, body))


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["rules"])
def delete_rule(rule_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    workflows.delete(db, principal, rule_id)


@router.post("/rules/{rule_id}/dry-run", tags=["rules"])
def dry_run_rule(
    rule_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> DryRunRead:
    """What this rule would have done over the last `days` days. Changes nothing."""
    rule = workflows.get(db, principal, rule_id)
    definition = RuleDefinition.model_validate(rule.definition)
    return workflows.dry_run(db, principal, definition, days=days, rule_id=rule.id)


@router.get("/rules/{rule_id}/runs", tags=["rules"])
def rule_runs(rule_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> list[RuleRunRead]:
    return [RuleRunRead.model_validate(r) for r in workflows.runs(db, principal, rule_id)]


# -- triage and assignment -------------------------------------------------------------------------------------------
@router.get("/tickets/{ticket_id}/triage", tags=["tickets"])
def get_triage(ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> TriageRead:
    """Intent, priority, sentiment, language, duplicate and spam findings, each with its explanation."""
    return TriageRead.model_validate(triage_service.get(db, principal, ticket_id))


@router.post("/tickets/{ticket_id}/triage", tags=["tickets"])
def run_triage(
    ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal, settings: AppSettings, queue: AppQueue
) -> TriageRead:
    """Triage the ticket now (then route it if unassigned and run the ticket.created rules, as automation)."""
    ticket_service.tickets.get(db, principal, ticket_id, action=Action.update, audit_read=False)
    from rapport.labels.triage import triage_for  # the promoted intent model, when there is one

    arrival = flows.on_ticket_arrived(
        db,
        AUTOMATION,
        ticket_id,
        settings=automation_tasks.configured(settings),
        mail=automation_tasks.mail_configured(settings),
        triage=triage_for(db, settings),
    )
    deferred.enqueue_all_after_commit(db, queue, arrival.then)
    return TriageRead.model_validate(triage_service.get(db, principal, ticket_id))


@router.get("/tickets/{ticket_id}/assignments", tags=["tickets"])
def assignment_history(ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> list[AssignmentRead]:
    """Every assignment, override and escalation of the ticket, with why."""
    return [AssignmentRead.model_validate(a) for a in assignments.history(db, principal, ticket_id)]


@router.post("/tickets/{ticket_id}/assign", tags=["tickets"])
def assign_ticket(
    ticket_id: RecordId, body: AssignRequest, db: DbSession, principal: CurrentPrincipal
) -> AssignmentRead:
    """A manager's override: give the ticket to `user_id`, with a reason."""
    row = assignments.assign_to(db, principal, ticket_id, body.user_id, reason=body.reason)
    return AssignmentRead.model_validate(row)


@router.post("/tickets/{ticket_id}/route", tags=["tickets"])
def route_ticket(
    ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> AssignmentRead:
    """Assign an unassigned ticket to the best agent now (skills, load, availability, round-robin)."""
    row = assignments.route(db, principal, ticket_id, settings=automation_tasks.configured(settings))
    if row is None:
        raise Conflict(f"ticket {ticket_id} was not routed: it is assigned, closed or spam, or nobody can take it")
    return AssignmentRead.model_validate(row)


@router.get("/agents/availability", tags=["tickets"])
def list_availability(db: DbSession, principal: CurrentPrincipal, settings: AppSettings) -> list[AvailabilityRead]:
    """Agents who take tickets: skills, open load, cap and whether they are available."""
    return assignments.availability(db, principal, settings=automation_tasks.configured(settings))


@router.put("/agents/{user_id}/availability", tags=["tickets"])
def set_availability(
    user_id: RecordId, body: AvailabilityUpdate, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> AvailabilityRead:
    """Agents set their own; managers anyone's. `away_until` makes an agent unavailable until then."""
    values = body.model_dump(exclude_unset=True)
    return assignments.set_availability(db, principal, user_id, values, settings=automation_tasks.configured(settings))


# -- jobs ------------------------------------------------------------------------------------------------------------
class QueuedRead(BaseModel):
    id: str
    name: str
    args: dict[str, Any]
    eta: Any = None
    retries: int
    worker: str | None = None


class JobRunRead(BaseModel):
    id: int
    task_id: str
    name: str
    args: dict[str, Any]
    status: str
    attempt: int
    worker: str
    started_at: Any
    finished_at: Any
    duration_s: float | None
    result: dict[str, Any]
    error: str | None


class JobsRead(BaseModel):
    backend: str
    pending: list[QueuedRead]
    scheduled: list[QueuedRead]
    in_flight: list[QueuedRead]
    recent: list[JobRunRead]
    periodic: list[dict[str, str]]


class Enqueued(BaseModel):
    task_id: str
    name: str


@router.get("/jobs", tags=["jobs"])
def list_jobs(db: DbSession, principal: CurrentPrincipal, queue: AppQueue) -> JobsRead:
    """Pending, scheduled and running jobs, recent results and failures, and the periodic schedule."""
    runs = journal.recent(db, principal, limit=50)
    return JobsRead(
        backend=queue.settings.backend,
        pending=[QueuedRead(**vars(j)) for j in queue.pending(100)],
        scheduled=[QueuedRead(**vars(j)) for j in queue.scheduled(100)],
        in_flight=[QueuedRead(**vars(j)) for j in queue.in_flight()],
        recent=[JobRunRead.model_validate(r, from_attributes=True) for r in runs],
        periodic=[{"job": p.job, "when": p.when, "why": p.why} for p in PERIODIC],
    )


@router.post("/jobs/{name}", status_code=status.HTTP_202_ACCEPTED, tags=["jobs"])
def enqueue_job(
    name: Annotated[str, Path(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=60)],
    db: DbSession,
    principal: CurrentPrincipal,
    queue: AppQueue,
    arguments: Annotated[dict[str, Any], Body(description="Keyword arguments of the job.")] | None = None,
) -> Enqueued:
    """Queue a job by name (after this request commits)."""
    require(principal, "jobs", Action.create)
    if name not in queue.tasks:
        raise NotFound(f"no job named '{name}'")
    task_id = _enqueue_later(db, queue, name, arguments or {})
    return Enqueued(task_id=task_id, name=name)


# -- reports ---------------------------------------------------------------------------------------------------------
@router.get("/reports", tags=["reports"])
def list_reports(db: DbSession, principal: CurrentPrincipal) -> list[ReportRead]:
    return [ReportRead.model_validate(r) for r in report_service.list_reports(db, principal)]


@router.post("/reports", status_code=status.HTTP_202_ACCEPTED, tags=["reports"])
def request_report(body: ReportRequest, db: DbSession, principal: CurrentPrincipal, queue: AppQueue) -> Enqueued:
    """Build a report in the background (charts and PDF take seconds); it appears in GET /reports."""
    require(principal, "reports", Action.create)
    arguments: dict[str, Any] = {"deliver": body.deliver}
    if body.as_of is not None:
        arguments["as_of"] = body.as_of.isoformat()
    return Enqueued(task_id=_enqueue_later(db, queue, "reports.weekly", arguments), name="reports.weekly")


@router.get("/reports/{report_id}", tags=["reports"])
def get_report(report_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ReportRead:
    return ReportRead.model_validate(report_service.get(db, principal, report_id))


@router.get("/reports/{report_id}/{fmt}", tags=["reports"], response_class=FileResponse)
def report_file(
    report_id: RecordId,
    fmt: Annotated[str, Path(pattern="^(pdf|html)$")],
    db: DbSession,
    principal: CurrentPrincipal,
) -> FileResponse:
    """The rendered report as PDF or HTML."""
    report = report_service.get(db, principal, report_id)
    path = report.pdf_path if fmt == "pdf" else report.html_path
    if not path or not FilePath(path).exists():
        raise NotFound(f"report {report_id} has no {fmt} file")
    media = "application/pdf" if fmt == "pdf" else "text/html"
    return FileResponse(path, media_type=media, filename=f"report-{report_id}.{fmt}")


class DeliverRequest(BaseModel):
    targets: list[str] | None = Field(default=None, description="folder | email | webhook; default from settings.")


@router.post("/reports/{report_id}/deliver", status_code=status.HTTP_202_ACCEPTED, tags=["reports"])
def deliver_report(
    report_id: RecordId, body: DeliverRequest, db: DbSession, principal: CurrentPrincipal, queue: AppQueue
) -> Enqueued:
    """Deliver a checked report in the background; a held report (unverified numbers) is refused."""
    require(principal, "reports", Action.update)
    report = report_service.get(db, principal, report_id)
    if report.status == "held":
        raise Conflict(f"report {report_id} is held: {report.error}")
    arguments: dict[str, Any] = {"report_id": report_id, "targets": body.targets}
    return Enqueued(task_id=_enqueue_later(db, queue, "reports.deliver", arguments), name="reports.deliver")


# -- mail ------------------------------------------------------------------------------------------------------------
@router.get("/mail/outbox", tags=["mail"])
def list_outbox(
    db: DbSession,
    principal: CurrentPrincipal,
    status_: Annotated[str | None, Query(alias="status", pattern="^(queued|sent|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[OutboxRead]:
    """Outgoing mail, newest first (managers and admins: it holds every customer's address)."""
    return [OutboxRead.model_validate(m) for m in outbox.list_messages(db, principal, status=status_, limit=limit)]


@router.post("/mail/import", tags=["mail"])
async def import_mail(file: UploadFile, db: DbSession, principal: CurrentPrincipal, queue: AppQueue) -> ImportResult:
    """Import an .eml or mbox file: replies join their tickets (Message-ID, then subject), new mail opens tickets,
    which are triaged after this request commits."""
    suffix = FilePath(file.filename or "upload.eml").suffix.lower()
    if suffix not in {".eml", ".mbox"}:
        raise Invalid("upload an .eml or .mbox file")
    data = await file.read()
    with tempfile.TemporaryDirectory() as folder:
        path = FilePath(folder) / f"upload{suffix}"
        path.write_bytes(data)
        result = inbound.import_path(db, principal, path)
    result.source = file.filename or result.source
    for ticket_id in result.new_tickets:
        deferred.enqueue_after_commit(db, queue, "tickets.triage", ticket_id=ticket_id)
    return result


def _enqueue_later(db: Any, queue: Queue, name: str, arguments: dict[str, Any]) -> str:
    """Queue after commit; the task id is fixed now, so the caller can follow the job in GET /jobs."""
    task_id = str(uuid.uuid4())
    deferred.enqueue_after_commit(db, queue, name, task_id=task_id, **arguments)
    return task_id
