"""jobs: when each scheduled job last ran, for the metrics endpoint's job lag

Revision ID: i12_job_runs
Revises: i11_finish_phone_links
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i12_job_runs"
down_revision = "i11_finish_phone_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job_id", sa.String(length=80), nullable=False),
        sa.Column("last_started_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_succeeded_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failed_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
