"""readiness: requirements profiles per exam session, device reports, agent builds

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readiness_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("updated_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_readiness_profiles_exam_session_id_exam_sessions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staff.id"],
                                name=op.f("fk_readiness_profiles_updated_by_id_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_profiles")),
        sa.UniqueConstraint("exam_session_id",
                            name=op.f("uq_readiness_profiles_exam_session_id")),
    )
    op.create_table(
        "device_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(length=10), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("profile_version", sa.String(length=80), nullable=False),
        sa.Column("client_profile_version", sa.String(length=80), nullable=True),
        sa.Column("agent_version", sa.String(length=40), nullable=True),
        sa.Column("platform", sa.String(length=40), nullable=True),
        sa.Column("collected_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint("device IN ('pc', 'phone')",
                           name=op.f("ck_device_reports_device_known")),
        sa.CheckConstraint("verdict IN ('pass', 'warn', 'fail')",
                           name=op.f("ck_device_reports_verdict_known")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_device_reports_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exam_session_id"], ["exam_sessions.id"],
                                name=op.f("fk_device_reports_exam_session_id_exam_sessions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_reports")),
        sa.UniqueConstraint("candidate_id", "idempotency_key",
                            name=op.f("uq_device_reports_candidate_id_idempotency_key")),
        sa.UniqueConstraint("code", name=op.f("uq_device_reports_code")),
    )
    with op.batch_alter_table("device_reports", schema=None) as batch_op:
        batch_op.create_index("ix_device_reports_candidate_device",
                              ["candidate_id", "device", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_device_reports_exam_session_id"),
                              ["exam_session_id"], unique=False)
    op.create_table(
        "agent_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("stored_name", sa.String(length=160), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("platform IN ('windows', 'zipapp')",
                           name=op.f("ck_agent_builds_platform_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_builds")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_agent_builds_stored_name")),
    )


def downgrade() -> None:
    op.drop_table("agent_builds")
    with op.batch_alter_table("device_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_reports_exam_session_id"))
        batch_op.drop_index("ix_device_reports_candidate_device")
    op.drop_table("device_reports")
    op.drop_table("readiness_profiles")
