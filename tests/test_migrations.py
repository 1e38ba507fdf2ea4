"""Alembic migrations: the migrated schema equals the models, and they run down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from helpdesk.db import make_engine
from helpdesk.models import Base
from helpdesk.search import SCHEMA_OUTSIDE_MODELS


def test_the_migrated_schema_equals_the_models(fresh_database):
    url = fresh_database("schema")
    engine = make_engine(url, pool_size=1)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # The search indexes are no models (FTS5 virtual tables on SQLite).
                "include_name": lambda name, type_, _parents: (
                    not (type_ == "table" and name in SCHEMA_OUTSIDE_MODELS)
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_migrations_run_down_and_up_again(fresh_database):
    from alembic import command

    from helpdesk.cli import alembic_config

    url = fresh_database("roundtrip")
    command.downgrade(alembic_config(url), "base")
    command.upgrade(alembic_config(url), "heads")

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
    engine.dispose()


def test_the_help_request_queue_is_vacuumed_often_on_postgresql(fresh_database):
    url = fresh_database("vacuum")
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has no autovacuum")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        options = connection.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'help_requests'")
        ).scalar_one()
    engine.dispose()

    # Dead entries of requests that left the queue are removed after a few hundred changes,
    # not after a fifth of the table has changed (PostgreSQL's default).
    assert "autovacuum_vacuum_scale_factor=0.01" in options
    assert "autovacuum_vacuum_threshold=500" in options
    assert "autovacuum_vacuum_insert_scale_factor=0.01" in options
