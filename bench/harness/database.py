"""Throwaway databases for the benches: a SQLite file in a temporary folder, or a fresh
PostgreSQL database next to a server's (created, and dropped however the bench ends).

A server is a PostgreSQL URL with or without a database (`postgresql://postgres@host:5432`
or `.../postgres`); statements that create or drop databases run on that database, or on
`postgres` when none is named.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from tempfile import TemporaryDirectory
from typing import Any, Literal

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
Backend = Literal["sqlite", "postgresql"]


def database_url(server: str, name: str) -> str:
    """The libpq-style URL of database `name` on server (password kept)."""
    url = make_url(server).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


def maintenance_url(server: str) -> str:
    return database_url(server, make_url(server).database or "postgres")


def admin(server: str, statement: str | sql.Composable, params: tuple[Any, ...] = ()) -> None:
    """Run one statement outside a transaction (CREATE/ALTER/DROP DATABASE, kills)."""
    with psycopg.connect(maintenance_url(server), autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement, params)  # type: ignore[arg-type]


def unique_name(label: str) -> str:
    return f"helpdesk_bench_{label}_{uuid.uuid4().hex[:8]}"


def create_database(server: str, name: str) -> str:
    """Create the empty database `name` on server; returns its URL."""
    admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server, name)


def drop_database(server: str, name: str) -> None:
    """Drop `name`, disconnecting whoever is still connected to it."""
    admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def throwaway(backend: Backend, *, label: str, server: str = PG_SERVER) -> Iterator[str]:
    """The URL of an empty database that is gone when the block ends."""
    if backend == "sqlite":
        with TemporaryDirectory(prefix=f"bench-{label}-") as folder:
            yield f"sqlite:///{folder}/{label}.db"
        return
    name = unique_name(label)
    url = create_database(server, name)
    try:
        yield url
    finally:
        drop_database(server, name)


def engine(url: str, *, read_only: bool = False, **options: Any) -> Engine:
    """A SQLAlchemy engine on url (psycopg 3 for PostgreSQL); read_only sets
    default_transaction_read_only, so a check can never write."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if read_only and url.startswith("postgresql"):
        options.setdefault(
            "connect_args",
            {"connect_timeout": 3, "options": "-c default_transaction_read_only=on"},
        )
    return create_engine(url, **options)


def counts(url: str, *queries: str) -> list[int]:
    """The integer each (literal, bench-written) query returns."""
    db = engine(url)
    try:
        with db.connect() as connection:
            return [int(connection.execute(text(query)).scalar_one()) for query in queries]
    finally:
        db.dispose()
