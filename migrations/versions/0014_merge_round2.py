"""Join the second round of branches (retention, staff seats, reminders) into one head.

Revision ID: merge_round2
Revises: i12_retention, i15_staff_seat, i18_reminders
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "merge_round2"
down_revision = ("i12_retention", "i15_staff_seat", "i18_reminders")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
