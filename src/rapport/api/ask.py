"""Ask Rapport over HTTP: ask a question (or a follow-up), read a conversation, save an answer as a report or a
segment, list and open saved answers. A refusal is an answer (200, status "refused", with the reason)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from rapport.api.deps import CurrentPrincipal, DbSession
from rapport.ask import service as ask_service
from rapport.ask.schemas import AnswerRead, AskRequest, ConversationRead, SavedRead, SaveRequest, TurnRead

router = APIRouter(tags=["ask"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("/ask")
def ask(body: AskRequest, request: Request, db: DbSession, principal: CurrentPrincipal) -> AnswerRead:
    """Answer a question from the CRM's data with a table, a chart when one helps, a summary, the plan and the SQL.
    Pass `conversation_id` for a follow-up ("and only in Shanghai?"), which modifies the previous plan."""
    answer = ask_service.ask(
        db,
        principal,
        body.question,
        gateway=request.app.state.gateway,
        conversation_id=body.conversation_id,
        end_reads=db.commit,
    )
    return AnswerRead.of(answer)


@router.get("/ask/conversations/{conversation_id}")
def conversation(conversation_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ConversationRead:
    """Your own conversation with its questions, plans, SQL and outcomes."""
    found = ask_service.get_conversation(db, principal, conversation_id)
    turns = [TurnRead.of(t) for t in ask_service.turns_of(db, found)]
    return ConversationRead(id=found.id, title=found.title, created_at=found.created_at, turns=turns)


@router.post("/ask/saved", status_code=201)
def save(body: SaveRequest, db: DbSession, principal: CurrentPrincipal) -> SavedRead:
    """Keep an answer: `report` (run again when opened) or `segment` (the customers it lists, one row each)."""
    return SavedRead.of(ask_service.save(db, principal, turn_id=body.turn_id, kind=body.kind, name=body.name))


@router.get("/ask/saved")
def saved(db: DbSession, principal: CurrentPrincipal) -> list[SavedRead]:
    return [SavedRead.of(s) for s in ask_service.list_saved(db, principal)]


@router.get("/ask/saved/{saved_id}")
def open_saved(saved_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> AnswerRead:
    """A saved answer run again now, with your current permissions."""
    return AnswerRead.of(ask_service.open_saved(db, principal, saved_id))
