"""Ask Rapport's operations: ask a question (or a follow-up), run a plan, read a conversation, save and open answers.

`ask` plans with the model first, before this transaction writes anything (never hold SQLite's one writer across a
model call), then compiles and runs the plan under a time limit and a row limit, inside a savepoint so a cancelled
query leaves the request's transaction usable. Every question is audited with its plan and outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from rapport.ai.gateway import Gateway, ModelOutputInvalid
from rapport.ask import answers, planner
from rapport.ask.compile import MAX_ROWS, Column, Compiled, NotPermitted, Refusal, compile_plan
from rapport.ask.models import AskConversation, AskSaved, AskTurn
from rapport.ask.plan import QueryPlan
from rapport.errors import Invalid, NotFound
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Principal

QUERY_TIMEOUT_S = 10.0
MAX_QUESTION_CHARS = 500
SEGMENT_MAX_CUSTOMERS = 20000
SAVED_KINDS = frozenset({"report", "segment"})


class QueryTimeout(Invalid):
    code = "query_timeout"


@dataclass
class Answer:
    question: str
    status: str  # answered | refused
    plan: QueryPlan | None
    refusal: str | None = None
    entity: str | None = None
    columns: list[Column] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    chart: dict[str, Any] | None = None
    summary: str = ""
    sql: str | None = None
    notes: list[str] = field(default_factory=list)
    conversation_id: int | None = None
    turn_id: int | None = None
    latency_ms: float = 0.0


def ask(
    session: Session,
    principal: Principal,
    question: str,
    *,
    gateway: Gateway,
    conversation_id: int | None = None,
    now: datetime | None = None,
    timeout_s: float = QUERY_TIMEOUT_S,
    max_rows: int = MAX_ROWS,
    end_reads: Callable[[], None] | None = None,
) -> Answer:
    """Answer `question` from the data this principal may see; a follow-up when `conversation_id` is given.

    `end_reads` (the door's `session.commit`) is called after the reads and before the model call: on SQLite a
    read transaction held across the call cannot write afterwards once another connection (the gateway's call
    record, a job) has committed ("database is busy"), so the door ends it and the write starts afresh."""
    started = time.perf_counter()
    question = " ".join(question.split())
    if not 1 <= len(question) <= MAX_QUESTION_CHARS:
        raise Invalid(f"a question must be 1 to {MAX_QUESTION_CHARS} characters")
    conversation = get_conversation(session, principal, conversation_id) if conversation_id else None
    previous = _previous_plan(session, conversation) if conversation else None
    if end_reads is not None:
        end_reads()
    try:
        plan: QueryPlan | None = planner.plan_question(gateway, question, previous)
        refusal = None
    except ModelOutputInvalid:
        plan, refusal = None, "I could not turn that question into a query over the CRM's data; try rephrasing it."
    if plan is None:
        answer = Answer(question=question, status="refused", plan=None, refusal=refusal)
    else:
        answer = run_plan(session, principal, plan, question=question, now=now, timeout_s=timeout_s, max_rows=max_rows)
    answer.latency_ms = (time.perf_counter() - started) * 1000
    _remember(session, principal, answer, conversation)
    return answer


def run_plan(
    session: Session,
    principal: Principal,
    plan: QueryPlan,
    *,
    question: str = "",
    now: datetime | None = None,
    timeout_s: float = QUERY_TIMEOUT_S,
    max_rows: int = MAX_ROWS,
) -> Answer:
    """Compile and run a plan for this principal. Refusals (unknown names, fields the role may not see, questions
    the data cannot answer) come back as an answer with status "refused" and the reason, not as an exception."""
    bind = session.get_bind()
    try:
        compiled = compile_plan(
            plan, principal, dialect=bind.dialect.name, now=now or utcnow(), session=session, max_rows=max_rows
        )
        rows = execute(session, compiled, timeout_s=timeout_s)
    except (Refusal, NotPermitted) as refused:
        return Answer(question=question, status="refused", plan=plan, refusal=refused.message)
    # Cut by the row limit, not by the question's own "top N".
    truncated = len(rows) > compiled.limit and (plan.limit is None or plan.limit > compiled.limit)
    rows = rows[: compiled.limit]
    return Answer(
        question=question,
        status="answered",
        plan=plan,
        entity=compiled.entity,
        columns=compiled.columns,
        rows=rows,
        truncated=truncated,
        chart=answers.chart_for(plan, compiled.columns, rows),
        summary=answers.summarize(question, plan, compiled.columns, rows, truncated),
        sql=answers.sql_text(compiled.statement, bind.dialect),
        notes=compiled.notes,
    )


def execute(session: Session, compiled: Compiled, *, timeout_s: float = QUERY_TIMEOUT_S) -> list[list[Any]]:
    """The compiled query's rows, cancelled after `timeout_s` (SQLite: a progress handler; PostgreSQL:
    statement_timeout), in a savepoint so the surrounding transaction survives a cancelled query."""
    try:
        with session.begin_nested(), _time_limit(session, timeout_s):
            result = session.execute(compiled.statement)
            return [[answers.plain_value(v) for v in row] for row in result.all()]
    except OperationalError as error:
        if _is_timeout(error):
            raise QueryTimeout(
                f"the query ran longer than {timeout_s:g} s and was stopped; narrow the question (a shorter time "
                "range, fewer groups)"
            ) from None
        raise Invalid(f"the query could not run: {error.orig}") from None
    except SQLAlchemyError as error:
        raise Invalid(f"the query could not run: {type(error).__name__}") from None


@contextmanager
def _time_limit(session: Session, timeout_s: float) -> Iterator[None]:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        previous = connection.execute(text("SHOW statement_timeout")).scalar_one()
        connection.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(int(timeout_s * 1000))}
        )
        yield
        # Only after success: a cancelled query aborts the savepoint, whose rollback undoes the setting anyway.
        connection.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": previous})
        return
    raw: Any = connection.connection.dbapi_connection
    if connection.dialect.name != "sqlite" or not hasattr(raw, "set_progress_handler"):
        yield
        return
    deadline = time.monotonic() + timeout_s
    raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _is_timeout(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "interrupted" in message or "statement timeout" in message or "canceling statement" in message


# ---- conversations ---------------------------------------------------------------------------------------------------
def get_conversation(session: Session, principal: Principal, conversation_id: int) -> AskConversation:
    """Someone's own conversation; anyone else's is not found (they are private like saved views)."""
    conversation = session.get(AskConversation, conversation_id)
    if conversation is None or conversation.user_id != principal.user_id:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation


def turns_of(session: Session, conversation: AskConversation) -> list[AskTurn]:
    stmt = select(AskTurn).where(AskTurn.conversation_id == conversation.id).order_by(AskTurn.position)
    return list(session.scalars(stmt))


def _previous_plan(session: Session, conversation: AskConversation) -> QueryPlan | None:
    stmt = (
        select(AskTurn.plan)
        .where(AskTurn.conversation_id == conversation.id, AskTurn.status == "answered")
        .order_by(AskTurn.position.desc())
        .limit(1)
    )
    stored = session.scalar(stmt)
    return QueryPlan.model_validate(stored) if stored else None


def _remember(session: Session, principal: Principal, answer: Answer, conversation: AskConversation | None) -> None:
    if conversation is None:
        conversation = AskConversation(user_id=principal.user_id, title=answer.question[:200])
        session.add(conversation)
        session.flush()
    position = (
        session.scalar(select(func.max(AskTurn.position)).where(AskTurn.conversation_id == conversation.id)) or 0
    ) + 1
    turn = AskTurn(
        conversation_id=conversation.id,
        position=position,
        question=answer.question,
        status=answer.status,
        plan=answer.plan.model_dump(mode="json", exclude_defaults=True) if answer.plan else None,
        refusal=answer.refusal,
        sql=answer.sql,
        summary=answer.summary or answer.refusal,
        row_count=len(answer.rows),
        latency_ms=answer.latency_ms,
    )
    session.add(turn)
    conversation.updated_at = utcnow()
    session.flush()
    answer.conversation_id, answer.turn_id = conversation.id, turn.id
    denied = answer.refusal is not None and answer.refusal.startswith("you may not see")
    audit.record(
        session,
        principal,
        action="ask",
        entity="ask",
        entity_id=turn.id,
        outcome="denied" if denied else ("ok" if answer.status == "answered" else "refused"),
        detail={
            "question": answer.question,
            "plan": turn.plan,
            "rows": len(answer.rows),
            "refusal": answer.refusal,
        },
    )


# ---- saved answers: reports and segments -----------------------------------------------------------------------------
def save(session: Session, principal: Principal, *, turn_id: int, kind: str, name: str) -> AskSaved:
    """Keep an answered turn: a report (the plan, run again when opened) or a segment (one row per customer)."""
    if principal.user_id is None:
        raise Invalid("only a staff member can save answers")
    if kind not in SAVED_KINDS:
        raise Invalid(f"an answer is saved as {' or '.join(sorted(SAVED_KINDS))}, not {kind!r}")
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise Invalid("a name must be 1 to 120 characters")
    turn = session.get(AskTurn, turn_id)
    if turn is None:
        raise NotFound(f"answer {turn_id} not found")
    get_conversation(session, principal, turn.conversation_id)  # someone else's turn is not found
    if turn.status != "answered" or not turn.plan:
        raise Invalid("only an answered question can be saved")
    plan = QueryPlan.model_validate(turn.plan)
    customer_ids: list[int] = []
    if kind == "segment":
        customer_ids = segment_members(session, principal, plan)
    saved = session.scalar(
        select(AskSaved).where(AskSaved.user_id == principal.user_id, AskSaved.kind == kind, AskSaved.name == name)
    )
    if saved is None:
        saved = AskSaved(user_id=principal.user_id, kind=kind, name=name)
        session.add(saved)
    saved.question, saved.plan, saved.customer_ids = turn.question, turn.plan, customer_ids
    saved.row_count = len(customer_ids) if kind == "segment" else turn.row_count
    session.flush()
    audit.record(session, principal, action="create", entity="ask_saved", entity_id=saved.id, detail={"kind": kind})
    return saved


def segment_members(session: Session, principal: Principal, plan: QueryPlan) -> list[int]:
    """The customers a plan's answer lists (it must have one row per customer)."""
    answer = run_plan(session, principal, plan, max_rows=SEGMENT_MAX_CUSTOMERS)
    if answer.status != "answered":
        raise Invalid(answer.refusal or "the answer could not be run again")
    names = [c.name for c in answer.columns]
    if "customer.id" not in names:
        raise Invalid("a segment needs an answer with one row per customer (ask 'which customers …')")
    index = names.index("customer.id")
    return sorted({int(row[index]) for row in answer.rows if row[index] is not None})


def list_saved(session: Session, principal: Principal) -> list[AskSaved]:
    if principal.user_id is None:
        return []
    stmt = select(AskSaved).where(AskSaved.user_id == principal.user_id).order_by(AskSaved.kind, AskSaved.name)
    return list(session.scalars(stmt))


def get_saved(session: Session, principal: Principal, saved_id: int) -> AskSaved:
    saved = session.get(AskSaved, saved_id)
    if saved is None or saved.user_id != principal.user_id:
        raise NotFound(f"saved answer {saved_id} not found")
    return saved


def open_saved(session: Session, principal: Principal, saved_id: int, *, now: datetime | None = None) -> Answer:
    """A saved report run again now, with the viewer's current permissions."""
    saved = get_saved(session, principal, saved_id)
    answer = run_plan(session, principal, QueryPlan.model_validate(saved.plan), question=saved.question, now=now)
    audit.record(
        session, principal, action="read", entity="ask_saved", entity_id=saved.id, detail={"rows": len(answer.rows)}
    )
    return answer
