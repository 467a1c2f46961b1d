"""Shapes of users, teams, logins and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from rapport.kit.schema import Schema
from rapport.privacy.access import Role

Password = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=False)]


class UserCreate(Schema):
    email: EmailStr
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    password: Password
    language: Annotated[str, StringConstraints(pattern=r"^(en|zh)$")] = "en"
    skills: Annotated[list[Annotated[str, StringConstraints(max_length=60)]], Field(max_length=50)] = []
    team_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(max_length=50)] = []


class UserUpdate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    role: Role | None = None
    is_active: bool | None = None
    language: Annotated[str, StringConstraints(pattern=r"^(en|zh)$")] | None = None
    skills: list[Annotated[str, StringConstraints(max_length=60)]] | None = None


class UserRead(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    language: str
    skills: list[str]
    team_ids: list[int]
    last_login_at: datetime | None
    created_at: datetime


class TeamCreate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    member_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(max_length=500)] = []


class TeamRead(Schema):
    id: int
    name: str
    member_ids: list[int]


class LoginRequest(Schema):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Password


class TokenCreate(LoginRequest):
    name: Annotated[str, StringConstraints(max_length=120)] = "api"


class TokenRead(Schema):
    token: str = Field(description="Shown once. Send it as `Authorization: Bearer <token>`.")
    token_type: str = "bearer"
    expires_at: datetime | None
    user: UserRead
