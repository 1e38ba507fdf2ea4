"""exams: when results were published and when the session's personal data was erased

Revision ID: i12_retention
Revises: merge_round1
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i12_retention"
down_revision = "merge_round1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exam_sessions") as batch:
        batch.add_column(
            sa.Column("results_published_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "personal_data_erased_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("exam_sessions") as batch:
        batch.drop_column("personal_data_erased_at")
        batch.drop_column("results_published_at")
