"""The ceiling the press bench measures the desk against: a new press stored with the desk's
own two statements (the sign-in joined to the lookup, then the INSERT that reads the place
in the queue), nothing more; anything but a fresh press of a rostered candidate is refused."""

from __future__ import annotations

import argparse
import os
import uuid

import pytest
from sqlalchemy import event, text

from bench import side_by_side
from bench.harness import ceiling, database

SERVER = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="the desk's press INSERT is PostgreSQL's"
)


@pytest.fixture
def desk_with_tokens():
    args = argparse.Namespace(rounds=1, candidates=2, web_clients=0, seed=5)
    with database.throwaway("postgresql", label="ceiling", server=SERVER) as url:
        cohorts, _web = side_by_side.seed_desk(url, args)
        engine = database.engine(url).execution_options(isolation_level="AUTOCOMMIT")
        yield engine, cohorts[0]
        engine.dispose()


def press(client, token: str, key: str | None = None):
    return client.post(
        "/api/v1/help-requests",
        json={"exam_session": side_by_side.CODE, "category": "login"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_a_press_is_stored_with_the_desks_two_statements_and_told_its_place(desk_with_tokens):
    engine, tokens = desk_with_tokens
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    client = ceiling.make_app(engine).test_client()

    first, second = press(client, tokens[0]), press(client, tokens[1])

    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json["position"], second.json["position"]) == (1, 2)
    assert [s.split()[0] for s in seen] == ["SELECT", "WITH", "SELECT", "WITH"]
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*), count(DISTINCT candidate_id) FROM help_requests")
        ).one()
    assert tuple(stored) == (2, 2)


def test_a_second_press_or_a_stranger_is_not_what_it_measures(desk_with_tokens):
    engine, tokens = desk_with_tokens
    client = ceiling.make_app(engine).test_client()

    assert press(client, tokens[0]).status_code == 201
    assert press(client, tokens[0]).status_code == 409  # already waiting
    assert press(client, "not-a-token").status_code == 409  # no such sign-in: no row
