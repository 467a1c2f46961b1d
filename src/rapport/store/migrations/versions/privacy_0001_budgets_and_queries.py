"""Privacy: epsilon budgets per dataset and the ledger of differentially private queries

Revision ID: privacy_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.store.types

revision: str = "privacy_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "privacy_budgets",
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column("epsilon_total", sa.Float(), nullable=False),
        sa.Column("epsilon_spent", sa.Float(), nullable=False),
        sa.Column("updated_at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_budgets")),
        sa.UniqueConstraint("dataset", name=op.f("uq_privacy_budgets_dataset")),
    )
    op.create_table(
        "privacy_queries",
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column("at", rapport.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_queries")),
    )
    op.create_index(op.f("ix_privacy_queries_dataset"), "privacy_queries", ["dataset"], unique=False)
    op.create_index(op.f("ix_privacy_queries_at"), "privacy_queries", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_privacy_queries_at"), table_name="privacy_queries")
    op.drop_index(op.f("ix_privacy_queries_dataset"), table_name="privacy_queries")
    op.drop_table("privacy_queries")
    op.drop_table("privacy_budgets")
