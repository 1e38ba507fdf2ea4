"""INSERT ... ON CONFLICT DO NOTHING through Core, the stored row a persistent entity: the
write of a press and of a new ticket, which unique indexes keep to one per key."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, inspect
from sqlalchemy.orm import Session, make_transient_to_detached


def insert_returning_or_nothing(session: Session, entity: Any, values: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the session's engine: a row that would break a
    unique constraint is not stored and None comes back, in one statement and without a
    savepoint (the caller then reads the row that won). values are keyed by attribute.

    The statement is Core, built once per process for these keys, and returns only what
    values do not hold (the primary key, the columns' defaults); the stored row then joins
    the session as a persistent entity built from both, as if it had been loaded. The ORM's
    own INSERT ... RETURNING entity costs three times as much CPU for the same row."""
    statement, columns, returned = _insert_returning(
        session.get_bind().dialect.name, entity, frozenset(values)
    )
    row = session.execute(statement, {columns[k]: v for k, v in values.items()}).first()
    return None if row is None else stored_entity(session, entity, values, returned, row)


def stored_entity(
    session: Session, entity: Any, values: dict[str, Any], returned: list[str], row: Any
) -> Any:
    """The row an INSERT just stored as a persistent entity of session, built from values
    and what its RETURNING gave for the keys `returned`, as if it had been loaded."""
    instance = entity(**values, **dict(zip(returned, row[: len(returned)], strict=True)))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def dialect_insert(dialect: str, table: Any) -> Any:
    """The INSERT of dialect ("postgresql" or "sqlite"), which knows ON CONFLICT; only that
    dialect's module is imported (a PostgreSQL worker never loads SQLite's)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


@cache
def insert_cte(entity: Any, keys: frozenset[str]) -> tuple[Any, list[str]]:
    """PostgreSQL's INSERT ... ON CONFLICT DO NOTHING RETURNING what keys lack, as a CTE
    named "stored", for one statement that reads more beside what it stores (a row comes
    back only when the row was stored); each value is bound as "new_<key>". Returns the CTE
    and the attribute keys of its columns, for stored_entity()."""
    from sqlalchemy.dialects.postgresql import insert

    mapper = inspect(entity)
    missing = [attr for attr in mapper.column_attrs if attr.key not in keys]
    columns = {key: mapper.column_attrs[key].columns[0] for key in keys}
    values = {column: bindparam(f"new_{key}", type_=column.type) for key, column in columns.items()}
    statement = (
        insert(mapper.local_table)
        .values(values)
        .on_conflict_do_nothing()
        .returning(*(attr.columns[0] for attr in missing))
    )
    return statement.cte("stored"), [attr.key for attr in missing]


@cache
def _insert_returning(
    dialect: str, entity: Any, keys: frozenset[str]
) -> tuple[Any, dict[str, str], list[str]]:
    """The INSERT for entity's table, the column name of each attribute key given, and the
    attribute keys its RETURNING gives back."""
    mapper = inspect(entity)
    columns = {key: mapper.column_attrs[key].columns[0].key for key in keys}
    missing = [attr for attr in mapper.column_attrs if attr.key not in keys]
    statement = (
        dialect_insert(dialect, mapper.local_table)
        .on_conflict_do_nothing()
        .returning(*(attr.columns[0] for attr in missing))
    )
    return statement, columns, [attr.key for attr in missing]
