"""Connectivity cases: the case a hand-off carries, each diagnosis turn's cause, each conversation's case.

Turns and conversations recorded before this revision keep no cause (Rasa's events are not
kept), so their diagnosis turns are not counted as cases: nothing is made up for them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 16:30:12.407318
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_started_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("case_cause", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("case_handed_off", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("case_ticket_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("case_ended", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("diagnosis_case", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )

    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("cause")

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("diagnosis_case")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("case_ended")
        batch_op.drop_column("case_ticket_id")
        batch_op.drop_column("case_handed_off")
        batch_op.drop_column("case_cause")
        batch_op.drop_column("case_started_at")
