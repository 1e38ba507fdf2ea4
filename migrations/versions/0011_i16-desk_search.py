"""search: Chinese full-text indexes of tickets and articles (FTS5 on SQLite, tsvector + GIN
on PostgreSQL), filled from the rows already there

Revision ID: i16_search
Revises: i16_canned_replies
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from helpdesk import search

revision = "i16_search"
down_revision = "i16_canned_replies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in search.INDEXES.values():
        if postgres:
            op.execute(
                f"CREATE TABLE {table} (doc_id integer PRIMARY KEY, terms tsvector NOT NULL)"
            )
            op.execute(f"CREATE INDEX ix_{table}_terms ON {table} USING gin (terms)")
        else:
            # Terms arrive separated by spaces; unicode61 keeps each as one token.
            op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(head, body, tokenize='unicode61')")
    _fill()


def _fill() -> None:
    connection = op.get_bind()
    bodies: dict[int, list[str]] = defaultdict(list)
    for ticket_id, body in connection.execute(
        sa.text(
            "SELECT ticket_id, body FROM ticket_messages WHERE author_kind != 'system' ORDER BY id"
        )
    ):
        bodies[ticket_id].append(body)
    tickets = connection.execute(sa.text("SELECT id, subject FROM tickets")).all()
    search.put_many(
        connection, "tickets", [(i, subject, "\n".join(bodies[i])) for i, subject in tickets]
    )
    articles = connection.execute(sa.text("SELECT id, title, body_markdown FROM kb_articles"))
    search.put_many(connection, "articles", [(i, t, b) for i, t, b in articles])


def downgrade() -> None:
    for table in search.INDEXES.values():
        op.execute(f"DROP TABLE {table}")
