"""A waiting candidate's status poll (the status page's fragment and the API's GET, each sent
every few seconds by every waiting candidate) sends three statements: the sign-in, the
request, the place with the desk. On PostgreSQL they run as their own transactions, without
the BEGIN and ROLLBACK round trips (about half of what PostgreSQL spends on a poll:
bench.status_refresh)."""

from __future__ import annotations

import re

import pytest

from tests.perf.test_press_transactions import postgres_only
from tests.perf.test_statement_counts import press

POLL_BUDGET = 3


@pytest.fixture
def waiting_candidate(perf_app, new_candidate, formal_exam, in_exam):
    """(a web client signed in as a waiting candidate, their API headers, the request id)."""
    identity = new_candidate()
    api = perf_app.test_client()
    token = api.post("/api/v1/candidate-tokens", json=identity).json["token"]
    pressed = press(api, token, formal_exam)
    assert pressed.status_code == 201, pressed.text
    web = perf_app.test_client()
    assert web.post("/signin", data=identity).status_code == 302
    return web, {"Authorization": f"Bearer {token}"}, pressed.json["id"]


def polls(perf_app, waiting_candidate):
    web, headers, request_id = waiting_candidate
    api = perf_app.test_client()
    return {
        "status page": lambda: web.get(f"/help/{request_id}"),
        "fragment": lambda: web.get(f"/help/{request_id}/fragment"),
        "API": lambda: api.get(f"/api/v1/help-requests/{request_id}", headers=headers),
    }


def test_a_status_poll_sends_three_statements(perf_app, waiting_candidate, count_statements):
    for name, poll in polls(perf_app, waiting_candidate).items():
        assert poll().status_code == 200  # warm
        with count_statements() as seen:
            answer = poll()

        assert answer.status_code == 200, name
        shown = answer.json["position"] if name == "API" else _place(answer.text)
        assert shown == 1, name
        assert len(seen) <= POLL_BUDGET, (name, seen.show())


@postgres_only
def test_a_status_poll_reads_in_autocommit(perf_app, waiting_candidate, autocommit_modes):
    for name, poll in polls(perf_app, waiting_candidate).items():
        with autocommit_modes() as modes:
            assert poll().status_code == 200, name

        assert modes, name
        assert all(modes), (name, modes)


def _place(html: str) -> int:
    found = re.search(r'class="position">(\d+)<', html)
    return int(found.group(1)) if found else 0
