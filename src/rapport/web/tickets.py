"""Ticket pages: the inbox (filters, assignment, triage fields) and a ticket with its conversation and reply editor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import User
from rapport.api.deps import DbSession
from rapport.automation.models import TicketTriage
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.customers.schemas import CustomerRead
from rapport.errors import Forbidden, Invalid
from rapport.interactions import service as interaction_service
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy.access import Action, Principal, Role, can
from rapport.store.listing import ListQuery
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket
from rapport.tickets.schemas import Priority, Sentiment, Status, TicketRead, TicketUpdate
from rapport.web import lists, replies
from rapport.web.kit import CurrentViewer, FormFields, PageRoute, Viewer, is_htmx, redirect, render, validated

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
PRIORITIES: tuple[str, ...] = Priority.__args__  # type: ignore[attr-defined]
SENTIMENTS: tuple[str, ...] = Sentiment.__args__  # type: ignore[attr-defined]
CHANNELS = ("email", "chat", "phone", "web", "widget")
SORTS = ("-created_at", "created_at", "-updated_at")
AGENT_ROLES = (Role.support, Role.manager, Role.admin)
# After a reply the ticket usually waits for the customer (pending) or is done (solved).
STATUS_AFTER_REPLY = ("pending", "solved", "open")


def _list_query(viewer: Viewer, chosen: dict[str, str], cursor: str | None) -> ListQuery:
    filters: dict[str, str] = {
        k: chosen[k] for k in ("priority", "intent", "sentiment", "channel", "language") if k in chosen
    }
    status = chosen.get("status", "unsolved")
    if status == "unsolved":
        # new, open and pending sort together between "closed" and "solved", so one range keeps the list inside
        # the service (which applies reach and audit); tests/web/test_tickets.py guards this if statuses change.
        filters.update(status__gte="new", status__lte="pending")
    elif status in STATUSES:
        filters["status"] = status
    assignee = chosen.get("assignee")
    if assignee == "me":
        filters["assignee_id"] = str(viewer.user_id)
    elif assignee == "none":
        filters["assignee_id"] = ""
    sort = chosen.get("sort", "-created_at")
    return ListQuery(
        limit=lists.PAGE_SIZE,
        cursor=cursor,
        sort=sort if sort in SORTS else "-created_at",
        q=chosen.get("q") or None,
        filters=filters,
    )


def _customer_names(db: Session, principal: Principal, ids: set[int]) -> dict[int, str]:
    if not ids or not can(principal, "customers", Action.read):
        return {}
    stmt = customer_service.customers.visible(principal).where(Customer.id.in_(ids))
    return dict(db.execute(stmt.with_only_columns(Customer.id, Customer.full_name)).all())


def _agents(db: Session, principal: Principal) -> list[tuple[int, str]]:
    """Who tickets can be assigned to: active support staff, managers and admins."""
    if not can(principal, "users", Action.read):
        return []
    stmt = account_service.users.visible(principal).where(
        User.is_active.is_(True), User.role.in_([str(r) for r in AGENT_ROLES])
    )
    return [(uid, name) for uid, name in db.execute(stmt.with_only_columns(User.id, User.name).order_by(User.name))]


def _inbox_rows(db: Session, viewer: Viewer, tickets: list[Ticket]) -> list[dict[str, Any]]:
    names = _customer_names(db, viewer.principal, {t.customer_id for t in tickets})
    now = utcnow()
    return [
        {
            "t": TicketRead.model_validate(t),
            "customer": names.get(t.customer_id, f"#{t.customer_id}"),
            "is_overdue": t.status in ("new", "open", "pending")
            and t.sla_due_at is not None
            and as_utc(t.sla_due_at) < now,
        }
        for t in tickets
    ]


@router.get("/tickets")
def inbox(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    chosen = lists.chosen_filters(request.query_params, "tickets")
    cursor = request.query_params.get("cursor") or None
    page = ticket_service.tickets.list(db, viewer.principal, _list_query(viewer, chosen, cursor))
    agents = _agents(db, viewer.principal)
    context = {
        "rows": _inbox_rows(db, viewer, page.items),
        "agents": dict(agents),
        "may_update": viewer.can("tickets", "update"),
        "next_url": lists.list_url("tickets", chosen, cursor=page.next_cursor) if page.next_cursor else None,
        "first_url": lists.list_url("tickets", chosen) if cursor else None,
        "chosen": chosen,
        "views": lists.views_for(db, viewer, "tickets"),
    }
    if is_htmx(request):
        return render(request, "tickets/_results.html", {**context, "oob": True})
    context.update(
        statuses=STATUSES,
        priorities=PRIORITIES,
        sentiments=SENTIMENTS,
        channels=CHANNELS,
        intents=replies.INTENTS,
        sorts=SORTS,
    )
    return render(request, "tickets/inbox.html", context)


@router.post("/tickets/{ticket_id}/take")
def take_ticket(request: Request, ticket_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    """Assign to me, from the inbox: the row is swapped for its updated self."""
    ticket = ticket_service.update(db, viewer.principal, ticket_id, {"assignee_id": viewer.user_id})
    if not is_htmx(request):
        return redirect(f"/app/tickets/{ticket_id}", request)
    row = _inbox_rows(db, viewer, [ticket])[0]
    return render(
        request,
        "tickets/_row.html",
        {"row": row, "agents": dict(_agents(db, viewer.principal)), "may_update": viewer.can("tickets", "update")},
    )


def _customer_of(db: Session, principal: Principal, customer_id: int) -> CustomerRead | None:
    """The ticket's customer as this viewer may see them; None when a team's ticket is about someone outside reach."""
    try:
        return customer_service.present(customer_service.get(db, principal, customer_id), principal)
    except Forbidden:
        return None


def _detail_context(
    db: Session, viewer: Viewer, ticket: Ticket, *, draft: str | None = None, sources: list[Any] | None = None
) -> dict[str, Any]:
    principal = viewer.principal
    customer = _customer_of(db, principal, ticket.customer_id)
    conversation = []
    if can(principal, "interactions", Action.read):
        query = ListQuery(limit=200, sort="occurred_at", filters={"ticket_id": str(ticket.id)})
        conversation = interaction_service.interactions.list(db, principal, query).items
    agents = _agents(db, principal)
    authors = dict(agents)
    name = (customer.first_name or customer.full_name) if customer else ""
    if ticket.language == "zh" and customer:
        name = customer.full_name
    return {
        "ticket": TicketRead.model_validate(ticket),
        "triage": db.get(TicketTriage, ticket.id),
        "customer": customer,
        "conversation": conversation,
        "agents": agents,
        "authors": authors,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "sentiments": SENTIMENTS,
        "intents": replies.INTENTS,
        "status_after_reply": STATUS_AFTER_REPLY,
        "may_update": viewer.can("tickets", "update"),
        "may_reply": viewer.can("interactions", "create") and customer is not None,
        "draft_sources": sources or [],
        "draft": draft
        if draft is not None
        else replies.template_reply(ticket.intent, ticket.language, name=name, agent=viewer.name),
    }


@router.get("/tickets/{ticket_id}")
def ticket_detail(request: Request, ticket_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    ticket = ticket_service.tickets.get(db, viewer.principal, ticket_id)
    return render(request, "tickets/detail.html", _detail_context(db, viewer, ticket))


@router.post("/tickets/{ticket_id}")
def update_ticket(
    request: Request, ticket_id: RecordId, db: DbSession, viewer: CurrentViewer, form: FormFields
) -> Response:
    """Status, priority, assignee and the triage fields; an agent's correction of intent or sentiment is kept as is
    (it becomes training data when the triage model arrives)."""
    cleared: dict[str, Any] = {k: None for k in ("assignee_id", "intent", "sentiment") if form.get(k) == ""}
    given = {k: form[k] for k in ("status", "priority", "assignee_id", "intent", "sentiment") if form.get(k)}
    values = {**cleared, **validated(TicketUpdate, given).model_dump(exclude_unset=True)}
    ticket = ticket_service.update(db, viewer.principal, ticket_id, values)
    if is_htmx(request):
        context = _detail_context(db, viewer, ticket)
        return render(request, "tickets/_side.html", {**context, "saved": True})
    return redirect(f"/app/tickets/{ticket_id}", request)


@router.post("/tickets/{ticket_id}/draft")
def draft_reply(request: Request, ticket_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    """Agent assist: the reply box filled with a draft grounded in the knowledge base and the customer's records, with
    its sources listed; nothing is sent until the agent edits and sends it."""
    from rapport.api.assistant import runtime_for  # the app's assistant, built on first use
    from rapport.assistant.assist import draft_reply as make_draft

    drafted = make_draft(runtime_for(request.app), viewer.principal, ticket_id)
    ticket = ticket_service.tickets.get(db, viewer.principal, ticket_id, audit_read=False)
    context = _detail_context(db, viewer, ticket, draft=drafted.text, sources=drafted.citations)
    return render(request, "tickets/detail.html", context)


@router.post("/tickets/{ticket_id}/reply")
def send_reply(
    request: Request,
    ticket_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    body: Annotated[str, Form(max_length=100_000)],
    then_status: Annotated[str, Form(max_length=12)] = "pending",
) -> Response:
    """Store the reply as an outbound message on the ticket, then move the ticket on.

    The first reply sets the ticket's first response time, and an unassigned ticket becomes the sender's.
    """
    text = body.strip()
    if not text:
        raise Invalid("the reply is empty")
    if then_status not in STATUS_AFTER_REPLY:
        raise Invalid(f"after a reply the status can be {', '.join(STATUS_AFTER_REPLY)}")
    principal = viewer.principal
    ticket = ticket_service.tickets.get(db, principal, ticket_id, audit_read=False)
    interaction_service.create(
        db,
        principal,
        {
            "customer_id": ticket.customer_id,
            "ticket_id": ticket.id,
            "kind": "email" if ticket.channel in ("email", "web") else "chat",
            "direction": "outbound",
            "subject": f"Re: {ticket.subject}"[:300],
            "body": text,
            "language": ticket.language,
        },
    )
    changes: dict[str, Any] = {"status": then_status}
    if ticket.first_response_at is None:
        changes["first_response_at"] = utcnow()
    if ticket.assignee_id is None and principal.role in AGENT_ROLES:
        changes["assignee_id"] = viewer.user_id
    ticket_service.update(db, principal, ticket_id, changes)
    return redirect(f"/app/tickets/{ticket_id}?sent=1#conversation", request)
