"""The database: engine and sessionmaker per app, typed declarative base, UTC timestamps.

Views get a request-scoped session from get_session(); jobs and CLI commands use
session_scope(). The caller of a service owns the transaction and commits.
"""

from __future__ import annotations

import enum
import json
import logging
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import Flask, current_app, g, request
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    Integer,
    MetaData,
    Text,
    create_engine,
    event,
    func,
    literal,
    text,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every engine (SQLite keeps no offset, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def one_of(column: str, values: type[enum.StrEnum], *, name: str) -> CheckConstraint:
    """A CHECK that column holds one of the enum's values, derived from the enum itself.

    Adding a member changes the constraint: write the migration that alters it.
    """
    listed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


def in_fixed(column: Any, values: Iterable[Any]) -> Any:
    """column IN (values) with the list fixed when the statement is compiled, for a statement
    built once per process. An IN of plain values is an expanding parameter that SQLAlchemy
    renders into the SQL again at every execution (about 3 % of a press's CPU); a list of
    bound literals is rendered once and stays one statement for psycopg to prepare."""
    return column.in_([literal(value, column.type) for value in values])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar = {datetime: UTCDateTime()}


def make_engine(url: str, pool_size: int = 10, pooler: str = "") -> Engine:
    """Create an engine tuned for the URL's dialect; pooler "transaction" when PostgreSQL
    sits behind a transaction-mode pooler such as PgBouncer."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT; we begin ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # IMMEDIATE takes the write lock up front: two writers wait for each other
            # (busy_timeout) instead of failing when a reader tries to become a writer.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=5,
        connect_args=postgres_connect_args(pooler),
    )
    ping_when_idle(engine)
    event.listen(engine, "do_execute", _execute_unprepared)
    return engine


#: Execution option: PostgreSQL plans this statement for its values at every execution.
#: psycopg prepares a statement it has run five times, and PostgreSQL may then keep a
#: generic plan made without the values; for a statement whose best plan depends on them
#: (the text search: a phrase that matches nothing is cheap through the index, one that
#: matches a fifth of the tickets through the newest rows) that plan can be 30 times slower.
PLAN_EACH_TIME = "helpdesk_plan_each_time"


def _execute_unprepared(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    """SQLAlchemy's do_execute hook: a statement marked PLAN_EACH_TIME is sent unprepared."""
    if context.execution_options.get(PLAN_EACH_TIME):
        cursor.execute(statement, parameters, prepare=False)
        return True
    return None


#: A pooled connection idle longer than this is pinged before a request gets it.
PING_AFTER_SECONDS = 10.0
_RETURNED = "helpdesk_returned_at"


def ping_when_idle(engine: Engine) -> None:
    """Ping a connection on checkout only when it sat in the pool for PING_AFTER_SECONDS.

    SQLAlchemy's pool_pre_ping pings on every checkout: one more round trip per request,
    which in the exam-start rush is a quarter of a press's. A connection used a moment ago
    is alive unless the database just went away; then the request's first statement fails,
    SQLAlchemy sees the disconnect and discards the whole pool, so the next request
    reconnects (one 503 per worker, as during the outage itself). A connection that idled
    (a quiet night, a restarted database, a pooler that closes idle links) is pinged and,
    when dead, replaced before the request sees it.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned < PING_AFTER_SECONDS:
            return  # brand new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool retries with a new connection
            raise DisconnectionError(f"idle connection is dead: {type(exc).__name__}") from exc


def postgres_connect_args(pooler: str = "") -> dict[str, Any]:
    """psycopg's connection arguments. Behind a transaction-mode pooler a prepared statement
    would be looked up on whichever server connection the next transaction lands on (and
    fail, "prepared statement ... does not exist"), so psycopg prepares none."""
    args: dict[str, Any] = {"connect_timeout": 3}
    if pooler == "transaction":
        args["prepare_threshold"] = None
    return args


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, pool_size: int = 10, pooler: str = "") -> None:
        self.engine = make_engine(url, pool_size, pooler)
        # A closed session stays closed: one that outlived its request (a generator sent
        # after teardown) raises instead of silently beginning a transaction nobody ends.
        self.sessionmaker = sessionmaker(
            bind=self.engine, expire_on_commit=False, close_resets_only=False
        )

    def bind_to(self, connection: Any) -> None:
        """Run every session inside connection's transaction (tests roll it back)."""
        self.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")


def init_app(app: Flask) -> None:
    app.extensions["db"] = Database(
        str(app.config["DATABASE_URL"]),
        int(app.config["DATABASE_POOL_SIZE"]),
        str(app.config.get("DATABASE_POOLER", "")),
    )
    app.teardown_appcontext(_close_session)
    # First of the request hooks: before anything signs the visitor in.
    app.before_request(_reads_alone)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["db"]


class SessionWhileStreaming(RuntimeError):
    """A streamed body asked for the request's session: it reads with streaming.batches()."""


def get_session() -> Session:
    """Return the session of the current request, opening it on first use."""
    if g.get("streaming"):
        raise SessionWhileStreaming(
            "a streamed response body holds no transaction: read with helpdesk.streaming.batches"
        )
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def statements_commit_alone(session: Session) -> None:
    """Make each of the session's statements its own transaction, on PostgreSQL, for a
    request whose one write is a single atomic statement (a press of 求助: its INSERT ... ON
    CONFLICT, the unique indexes keeping one request per key and one open request per
    candidate). A transaction around it would add a BEGIN and a COMMIT, two of its six
    round trips, and nothing else: under READ COMMITTED each statement sees what was
    committed before it either way. Call it before the session's first statement; a
    session bound to a test's outer transaction keeps it."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def reads_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET view that only reads (put it under the route decorator): on PostgreSQL its
    request's statements, the sign-in's included, each run as their own transaction, which
    saves the BEGIN and the ROLLBACK round trips around them. A write the request still
    makes before the view (the staff session's idle mark) is one statement, committed as
    it runs; the view's own statements then run in a transaction of their own as usual."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def _reads_alone() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "GET" and getattr(view, "reads_only", False):
        statements_commit_alone(get_session())


def release_session() -> None:
    """End the request's transaction and give its connection back now, before the response
    (a streamed one) is sent; what the view did not commit is rolled back."""
    _close_session(None)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as exc:
        # The connection died under the request (database restarted, backend killed): the
        # response is already chosen, so drop the connection instead of failing the request.
        log.warning("session closed on a lost database connection: %s", type(exc).__name__)
        session.invalidate()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session for jobs and CLI commands: committed on success, rolled back on error."""
    session = database(app).sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def try_advisory_lock(session: Session, name: str) -> bool:
    """Take a transaction-scoped lock named name on PostgreSQL; True on SQLite.

    Jobs call this first so that two schedulers running at once do the work once;
    SQLite serialises writers itself.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode("utf-8"))
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def seconds_of(dialect: str, start: Any, end: Any) -> Any:
    """The SQL expression for the seconds from start to end (two datetime columns) in the
    dialect named (statements are built once per process, before any session)."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


class IdList(TypeDecorator[list[int]]):
    """Any number of ids bound as one parameter: an integer array on PostgreSQL, a JSON
    array on SQLite (read with json_each). A statement that takes a list of ids is then
    built, compiled and parsed once, whatever the list holds: an IN of 200 literal ids
    made a 29 kB statement that SQLAlchemy built and psycopg parsed again on each search."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        ids = [int(i) for i in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class among(FunctionElement[bool]):
    """among(column, ids): the column's value is one of the ids bound (an IdList)."""

    type = Boolean()
    inherit_cache = True


class place_among(FunctionElement[int]):
    """place_among(column, ids): where the column's value stands in the ids bound, from 1;
    NULL when it is not among them."""

    type = Integer()
    inherit_cache = True


@compiles(among, "postgresql")
def _among_postgres(element: among, compiler: Any, **kw: Any) -> str:
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} = ANY({ids})"


@compiles(among)
def _among_json(element: among, compiler: Any, **kw: Any) -> str:
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    # Both parts are compiled SQL (a column, a bound parameter), never input.
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608  # nosec B608


@compiles(place_among, "postgresql")
def _place_postgres(element: place_among, compiler: Any, **kw: Any) -> str:
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    return f"array_position({ids}, {column})"


@compiles(place_among)
def _place_json(element: place_among, compiler: Any, **kw: Any) -> str:
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    # Both parts are compiled SQL (a column, a bound parameter), never input.
    return f"(SELECT key + 1 FROM json_each({ids}) WHERE value = {column})"  # noqa: S608  # nosec B608
