"""identity: index candidates by name and phone, which the inbox's search looks up on every
query (without them each search read all 20,000 candidates)

Revision ID: i17_candidate_lookup
Revises: i16_roster_imports
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "i17_candidate_lookup"
down_revision = "i16_roster_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_candidates_name"), "candidates", ["name"])
    op.create_index(op.f("ix_candidates_phone"), "candidates", ["phone"])


def downgrade() -> None:
    op.drop_index(op.f("ix_candidates_phone"), table_name="candidates")
    op.drop_index(op.f("ix_candidates_name"), table_name="candidates")
