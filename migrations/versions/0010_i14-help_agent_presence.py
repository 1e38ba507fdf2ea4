"""callbacks: agent presence (the console's heartbeat) behind the honest wait estimate

Revision ID: i14_agent_presence
Revises: i11_finish_phone_links
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i14_agent_presence"
down_revision = "i11_finish_phone_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_presence",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_agent_presence_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_agent_presence")),
    )
    op.create_index(op.f("ix_agent_presence_seen_at"), "agent_presence", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_presence_seen_at"), table_name="agent_presence")
    op.drop_table("agent_presence")
