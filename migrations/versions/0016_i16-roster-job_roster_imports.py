"""exams: roster imports applied by the scheduler (staged rows hold hash + masked ID only)

Revision ID: i16_roster_imports
Revises: i16_ticket_reads
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import helpdesk.db

revision = "i16_roster_imports"
down_revision = "i16_ticket_reads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("skip_invalid", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("heartbeat_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("checked_rows", sa.Integer(), nullable=False),
        sa.Column("applied_rows", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'applied', 'refused')",
            name=op.f("ck_roster_imports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_roster_imports_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_imports")),
    )
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_imports_status_created_at", ["status", "created_at"], unique=False
        )

    op.create_table(
        "roster_import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("exam_session", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("admission_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("id_number_masked", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["roster_imports.id"],
            name=op.f("fk_roster_import_rows_import_id_roster_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_import_rows")),
    )
    with op.batch_alter_table("roster_import_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_import_rows_import_id_line", ["import_id", "line"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roster_import_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_import_rows_import_id_line")

    op.drop_table("roster_import_rows")
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_imports_status_created_at")

    op.drop_table("roster_imports")
