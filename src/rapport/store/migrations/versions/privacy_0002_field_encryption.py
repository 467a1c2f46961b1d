"""Privacy: personal customer fields encrypted at rest (text columns) with blind indexes beside them

Revision ID: privacy_0002
Revises: privacy_0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "privacy_0002"
down_revision: str | None = "privacy_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# column: its type before (values already stored are encrypted by `rapport privacy rotate-keys`, not here: a
# migration has no keys)
_ENCRYPTED: dict[str, tuple[sa.types.TypeEngine[Any], bool]] = {
    "full_name": (sa.String(length=200), False),
    "first_name": (sa.String(length=100), True),
    "last_name": (sa.String(length=100), True),
    "birth_date": (sa.Date(), True),
    "email": (sa.String(length=254), True),
    "phone": (sa.String(length=32), True),
    "emails": (sa.JSON(), False),
    "phones": (sa.JSON(), False),
    "addresses": (sa.JSON(), False),
}


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_email")
        batch_op.drop_index("ix_customers_full_name")
        batch_op.drop_index("ix_customers_phone")
        for name, (before, nullable) in _ENCRYPTED.items():
            batch_op.alter_column(
                name,
                existing_type=before,
                type_=sa.Text(),
                postgresql_using=f"{name}::text",
                existing_nullable=nullable,
            )
        batch_op.add_column(sa.Column("email_bidx", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phone_bidx", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("search_bidx", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_customers_email_bidx"), ["email_bidx"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_phone_bidx"), ["phone_bidx"], unique=False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column("search_bidx", server_default=None, existing_type=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_phone_bidx"))
        batch_op.drop_index(batch_op.f("ix_customers_email_bidx"))
        batch_op.drop_column("search_bidx")
        batch_op.drop_column("phone_bidx")
        batch_op.drop_column("email_bidx")
        for name, (before, nullable) in _ENCRYPTED.items():
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=before,
                postgresql_using=f"{name}::{before.compile()}",
                existing_nullable=nullable,
            )
        batch_op.create_index("ix_customers_phone", ["phone"], unique=False)
        batch_op.create_index("ix_customers_full_name", ["full_name"], unique=False)
        batch_op.create_index("ix_customers_email", ["email"], unique=False)
