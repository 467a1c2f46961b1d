"""Classifiers: labels, training runs, model versions, deployments and promotions

Revision ID: classifier_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "classifier_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("classifier",)
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("encoder", sa.String(length=40), nullable=False),
        sa.Column("runtime", sa.String(length=12), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_model_versions_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_model_versions_name_version")),
    )
    op.create_table(
        "labels",
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", BigId, nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("model_version_id", BigId, nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("is_applied", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_labels_model_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_labels_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labels_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_labels_entity_entity_id_task", ["entity", "entity_id", "task"], unique=False)
        batch_op.create_index(batch_op.f("ix_labels_task"), ["task"], unique=False)

    op.create_table(
        "model_deployments",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version_id", BigId, nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("use_llm_fallback", sa.Boolean(), nullable=False),
        sa.Column("updated_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", BigId, nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_model_deployments_updated_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_deployments_version_id_model_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_deployments")),
        sa.UniqueConstraint("name", name=op.f("uq_model_deployments_name")),
    )
    op.create_table(
        "model_promotions",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("from_version_id", BigId, nullable=True),
        sa.Column("to_version_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["from_version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_promotions_from_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_promotions_to_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_model_promotions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_promotions")),
    )
    with op.batch_alter_table("model_promotions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_promotions_name"), ["name"], unique=False)

    op.create_table(
        "model_training_runs",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", BigId, nullable=True),
        sa.Column("requested_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version_id", BigId, nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_model_training_runs_requested_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_training_runs_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_training_runs")),
    )
    with op.batch_alter_table("model_training_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_training_runs_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_training_runs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_training_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_training_runs_status"))
        batch_op.drop_index(batch_op.f("ix_model_training_runs_name"))

    op.drop_table("model_training_runs")
    with op.batch_alter_table("model_promotions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_promotions_name"))

    op.drop_table("model_promotions")
    op.drop_table("model_deployments")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labels_task"))
        batch_op.drop_index("ix_labels_entity_entity_id_task")
        batch_op.drop_index(batch_op.f("ix_labels_created_at"))

    op.drop_table("labels")
    op.drop_table("model_versions")
