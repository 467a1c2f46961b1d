"""AI runtime: model call records and the answer cache

Revision ID: ai_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "ai_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("ai",)
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ai_calls",
        sa.Column("at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("feature", sa.String(length=60), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("first_token_ms", sa.Double(), nullable=True),
        sa.Column("is_cache_hit", sa.Boolean(), nullable=False),
        sa.Column("is_redacted", sa.Boolean(), nullable=False),
        sa.Column("is_streamed", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_calls")),
    )
    op.create_index(op.f("ix_ai_calls_at"), "ai_calls", ["at"], unique=False)
    op.create_index(op.f("ix_ai_calls_feature"), "ai_calls", ["feature"], unique=False)
    op.create_table(
        "ai_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("created_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_cache")),
        sa.UniqueConstraint("key", name=op.f("uq_ai_cache_key")),
    )


def downgrade() -> None:
    op.drop_table("ai_cache")
    op.drop_index(op.f("ix_ai_calls_feature"), table_name="ai_calls")
    op.drop_index(op.f("ix_ai_calls_at"), table_name="ai_calls")
    op.drop_table("ai_calls")
