"""notify: templated SMS (kind + parameters), backoff, delivery receipts, final failure

Revision ID: i15_sms_templates
Revises: i11_finish_phone_links
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i15_sms_templates"
down_revision = "i11_finish_phone_links"
branch_labels = None
depends_on = None

#: The free-text purposes of before, as the kinds of the template registry.
_KINDS = {
    "callback.unreachable": "unreachable",
    "ticket.reply": "ticket_reply",
    "upload.followup": "upload_followup",
}


def upgrade() -> None:
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.alter_column("purpose", new_column_name="kind",
                              existing_type=sa.String(length=40), existing_nullable=False)
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", helpdesk.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("delivered_at", helpdesk.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("failed_at", helpdesk.db.UTCDateTime(timezone=True),
                                      nullable=True))
    outbox = sa.table("outbound_sms", sa.column("kind", sa.String), sa.column("params", sa.JSON))
    for purpose, kind in _KINDS.items():
        op.execute(outbox.update().where(outbox.c.kind == purpose).values(kind=kind))
    # Messages queued as free text keep their body; they have no parameters.
    op.execute(outbox.update().where(outbox.c.params.is_(None)).values(params={}))
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.alter_column("params", existing_type=sa.JSON(), nullable=False)
        batch_op.create_index("ix_outbound_sms_status_next", ["status", "next_attempt_at"])
        batch_op.create_index("ix_outbound_sms_provider_id", ["provider_id"])


def downgrade() -> None:
    outbox = sa.table("outbound_sms", sa.column("kind", sa.String))
    for purpose, kind in _KINDS.items():
        op.execute(outbox.update().where(outbox.c.kind == kind).values(kind=purpose))
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_sms_provider_id")
        batch_op.drop_index("ix_outbound_sms_status_next")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("params")
        batch_op.alter_column("kind", new_column_name="purpose",
                              existing_type=sa.String(length=40), existing_nullable=False)
