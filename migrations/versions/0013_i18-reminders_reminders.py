"""reminders: a reminder sent to a segment of an exam session, and the candidates it reached

Revision ID: i18_reminders
Revises: merge_round1
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i18_reminders"
down_revision = "merge_round1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("check_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("trigger", sa.String(length=80), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("send_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "origin IN ('manual', 'automatic')", name=op.f("ck_reminders_origin_known")
        ),
        sa.CheckConstraint(
            "segment IN ('never_ran_agent', 'agent_failed', 'never_ran_phone', 'uploads_incomplete')",
            name=op.f("ck_reminders_segment_known"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_session_id"],
            ["exam_sessions.id"],
            name=op.f("fk_reminders_exam_session_id_exam_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_reminders_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "exam_session_id", "trigger", name=op.f("uq_reminders_exam_session_id_trigger")
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminders_exam_created", ["exam_session_id", "created_at"], unique=False
        )

    op.create_table(
        "reminder_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_reminder_recipients_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_reminder_recipients_reminder_id_reminders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_recipients")),
        sa.UniqueConstraint(
            "candidate_id", "kind", "day", name=op.f("uq_reminder_recipients_candidate_id_kind_day")
        ),
    )
    with op.batch_alter_table("reminder_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_recipients_reminder", ["reminder_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_recipients_reminder")

    op.drop_table("reminder_recipients")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_exam_created")

    op.drop_table("reminders")
