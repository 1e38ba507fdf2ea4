"""callbacks: help requests, call attempts, telephony events

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

_OPEN = "status IN ('waiting', 'claimed', 'calling') AND reason IS NULL"


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_expires_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_call_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("ticket_number", sa.String(length=40), nullable=True),
        sa.Column("staff_notes", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'claimed', 'calling', 'completed', "
                           "'unreachable', 'cancelled')",
                           name=op.f("ck_help_requests_status_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_help_requests_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["claimed_by_id"], ["staff.id"],
                                name=op.f("fk_help_requests_claimed_by_id_staff")),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_help_requests_exam_session_id_exam_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
        sa.UniqueConstraint("candidate_id", "exam_session_id", "reason",
                            name=op.f("uq_help_requests_candidate_id_exam_session_id_reason")),
        sa.UniqueConstraint("candidate_id", "idempotency_key",
                            name=op.f("uq_help_requests_candidate_id_idempotency_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_help_requests_public_id")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_requests_claimed_by_id"), ["claimed_by_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_help_requests_exam_session_id"),
                              ["exam_session_id"], unique=False)
        batch_op.create_index("ix_help_requests_queue",
                              ["status", "priority", "created_at", "id"], unique=False)
        batch_op.create_index("uq_help_requests_one_open", ["candidate_id", "exam_session_id"],
                              unique=True, sqlite_where=sa.text(_OPEN),
                              postgresql_where=sa.text(_OPEN))

    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("help_request_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("adapter", sa.String(length=20), nullable=False),
        sa.Column("caller_id", sa.String(length=20), nullable=False),
        sa.Column("to_phone", sa.String(length=20), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("provider_status", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("started_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('manual', 'unknown', 'queued', 'ringing', 'in_progress', "
                           "'ended')", name=op.f("ck_call_attempts_state_known")),
        sa.ForeignKeyConstraint(["help_request_id"], ["help_requests.id"],
                                name=op.f("fk_call_attempts_help_request_id_help_requests")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_call_attempts_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempts")),
        sa.UniqueConstraint("provider_sid", name=op.f("uq_call_attempts_provider_sid")),
        sa.UniqueConstraint("public_id", name=op.f("uq_call_attempts_public_id")),
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_attempts_help_request_id"),
                              ["help_request_id"], unique=False)
        batch_op.create_index("ix_call_attempts_started_at", ["started_at"], unique=False)

    op.create_table(
        "telephony_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("received_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_telephony_events_event_key")),
    )
    with op.batch_alter_table("telephony_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_events_call_sid"), ["call_sid"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telephony_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_events_call_sid"))
    op.drop_table("telephony_events")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_attempts_started_at")
        batch_op.drop_index(batch_op.f("ix_call_attempts_help_request_id"))
    op.drop_table("call_attempts")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_help_requests_one_open")
        batch_op.drop_index("ix_help_requests_queue")
        batch_op.drop_index(batch_op.f("ix_help_requests_exam_session_id"))
        batch_op.drop_index(batch_op.f("ix_help_requests_claimed_by_id"))
    op.drop_table("help_requests")
