"""Helpers for record-level reach that need no domain tables: the users a principal's reach covers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, literal, select
from sqlalchemy.orm import InstrumentedAttribute

from rapport.accounts.models import team_members
from rapport.privacy.access import Principal, Reach


def reachable_user_ids(principal: Principal) -> Select[int] | None:
    """Users whose records the principal may see: None means everyone's; `own` is the principal alone."""
    if principal.reach == Reach.all:
        return None
    if principal.reach == Reach.team and principal.team_ids:
        return select(team_members.c.user_id).where(team_members.c.team_id.in_(principal.team_ids))
    return select(literal(principal.user_id if principal.user_id is not None else -1))


def owned_by(
    owner_column: ColumnElement[Any] | InstrumentedAttribute[Any], principal: Principal
) -> ColumnElement[bool] | None:
    users = reachable_user_ids(principal)
    return None if users is None else owner_column.in_(users)
