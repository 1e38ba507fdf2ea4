"""The statements a press sends are rendered once per process: none holds a list that
SQLAlchemy renders into the SQL again at every execution (an expanding IN, about 3 % of a
press's CPU), so each reaches psycopg as the same text and PostgreSQL runs it prepared."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.callbacks import estimate, services, storing


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=lambda d: d.name)
def test_no_statement_of_a_press_is_rendered_again_at_each_execution(dialect):
    statements = [
        services._lookup_statement(True),
        services._lookup_statement(False),
        estimate._desk_statement(dialect.name, True),
        estimate.queue_ahead(),
    ]
    if dialect.name == "postgresql":
        statements.append(storing._insert_with_desk(frozenset(_PRESS_VALUES))[0])

    for statement in statements:
        compiled = str(statement.compile(dialect=dialect))
        assert "POSTCOMPILE" not in compiled, compiled


_PRESS_VALUES = (
    "public_id",
    "candidate_id",
    "exam_session_id",
    "idempotency_key",
    "body_hash",
    "status",
    "priority",
    "created_at",
)
