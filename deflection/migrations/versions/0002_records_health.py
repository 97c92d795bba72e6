"""Records health: events the app refused one by one, and what the brokers say waits in their spools.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 15:28:25.641119
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=True),
        sa.Column("sender_id", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_events")),
    )
    with op.batch_alter_table("refused_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_events_at"), ["at"], unique=False)

    op.create_table(
        "spool_reports",
        sa.Column("spool", sa.String(length=200), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("spool", "slot", name=op.f("pk_spool_reports")),
    )


def downgrade() -> None:
    op.drop_table("spool_reports")
    with op.batch_alter_table("refused_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refused_events_at"))

    op.drop_table("refused_events")
