"""Join the branches built side by side (job runs, agent presence, SMS templates, canned replies and search) into one head.

Revision ID: merge_round1
Revises: i12_job_runs, i14_agent_presence, i15_sms_receipts, i16_search
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "merge_round1"
down_revision = ("i12_job_runs", "i14_agent_presence", "i15_sms_receipts", "i16_search")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
