"""analytics: runs, per-customer insights, segment profiles, cohort cells, trained model versions

Revision ID: analytics_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "analytics_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_runs",
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("as_of", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", rapport.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trends", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_analytics_runs_requested_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_runs")),
    )
    op.create_index(op.f("ix_analytics_runs_status"), "analytics_runs", ["status"], unique=False)
    op.create_table(
        "analytics_cohort_cells",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cohort", sa.String(length=7), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("retention", sa.Float(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analytics_runs.id"],
            name=op.f("fk_analytics_cohort_cells_run_id_analytics_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_cohort_cells")),
        sa.UniqueConstraint("run_id", "cohort", "period", name=op.f("uq_analytics_cohort_cells_run_id_cohort_period")),
    )
    op.create_index(op.f("ix_analytics_cohort_cells_run_id"), "analytics_cohort_cells", ["run_id"], unique=False)
    op.create_table(
        "analytics_models",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trained_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analytics_runs.id"],
            name=op.f("fk_analytics_models_run_id_analytics_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_models")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_analytics_models_name_version")),
    )
    op.create_table(
        "analytics_segments",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analytics_runs.id"],
            name=op.f("fk_analytics_segments_run_id_analytics_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_segments")),
        sa.UniqueConstraint("run_id", "kind", "key", name=op.f("uq_analytics_segments_run_id_kind_key")),
    )
    op.create_index(op.f("ix_analytics_segments_run_id"), "analytics_segments", ["run_id"], unique=False)
    op.create_table(
        "customer_insights",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("rfm_segment", sa.String(length=40), nullable=False),
        sa.Column("rfm_score", sa.String(length=3), nullable=True),
        sa.Column("learned_segment", sa.String(length=40), nullable=True),
        sa.Column("clv", sa.Float(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Float(), nullable=True),
        sa.Column("p_alive", sa.Float(), nullable=True),
        sa.Column("churn_risk", sa.Float(), nullable=True),
        sa.Column("churn_reasons", sa.JSON(), nullable=False),
        sa.Column("churn_model", sa.String(length=40), nullable=True),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_insights_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analytics_runs.id"],
            name=op.f("fk_customer_insights_run_id_analytics_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_insights")),
        sa.UniqueConstraint("run_id", "customer_id", name=op.f("uq_customer_insights_run_id_customer_id")),
    )
    op.create_index(
        "ix_customer_insights_customer_id_run_id", "customer_insights", ["customer_id", "run_id"], unique=False
    )
    op.create_index(
        "ix_customer_insights_run_id_rfm_segment", "customer_insights", ["run_id", "rfm_segment"], unique=False
    )


def downgrade() -> None:
    op.drop_table("customer_insights")
    op.drop_table("analytics_segments")
    op.drop_table("analytics_models")
    op.drop_table("analytics_cohort_cells")
    op.drop_table("analytics_runs")
