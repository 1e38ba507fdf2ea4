"""callbacks: vacuum the help-request queue often (PostgreSQL)

Every request passes through `waiting`; each change of status leaves a dead entry in the
`waiting` range of ix_help_requests_queue until VACUUM removes it, and the count of the
requests ahead of a press (and of every status poll) reads through all of them. With
PostgreSQL's defaults (50 rows + 20 % of the table) a day's traffic leaves thousands: at
9,000 dead entries beside 1,000 waiting requests the count costs 0.8 ms instead of 0.16 ms,
and in a bench of four bursts of 1,000 presses a press's PostgreSQL CPU grew from 0.84 to
4.0 ms. Vacuumed after a few hundred changes (and after inserts, so the counted pages are
all-visible and the count reads the index alone) it stays at 0.8-0.9 ms.

Revision ID: i17_queue_vacuum
Revises: i17_candidate_lookup
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "i17_queue_vacuum"
down_revision = "i17_candidate_lookup"
branch_labels = None
depends_on = None

#: help_requests' storage parameters: autovacuum after 500 changed rows plus 1 % of the
#: table, and after 1,000 inserted rows plus 1 % (the defaults: 50 + 20 %, 1,000 + 20 %).
QUEUE_VACUUM = {
    "autovacuum_vacuum_threshold": "500",
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_insert_threshold": "1000",
    "autovacuum_vacuum_insert_scale_factor": "0.01",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps no dead index entries to count through (no MVCC versions)
    settings = ", ".join(f"{name} = {value}" for name, value in QUEUE_VACUUM.items())
    op.execute(f"ALTER TABLE help_requests SET ({settings})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE help_requests RESET ({', '.join(QUEUE_VACUUM)})")
