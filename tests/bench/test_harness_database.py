"""Throwaway databases for the benches: addresses built from a server with or without a
database, a SQLite file gone afterwards, a PostgreSQL database created and dropped (when
HELPDESK_TEST_DATABASE_URL names a server), and read-only engines that refuse writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bench.harness import database

SERVER = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="HELPDESK_TEST_DATABASE_URL names no PostgreSQL"
)


def test_a_database_url_is_built_from_a_server_with_or_without_a_database():
    assert database.database_url("postgresql://postgres@db:5432", "b1") == (
        "postgresql://postgres@db:5432/b1"
    )
    assert database.database_url("postgresql+psycopg://u:pw@db/postgres", "b1") == (
        "postgresql://u:pw@db/b1"
    )


def test_statements_about_databases_run_on_the_named_database_or_on_postgres():
    assert database.maintenance_url("postgresql://postgres@db:5432") == (
        "postgresql://postgres@db:5432/postgres"
    )
    assert database.maintenance_url("postgresql://postgres@db:5432/test") == (
        "postgresql://postgres@db:5432/test"
    )


def test_a_throwaway_sqlite_database_is_gone_when_the_block_ends():
    with database.throwaway("sqlite", label="t") as url:
        assert database.counts(url, "SELECT 41 + 1") == [42]
        path = Path(url.removeprefix("sqlite:///"))
        assert path.exists()

    assert not path.parent.exists()


@needs_postgres
def test_a_throwaway_postgresql_database_is_created_empty_and_dropped_even_after_a_failure():
    names: list[str] = []

    def failing_bench() -> None:
        with database.throwaway("postgresql", label="t", server=SERVER) as url:
            names.append(url.rsplit("/", 1)[-1])
            tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            assert database.counts(url, tables) == [0]
            raise RuntimeError("the bench failed")

    with pytest.raises(RuntimeError):
        failing_bench()

    assert names[0].startswith("helpdesk_bench_t_")
    [left] = database.counts(
        database.maintenance_url(SERVER),
        f"SELECT count(*) FROM pg_database WHERE datname = '{names[0]}'",  # noqa: S608 - our name
    )
    assert left == 0


@needs_postgres
def test_a_read_only_engine_cannot_write():
    with database.throwaway("postgresql", label="ro", server=SERVER) as url:
        engine = database.engine(url, read_only=True)
        try:
            with engine.connect() as connection, pytest.raises(DBAPIError, match="read-only"):
                connection.execute(text("CREATE TABLE t (id int)"))
        finally:
            engine.dispose()
