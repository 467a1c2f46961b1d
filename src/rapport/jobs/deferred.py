"""Enqueue after commit: a door asks for a job inside its transaction, and the job is queued only once that
transaction has committed (a job must never see, or act on, work that was rolled back).

This uses SQLAlchemy's `after_commit` session event, for this infrastructure purpose only (business logic never
hangs on ORM events). The jobs wait in `session.info`; a rollback drops them.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING: Final = "rapport.jobs.after_commit"
_HOOKED: Final = "rapport.jobs.hooked"


class Enqueuer(Protocol):
    def enqueue(self, name: str, *, delay_s: float | None = None, **kwargs: Any) -> str: ...


def enqueue_after_commit(session: Session, queue: Enqueuer, name: str, **kwargs: Any) -> None:
    """Queue job `name` when (and only if) this session's transaction commits."""
    if not session.in_transaction():
        session.begin()  # the jobs belong to this transaction: its rollback must be able to drop them
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_soft_rollback", _discard)
        session.info[_HOOKED] = True
    session.info.setdefault(_PENDING, []).append((queue, name, kwargs))


def enqueue_all_after_commit(session: Session, queue: Enqueuer, jobs: list[tuple[str, dict[str, Any]]]) -> None:
    for name, kwargs in jobs:
        enqueue_after_commit(session, queue, name, **kwargs)


def pending(session: Session) -> list[tuple[str, dict[str, Any]]]:
    return [(name, kwargs) for _, name, kwargs in session.info.get(_PENDING, [])]


def _flush(session: Session) -> None:
    waiting = session.info.pop(_PENDING, [])
    for queue, name, kwargs in waiting:
        try:
            queue.enqueue(name, **kwargs)
        except Exception:
            # The work is committed; a lost enqueue is picked up by the periodic sweeps (tickets.sweep, mail.flush).
            log.exception("could not enqueue %s after commit", name)


def _discard(session: Session, previous_transaction: Any) -> None:
    # A savepoint rolling back (one rule failing) keeps the outer transaction's jobs; the outermost one drops them.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
