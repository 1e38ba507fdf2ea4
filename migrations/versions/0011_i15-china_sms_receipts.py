"""notify: when the receipt job last asked Aliyun about a sent message

Revision ID: i15_sms_receipts
Revises: i15_sms_templates
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i15_sms_receipts"
down_revision = "i15_sms_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_at", helpdesk.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.drop_column("checked_at")
