"""Account calls: every call of the read-only Tencent Cloud API, with the conversation that caused it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:12:40.118204
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("resource_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("result", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_calls")),
    )
    with op.batch_alter_table("account_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_calls_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_account_calls_conversation_id_id"), ["conversation_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("account_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_calls_conversation_id_id"))
        batch_op.drop_index(batch_op.f("ix_account_calls_at"))

    op.drop_table("account_calls")
