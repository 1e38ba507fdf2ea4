"""The statements a press and an inbox page send are rendered once per process: none holds a
list that SQLAlchemy renders into the SQL again at every execution (an expanding IN, about
3 % of a press's CPU), so each reaches psycopg as the same text and PostgreSQL runs it
prepared."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.callbacks import estimate, services, storing
from helpdesk.tickets import inbox

_PRESS_VALUES = frozenset(
    (
        "public_id",
        "candidate_id",
        "exam_session_id",
        "idempotency_key",
        "body_hash",
        "status",
        "priority",
        "created_at",
    )
)
#: The inbox's default filter (active tickets) and one of every other condition.
_SHAPES = [
    ("active", False, False, False, None, None),
    ("one", True, True, True, "one", "overdue"),
]


def _statements(dialect: str) -> list:
    statements = [
        services._lookup_statement(True),
        services._lookup_statement(False),
        estimate._desk_statement(dialect, True),
        estimate.queue_ahead(),
        inbox._choices_statement(),
    ]
    if dialect == "postgresql":
        statements.append(storing._insert_with_desk(_PRESS_VALUES)[0])
    for shape in _SHAPES:
        for searching in (None, "number", "words"):
            statements.append(
                inbox._counts_statement(shape, inbox.COUNT_CAP, inbox._tab_cap(), searching)
            )
            statements.append(inbox._page_statement(shape, True, searching))
    return statements


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=lambda d: d.name)
def test_no_statement_of_a_press_or_an_inbox_page_is_rendered_again_at_each_execution(dialect):
    for statement in _statements(dialect.name):
        compiled = str(statement.compile(dialect=dialect))
        assert "POSTCOMPILE" not in compiled, compiled
