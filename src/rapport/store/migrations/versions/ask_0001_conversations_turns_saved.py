"""Ask Rapport: conversations, their turns (question, plan, outcome) and saved answers (reports, segments)

Revision ID: ask_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "ask_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("ask",)
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = rapport.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ask_conversations",
        sa.Column("user_id", BIG_ID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ask_conversations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_conversations")),
    )
    with op.batch_alter_table("ask_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ask_conversations_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ask_conversations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ask_turns",
        sa.Column("conversation_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("sql", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["ask_conversations.id"],
            name=op.f("fk_ask_turns_conversation_id_ask_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_turns")),
    )
    with op.batch_alter_table("ask_turns", schema=None) as batch_op:
        batch_op.create_index("ix_ask_turns_conversation_id_position", ["conversation_id", "position"], unique=False)

    op.create_table(
        "ask_saved",
        sa.Column("user_id", BIG_ID, nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ask_saved_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_saved")),
        sa.UniqueConstraint("user_id", "kind", "name", name=op.f("uq_ask_saved_user_id_kind_name")),
    )
    with op.batch_alter_table("ask_saved", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ask_saved_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ask_saved_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ask_saved")
    op.drop_table("ask_turns")
    op.drop_table("ask_conversations")
