"""readiness: single-use phone sign-in links behind the device-check page's QR code

Revision ID: i11_finish_phone_links
Revises: i13_staff_accounts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i11_finish_phone_links"
down_revision = "i13_staff_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("created_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_phone_links_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_phone_links_token_hash")),
    )
    op.create_index("ix_phone_links_candidate_created", "phone_links",
                    ["candidate_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_phone_links_candidate_created", table_name="phone_links")
    op.drop_table("phone_links")
