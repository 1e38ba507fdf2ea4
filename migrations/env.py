"""Alembic environment: the URL comes from the caller or from the desk's configuration."""

from __future__ import annotations

from alembic import context

from helpdesk.db import make_engine
from helpdesk.models import Base
from helpdesk.search import SCHEMA_OUTSIDE_MODELS

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    import config as desk_config

    return str(desk_config.from_env()["DATABASE_URL"])


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), pool_size=1)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def include_name(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
    """Leave the search indexes alone: they are not models (FTS5 tables on SQLite)."""
    return not (type_ == "table" and name in SCHEMA_OUTSIDE_MODELS)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
