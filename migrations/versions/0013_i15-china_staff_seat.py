"""identity: each staff member's seat on the cloud contact center

Revision ID: i15_staff_seat
Revises: merge_round1
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i15_staff_seat"
down_revision = "merge_round1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("seat")
