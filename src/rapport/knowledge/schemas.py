"""Shapes of knowledge-base articles for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Slug = Annotated[str, StringConstraints(min_length=1, max_length=160, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class ArticleCreate(Schema):
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "en"
    category: Annotated[str, StringConstraints(max_length=100)] | None = None
    tags: Annotated[list[Annotated[str, StringConstraints(max_length=50)]], Field(max_length=50)] = []
    is_published: bool = True


class ArticleUpdate(Schema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)] | None = None
    category: Annotated[str, StringConstraints(max_length=100)] | None = None
    tags: list[Annotated[str, StringConstraints(max_length=50)]] | None = None
    is_published: bool | None = None


class ArticleRead(Schema):
    id: int
    slug: str
    title: str
    body: str
    language: str
    category: str | None
    tags: list[str]
    version: int
    is_published: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
