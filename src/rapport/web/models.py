"""The saved_views table: a staff member's named filters on a list page (customers, tickets).

Saved views are a preference of the web pages, not business data, so the table lives with the pages that use it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class SavedView(IdMixin, TimestampMixin, Base):
    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(String(20))  # customers | tickets
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the list's query parameters, e.g. {"country": "CN"}
