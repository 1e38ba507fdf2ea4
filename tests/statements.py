"""Recording the SQL statements an engine sends, for tests that count or read them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


class Statements(list[str]):
    """The statements one block sent, in order (SQLite's BEGIN IMMEDIATE left out: on
    PostgreSQL the driver begins without a statement of its own)."""

    def show(self) -> str:
        return "\n".join(f"{n}. {s[:300]}" for n, s in enumerate(self, 1))


@contextmanager
def recorded(engine: Any) -> Iterator[Statements]:
    """`with recorded(engine) as seen:` every statement engine sends in the block."""
    seen = Statements()

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        text = " ".join(statement.split())
        if text.upper() != "BEGIN IMMEDIATE":
            seen.append(text)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
