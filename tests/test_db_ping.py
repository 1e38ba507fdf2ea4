"""PostgreSQL connections are pinged only after idling in the pool: a request on a connection
used a moment ago spends no round trip on a ping, and one whose connection died while idle
still gets a live connection."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, text

from helpdesk import db

pytestmark = pytest.mark.skipif(
    not os.environ.get("HELPDESK_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the idle ping is PostgreSQL's (SQLite has no connection to lose)",
)


@pytest.fixture
def engine(fresh_database):
    engine = db.make_engine(fresh_database("ping"), pool_size=1)
    yield engine
    engine.dispose()


def _pings(engine) -> list[str]:
    seen: list[str] = []
    original = engine.dialect.do_ping

    def counted(dbapi_connection):
        seen.append("ping")
        return original(dbapi_connection)

    engine.dialect.do_ping = counted
    return seen


def _backend(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_a_moment_ago_is_not_pinged(engine):
    pings = _pings(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    first, second = _backend(engine), _backend(engine)

    assert first == second  # the pool gave the same connection back
    assert pings == []
    assert len(statements) == 2  # only the two SELECTs went to the server


def test_a_connection_that_died_while_idle_is_replaced_before_the_request_sees_it(
    engine, monkeypatch
):
    before = _backend(engine)  # the pool's only connection, now back in the pool
    admin = db.make_engine(str(engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
            connection.commit()
    finally:
        admin.dispose()
    monkeypatch.setattr(db, "PING_AFTER_SECONDS", 0.0)  # as if it idled past the limit
    pings = _pings(engine)

    after = _backend(engine)  # no error: the dead connection was replaced

    assert after != before
    assert pings == ["ping"]
