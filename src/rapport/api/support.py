"""Interactions, tickets, tasks and knowledge-base articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from rapport.activities import service as task_service
from rapport.activities.schemas import TaskCreate, TaskRead, TaskUpdate
from rapport.api.deps import CurrentPrincipal, DbSession, ListParams, PageOut, WriteLock
from rapport.interactions import service as interaction_service
from rapport.interactions.schemas import InteractionCreate, InteractionRead, InteractionUpdate
from rapport.knowledge import service as knowledge_service
from rapport.knowledge.schemas import ArticleCreate, ArticleRead, ArticleUpdate
from rapport.tickets import service as ticket_service
from rapport.tickets.schemas import TicketCreate, TicketRead, TicketUpdate

router = APIRouter(dependencies=[WriteLock])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/interactions", response_model=PageOut[InteractionRead], tags=["interactions"])
def list_interactions(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[InteractionRead]:
    page = interaction_service.interactions.list(db, principal, query)
    items = [InteractionRead.model_validate(i) for i in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/interactions", status_code=status.HTTP_201_CREATED, tags=["interactions"])
def create_interaction(body: InteractionCreate, db: DbSession, principal: CurrentPrincipal) -> InteractionRead:
    return InteractionRead.model_validate(interaction_service.create(db, principal, body.model_dump()))


@router.get("/interactions/{interaction_id}", tags=["interactions"])
def get_interaction(interaction_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> InteractionRead:
    return InteractionRead.model_validate(interaction_service.interactions.get(db, principal, interaction_id))


@router.patch("/interactions/{interaction_id}", tags=["interactions"])
def update_interaction(
    interaction_id: RecordId, body: InteractionUpdate, db: DbSession, principal: CurrentPrincipal
) -> InteractionRead:
    values = body.model_dump(exclude_unset=True)
    return InteractionRead.model_validate(
        interaction_service.interactions.update(db, principal, interaction_id, values)
    )


@router.delete("/interactions/{interaction_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["interactions"])
def delete_interaction(interaction_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    interaction_service.interactions.delete(db, principal, interaction_id)


@router.get("/tickets", response_model=PageOut[TicketRead], tags=["tickets"])
def list_tickets(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[TicketRead]:
    page = ticket_service.tickets.list(db, principal, query)
    return PageOut(
        items=[TicketRead.model_validate(t) for t in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.post("/tickets", status_code=status.HTTP_201_CREATED, tags=["tickets"])
def create_ticket(body: TicketCreate, db: DbSession, principal: CurrentPrincipal) -> TicketRead:
    """`body`, when given, becomes the ticket's first inbound message."""
    return TicketRead.model_validate(ticket_service.create(db, principal, body.model_dump()))


@router.get("/tickets/{ticket_id}", tags=["tickets"])
def get_ticket(ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> TicketRead:
    return TicketRead.model_validate(ticket_service.tickets.get(db, principal, ticket_id))


@router.patch("/tickets/{ticket_id}", tags=["tickets"])
def update_ticket(ticket_id: RecordId, body: TicketUpdate, db: DbSession, principal: CurrentPrincipal) -> TicketRead:
    values = body.model_dump(exclude_unset=True)
    return TicketRead.model_validate(ticket_service.update(db, principal, ticket_id, values))


@router.delete("/tickets/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["tickets"])
def delete_ticket(ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    ticket_service.tickets.delete(db, principal, ticket_id)


@router.post("/tickets/{ticket_id}/restore", tags=["tickets"])
def restore_ticket(ticket_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> TicketRead:
    return TicketRead.model_validate(ticket_service.tickets.restore(db, principal, ticket_id))


@router.get("/tasks", response_model=PageOut[TaskRead], tags=["tasks"])
def list_tasks(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[TaskRead]:
    page = task_service.tasks.list(db, principal, query)
    return PageOut(
        items=[TaskRead.model_validate(t) for t in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.post("/tasks", status_code=status.HTTP_201_CREATED, tags=["tasks"])
def create_task(body: TaskCreate, db: DbSession, principal: CurrentPrincipal) -> TaskRead:
    return TaskRead.model_validate(task_service.create(db, principal, body.model_dump()))


@router.get("/tasks/{task_id}", tags=["tasks"])
def get_task(task_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> TaskRead:
    return TaskRead.model_validate(task_service.tasks.get(db, principal, task_id))


@router.patch("/tasks/{task_id}", tags=["tasks"])
def update_task(task_id: RecordId, body: TaskUpdate, db: DbSession, principal: CurrentPrincipal) -> TaskRead:
    return TaskRead.model_validate(task_service.update(db, principal, task_id, body.model_dump(exclude_unset=True)))


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["tasks"])
def delete_task(task_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    task_service.tasks.delete(db, principal, task_id)


@router.get("/knowledge", response_model=PageOut[ArticleRead], tags=["knowledge"])
def list_articles(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[ArticleRead]:
    page = knowledge_service.articles.list(db, principal, query)
    items = [ArticleRead.model_validate(a) for a in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/knowledge", status_code=status.HTTP_201_CREATED, tags=["knowledge"])
def create_article(body: ArticleCreate, db: DbSession, principal: CurrentPrincipal) -> ArticleRead:
    return ArticleRead.model_validate(knowledge_service.create(db, principal, body.model_dump()))


@router.get("/knowledge/{article_id}", tags=["knowledge"])
def get_article(article_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ArticleRead:
    return ArticleRead.model_validate(knowledge_service.articles.get(db, principal, article_id))


@router.patch("/knowledge/{article_id}", tags=["knowledge"])
def update_article(
    article_id: RecordId, body: ArticleUpdate, db: DbSession, principal: CurrentPrincipal
) -> ArticleRead:
    """Changing the title or body raises the article's version."""
    values = body.model_dump(exclude_unset=True)
    return ArticleRead.model_validate(knowledge_service.update(db, principal, article_id, values))


@router.delete("/knowledge/{article_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["knowledge"])
def delete_article(article_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    knowledge_service.articles.delete(db, principal, article_id)
