"""Feedback: runs, topics, per-message sentiment and topic, aspect opinions, emerging topics

Revision ID: feedback_0001
Revises: 0001
Create Date: 2026-11-28 19:36:26.719610
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "feedback_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("feedback",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_runs",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("embedder", sa.String(length=60), nullable=True),
        sa.Column("sentiment_model", sa.String(length=60), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_runs")),
    )
    with op.batch_alter_table("feedback_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_runs_status"), ["status"], unique=False)

    op.create_table(
        "feedback_topics",
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("named_by", sa.String(length=12), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mean_sentiment", sa.Float(), nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
        sa.Column("first_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("last_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["feedback_runs.id"],
            name=op.f("fk_feedback_topics_first_run_id_feedback_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["feedback_runs.id"],
            name=op.f("fk_feedback_topics_last_run_id_feedback_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["feedback_topics.id"],
            name=op.f("fk_feedback_topics_merged_into_id_feedback_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_topics")),
    )
    with op.batch_alter_table("feedback_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_topics_status"), ["status"], unique=False)

    op.create_table(
        "feedback_emergences",
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["feedback_runs.id"],
            name=op.f("fk_feedback_emergences_run_id_feedback_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["feedback_topics.id"],
            name=op.f("fk_feedback_emergences_topic_id_feedback_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_emergences")),
        sa.UniqueConstraint("topic_id", "week", name=op.f("uq_feedback_emergences_topic_id_week")),
    )
    op.create_table(
        "feedback_aspects",
        sa.Column("interaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("aspect", sa.String(length=40), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_feedback_aspects_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_aspects")),
    )
    with op.batch_alter_table("feedback_aspects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_aspects_aspect"), ["aspect"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_aspects_interaction_id"), ["interaction_id"], unique=False)

    op.create_table(
        "feedback_messages",
        sa.Column("interaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("occurred_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("sentiment_model", sa.String(length=60), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_feedback_messages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_feedback_messages_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["feedback_runs.id"],
            name=op.f("fk_feedback_messages_run_id_feedback_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["feedback_topics.id"],
            name=op.f("fk_feedback_messages_topic_id_feedback_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_messages")),
        sa.UniqueConstraint("interaction_id", name=op.f("uq_feedback_messages_interaction_id")),
    )
    with op.batch_alter_table("feedback_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_messages_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_feedback_messages_topic_id_occurred_at", ["topic_id", "occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_messages_topic_id_occurred_at")
        batch_op.drop_index(batch_op.f("ix_feedback_messages_customer_id"))

    op.drop_table("feedback_messages")
    with op.batch_alter_table("feedback_aspects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_aspects_interaction_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_aspects_aspect"))

    op.drop_table("feedback_aspects")
    op.drop_table("feedback_emergences")
    with op.batch_alter_table("feedback_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_topics_status"))

    op.drop_table("feedback_topics")
    with op.batch_alter_table("feedback_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_runs_status"))

    op.drop_table("feedback_runs")
