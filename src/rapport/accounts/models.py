"""Tables for staff users, their teams and their login tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin

team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Team(IdMixin, TimestampMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The role's permissions are code (rapport.privacy.access.PERMISSIONS), so they are reviewed like code.
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    skills: Mapped[list[Any]] = mapped_column(default=list)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")


class AuthToken(IdMixin, Base):
    """A web session (cookie) or an API token (bearer). Only the SHA-256 digest of the secret is stored."""

    __tablename__ = "auth_tokens"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "session" | "api"
    name: Mapped[str] = mapped_column(String(120), default="")
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    user: Mapped[User] = relationship()
