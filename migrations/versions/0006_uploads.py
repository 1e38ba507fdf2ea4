"""uploads: upload events, artifacts, guidance (seeded), retry flows, follow-ups

The default guidance is inserted here so that a production desk has it after
`flask db upgrade` alone, before anyone runs the demo seeder; supervisors edit it later.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

_KINDS = "artifact IN ('evidence_video', 'answer_data')"
_STATES = "state IN ('started', 'progress', 'failed', 'completed')"
_GUIDANCE_COLUMNS = ("artifact", "kind", "code", "position", "title_zh", "title_en", "body_zh",
                     "body_en", "is_retry", "active")


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, helpdesk.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "upload_artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("artifact", sa.String(length=20), nullable=False),
        sa.Column("artifact_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        _when("state_at"),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column("bytes_sent", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error_code", sa.String(length=40), nullable=True),
        _when("last_error_at", nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.CheckConstraint(_KINDS, name=op.f("ck_upload_artifacts_artifact_known")),
        sa.CheckConstraint(_STATES, name=op.f("ck_upload_artifacts_state_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_upload_artifacts_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_upload_artifacts_exam_session_id_exam_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_artifacts")),
        sa.UniqueConstraint("exam_session_id", "candidate_id", "artifact", "artifact_id",
                            name="uq_upload_artifacts_identity"),
    )
    op.create_index("ix_upload_artifacts_candidate_id", "upload_artifacts", ["candidate_id"])

    op.create_table(
        "upload_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("artifact", sa.String(length=20), nullable=False),
        sa.Column("artifact_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column("bytes_sent", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        _when("occurred_at"),
        _when("received_at"),
        sa.CheckConstraint(_KINDS, name=op.f("ck_upload_events_artifact_known")),
        sa.CheckConstraint(_STATES, name=op.f("ck_upload_events_state_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_upload_events_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_upload_events_exam_session_id_exam_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_events")),
        sa.UniqueConstraint("candidate_id", "event_id",
                            name=op.f("uq_upload_events_candidate_id_event_id")),
    )
    op.create_index("ix_upload_events_session_candidate", "upload_events",
                    ["exam_session_id", "candidate_id"])

    op.create_table(
        "upload_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("missing", sa.String(length=400), nullable=False),
        sa.Column("sms_dedupe_key", sa.String(length=120), nullable=False),
        _when("callback_queued_at", nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_upload_followups_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_upload_followups_exam_session_id_exam_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_followups")),
        sa.UniqueConstraint("candidate_id", "exam_session_id",
                            name=op.f("uq_upload_followups_candidate_id_exam_session_id")),
    )

    guidance = op.create_table(
        "upload_guidance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("is_retry", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_KINDS, name=op.f("ck_upload_guidance_artifact_known")),
        sa.CheckConstraint("kind IN ('failure', 'step', 'note')",
                           name=op.f("ck_upload_guidance_kind_known")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staff.id"],
                                name=op.f("fk_upload_guidance_updated_by_id_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_guidance")),
        sa.UniqueConstraint("artifact", "kind", "code",
                            name=op.f("uq_upload_guidance_artifact_kind_code")),
    )

    op.create_table(
        "upload_help_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.String(length=80), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("exam_session_id", sa.Integer(), nullable=True),
        sa.Column("artifact", sa.String(length=20), nullable=False),
        sa.Column("artifact_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("failed_retries", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(_KINDS, name=op.f("ck_upload_help_flows_artifact_known")),
        sa.CheckConstraint("status IN ('active', 'resolved', 'escalated')",
                           name=op.f("ck_upload_help_flows_status_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_upload_help_flows_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_upload_help_flows_exam_session_id_exam_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_help_flows")),
        sa.UniqueConstraint("owner_key", "artifact",
                            name=op.f("uq_upload_help_flows_owner_key_artifact")),
    )

    from helpdesk.uploads import defaults

    now = datetime.now(UTC)
    op.bulk_insert(guidance, [{**{k: row[k] for k in _GUIDANCE_COLUMNS}, "updated_at": now}
                              for row in defaults.rows()])


def downgrade() -> None:
    op.drop_table("upload_help_flows")
    op.drop_table("upload_guidance")
    op.drop_table("upload_followups")
    op.drop_index("ix_upload_events_session_candidate", table_name="upload_events")
    op.drop_table("upload_events")
    op.drop_index("ix_upload_artifacts_candidate_id", table_name="upload_artifacts")
    op.drop_table("upload_artifacts")
